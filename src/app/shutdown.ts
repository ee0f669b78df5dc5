import type { Logger } from '../logger.js';

/**
 * What has started so far, stopped newest first, whether start-up failed half-way or the gateway
 * stops. A part that does not stop cleanly is logged and the rest still stop.
 */
export class Shutdown {
  readonly #stops: (() => Promise<unknown> | void)[] = [];
  #done: Promise<void> | undefined;

  constructor(private readonly log: Logger) {}

  /** `stop` runs before everything added earlier. */
  add(stop: () => Promise<unknown> | void): void {
    this.#stops.push(stop);
  }

  /** Stops everything once; later calls wait for the same stop. */
  run(): Promise<void> {
    return (this.#done ??= this.#stopAll());
  }

  async #stopAll(): Promise<void> {
    for (const stop of this.#stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (error) {
        this.log.error({ err: error }, 'a part of the gateway did not stop cleanly');
      }
    }
  }
}
