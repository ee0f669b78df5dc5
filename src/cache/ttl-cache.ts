/**
 * A small map whose entries expire after `ttlMs`, for facts read on every request (a key's principal,
 * an agent's grants) that change rarely and are invalidated explicitly when they do. The TTL bounds
 * how long a change made by another replica can go unseen.
 */
export class TtlCache<K, V> {
  readonly #entries = new Map<K, { value: V; expires: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: K, value: V): void {
    if (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, expires: this.now() + this.ttlMs });
  }

  /** Drops every entry for which `match` holds (all of them without it). */
  invalidate(match?: (key: K, value: V) => boolean): void {
    if (!match) {
      this.#entries.clear();
      return;
    }
    for (const [key, entry] of this.#entries) if (match(key, entry.value)) this.#entries.delete(key);
  }
}
