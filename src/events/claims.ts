import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';

/**
 * "Only one replica does this": the first to claim a name holds it for `ttlMs`. In-process by default;
 * on Redis (SET NX PX) when replicas share one, so a finding every replica sees is raised once.
 */
export interface Claims {
  claim(name: string, ttlMs: number): Promise<boolean>;
}

export class MemoryClaims implements Claims {
  /** Names held, each until its own time runs out; past 10,000 at once, the least recently claimed go first. */
  readonly #held: LRUCache<string, true>;

  constructor(now: () => number = Date.now) {
    // The given clock, read each time (no rounding), so a clock moved by a test is seen at once.
    this.#held = new LRUCache<string, true>({ max: 10_000, perf: { now }, ttlResolution: 0 });
  }

  async claim(name: string, ttlMs: number): Promise<boolean> {
    if (this.#held.has(name)) return false;
    this.#held.set(name, true, { ttl: Math.max(1, ttlMs) });
    return true;
  }
}

/**
 * Claims in Redis. While Redis does not answer, claims are made in this process instead (so a finding
 * is raised once per replica rather than not at all), and `onUnavailable` is told.
 */
export class RedisClaims implements Claims {
  readonly #fallback = new MemoryClaims();

  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'warden:claim:',
    private readonly onUnavailable: (cause: unknown) => void = () => undefined,
  ) {}

  async claim(name: string, ttlMs: number): Promise<boolean> {
    try {
      return (await this.redis.set(this.prefix + name, '1', 'PX', ttlMs, 'NX')) === 'OK';
    } catch (error) {
      this.onUnavailable(error);
      return this.#fallback.claim(name, ttlMs);
    }
  }
}
