export interface RestartPolicyOptions {
  /** Restarts are at least this far apart, so a crashing worker is not replaced in a tight loop. */
  minIntervalMs: number;
  /** A worker that dies sooner than this after it was started died quickly. */
  quickMs: number;
  /** This many quick deaths in a row are a crash loop: no more restarts. */
  maxQuickDeaths: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicyOptions = { minIntervalMs: 1_000, quickMs: 10_000, maxQuickDeaths: 5 };

/**
 * When the primary starts another worker in place of one that died. A worker that lived a while is
 * replaced at once (or a second after the last restart); quick deaths in a row mean something every
 * worker meets (a bad deploy, a store that refuses), which restarting will not mend.
 */
export class RestartPolicy {
  #quickDeaths = 0;
  #lastRestartAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: RestartPolicyOptions = DEFAULT_RESTART_POLICY) {}

  /** A worker that lived `livedMs` died at `now` (ms): how long to wait before starting another, or undefined to give up. */
  afterDeath(livedMs: number, now: number): number | undefined {
    this.#quickDeaths = livedMs < this.options.quickMs ? this.#quickDeaths + 1 : 0;
    if (this.#quickDeaths >= this.options.maxQuickDeaths) return undefined;
    const at = Math.max(now, this.#lastRestartAt + this.options.minIntervalMs);
    this.#lastRestartAt = at;
    return at - now;
  }
}
