import type { Redis } from 'ioredis';

/**
 * "Only one replica does this": the first to claim a name holds it for `ttlMs`. In-process by default;
 * on Redis (SET NX PX) when replicas share one, so a finding every replica sees is raised once.
 */
export interface Claims {
  claim(name: string, ttlMs: number): Promise<boolean>;
}

export class MemoryClaims implements Claims {
  readonly #held = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  async claim(name: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    const until = this.#held.get(name);
    if (until !== undefined && until > now) return false;
    this.#held.set(name, now + ttlMs);
    if (this.#held.size > 10_000) {
      for (const [key, expiry] of this.#held) if (expiry <= now) this.#held.delete(key);
    }
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
