import type { Logger } from '../logger.js';
import type { AuditRepository } from '../store/repositories/audit-repository.js';

export interface AuditRetentionOptions {
  /** Events older than this many days are deleted. */
  retentionDays: number;
  /** The first purge runs this long after `start` (default: 30 s plus up to 30 s of jitter). */
  firstDelayMs?: number;
  /** Then one purge every `intervalMs` (default: hourly). */
  intervalMs?: number;
  /** Rows deleted per statement (default 5,000), so a big purge never holds locks for long. */
  batchSize?: number;
  now?: () => Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Deletes audit events past the retention on a schedule: shortly after start, then hourly. The timers
 * never keep the process alive. Every replica may run it: batches skip rows another replica is
 * deleting, so they share the work rather than wait on each other. A failed purge is logged and tried
 * again at the next tick; `stop` ends a running purge after its current batch.
 */
export class AuditRetention {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;
  #abort = new AbortController();
  readonly #options: Required<AuditRetentionOptions>;

  constructor(
    private readonly repo: AuditRepository,
    private readonly log: Logger,
    options: AuditRetentionOptions,
  ) {
    this.#options = {
      firstDelayMs: 30_000 + Math.floor(Math.random() * 30_000),
      intervalMs: 60 * 60 * 1000,
      batchSize: 5_000,
      now: () => new Date(),
      ...options,
    };
  }

  start(): void {
    if (this.#timer) return;
    this.#abort = new AbortController();
    this.#timer = setTimeout(() => {
      this.#timer = setInterval(() => void this.runOnce(), this.#options.intervalMs);
      this.#timer.unref();
      void this.runOnce();
    }, this.#options.firstDelayMs);
    this.#timer.unref();
  }

  /** Purges now (joining a purge already running); resolves to how many events it deleted, never rejects. */
  runOnce(): Promise<number> {
    this.#running ??= this.#purge().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#abort.abort();
    await this.#running;
  }

  async #purge(): Promise<number> {
    const { retentionDays, batchSize } = this.#options;
    const cutoff = new Date(this.#options.now().getTime() - retentionDays * DAY_MS);
    const started = performance.now();
    try {
      const purged = await this.repo.purgeBefore(cutoff, { batchSize, signal: this.#abort.signal });
      const ms = Math.round(performance.now() - started);
      if (purged > 0) this.log.info({ purged, retentionDays, cutoff, ms }, 'purged audit events past the retention');
      else this.log.debug({ retentionDays, cutoff, ms }, 'no audit events past the retention');
      return purged;
    } catch (error) {
      this.log.error({ err: error, retentionDays }, 'could not purge audit events; will try again at the next tick');
      return 0;
    }
  }
}
