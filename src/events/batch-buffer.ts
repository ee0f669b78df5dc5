import type { Logger } from '../logger.js';

/**
 * Items waiting to be written to the store in batches, off the request path. `push` only appends;
 * `flush` writes everything waiting, a batch at a time (concurrent calls share one write). A failed
 * write keeps the items for the next flush. Bounded: past `maxBuffered` the oldest are dropped and the
 * loss is logged, so a dead store cannot exhaust memory.
 */
export class BatchBuffer<T> {
  #items: T[] = [];
  #flushing: Promise<void> | undefined;
  #failures = 0;

  constructor(
    private readonly write: (batch: T[]) => Promise<void>,
    private readonly log: Logger,
    private readonly options: { what: string; batchSize: number; maxBuffered: number },
  ) {}

  get size(): number {
    return this.#items.length;
  }

  /** Writes that failed so far (their items were kept for the next flush). */
  get failures(): number {
    return this.#failures;
  }

  push(item: T): void {
    this.#items.push(item);
    if (this.#items.length > this.options.maxBuffered) {
      const dropped = this.#items.splice(0, this.#items.length - this.options.maxBuffered);
      this.log.error({ dropped: dropped.length }, `${this.options.what} buffer full: oldest dropped`);
    }
  }

  flush(): Promise<void> {
    this.#flushing ??= this.#writeAll().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  /** Flushes, and once more for what arrived during the first flush. */
  async drain(): Promise<void> {
    await this.flush();
    if (this.#items.length > 0) await this.flush();
  }

  async #writeAll(): Promise<void> {
    while (this.#items.length > 0) {
      const batch = this.#items.slice(0, this.options.batchSize);
      try {
        await this.write(batch);
        this.#items.splice(0, batch.length);
      } catch (error) {
        this.#failures += 1;
        this.log.error({ err: error, waiting: this.#items.length }, `could not write ${this.options.what}; will retry`);
        return;
      }
    }
  }
}
