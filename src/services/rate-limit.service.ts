import { randomUUID } from 'node:crypto';
import DataLoader from 'dataloader';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract, type RateLimiterRes } from 'rate-limiter-flexible';
import { AppError, ErrorCode } from '../errors/app-error.js';
import type { Store } from '../store/open-store.js';
import type { RateLimitRecord } from '../store/repositories/rate-limit-repository.js';

/** An agent's limits; null means that limit is not set. */
export interface RateLimits {
  perMinute: number | null;
  perHour: number | null;
  perDay: number | null;
  maxConcurrent: number | null;
}

export interface RateLimitSetting extends RateLimits {
  agentId: string;
  updatedAt: Date;
  updatedBy: string | null;
}

export interface RateLimitOptions {
  /** Counters in Redis, so every replica enforces the same limits; in this process without it. */
  redis?: Redis | undefined;
  /** Prepended to every Redis key (default `warden:`); tests pass a random one so runs never collide. */
  keyPrefix?: string | undefined;
  /**
   * How long a concurrency slot held in Redis lives without being renewed (default 30 s). The holder
   * renews it every third of that while its query runs, so only a crashed replica's slots lapse.
   */
  leaseMs?: number | undefined;
  /** How long limits read from the store are kept (default 10 s); changes elsewhere arrive sooner by invalidation. */
  cacheTtlMs?: number | undefined;
  /**
   * Called each time Redis did not answer (not connected, or an error or timeout from the client) and
   * this process's own counters were used instead.
   */
  onRedisUnavailable?: ((cause: unknown) => void) | undefined;
}

/** Releases a concurrency slot; calling it again does nothing. */
export type Release = () => void;

export const RATE_LIMIT_MAX = 1_000_000;

const NO_LIMITS: RateLimits = { perMinute: null, perHour: null, perDay: null, maxConcurrent: null };
const FIELDS = ['perMinute', 'perHour', 'perDay', 'maxConcurrent'] as const;

interface Window {
  field: 'perMinute' | 'perHour' | 'perDay';
  name: string;
  seconds: number;
  /** "a minute": for messages. */
  per: string;
}

const WINDOWS: readonly Window[] = [
  { field: 'perMinute', name: 'minute', seconds: 60, per: 'a minute' },
  { field: 'perHour', name: 'hour', seconds: 3_600, per: 'an hour' },
  { field: 'perDay', name: 'day', seconds: 86_400, per: 'a day' },
];

/**
 * Takes a concurrency slot atomically: prunes lapsed leases (scored by expiry, Redis's own clock),
 * refuses when the cap is reached, else adds this token. The key lives as long as its last lease.
 * KEYS[1] the agent's in-flight set; ARGV: cap, lease ms, token. Returns 1 when taken, 0 when full.
 */
const ACQUIRE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return 1
`;

/** Extends a held lease; 0 when it has already lapsed (it is not taken again: the cap may be full). */
const RENEW_SCRIPT = `
if not redis.call('ZSCORE', KEYS[1], ARGV[2]) then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[2])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return 1
`;

/**
 * Per-agent rate limits: queries a minute, an hour and a day, and queries running at once. Admins set
 * them; every runQuery, explainQuery and rows call of a limited agent takes one (`acquire`) before any
 * work and gives the concurrency slot back when done.
 *
 * Windows are fixed (they start at an agent's first counted query) and count admitted queries only:
 * a refused query is given back, so hammering a limit does not push it further away. Counters are
 * keyed by agent and window, not by the limit's value, so a change applies at once to what the agent
 * has already run in the current window: raised from 3 to 5 a minute after 3 queries, it may run 2
 * more; lowered below what it has run, it waits for the window to end. Only the windows an agent has a
 * limit on are counted, so a limit set again later counts from what was run while it was set.
 *
 * In memory by default; in Redis when given a client, so replicas share one count and one cap. A
 * concurrency slot in Redis is a lease the holder renews, so a crashed replica's slots lapse. When
 * Redis is not connected or does not answer (the client's command timeout), the limits are counted in
 * this process instead: they still hold, but per replica, until Redis answers again; then the shared
 * counters are used once more (what was counted in memory meanwhile is not carried over).
 */
export class RateLimitService {
  readonly #redis: Redis | undefined;
  readonly #keyPrefix: string;
  readonly #leaseMs: number;
  readonly #limiters: ReadonlyMap<Window['field'], RateLimiterAbstract>;
  /** Limits by agent (null: none set), the 10,000 most recently used, for `cacheTtlMs`. */
  readonly #cache: LRUCache<string, { limits: RateLimits | null }>;
  /** Bumped by every forget, so a read that began before a change does not cache what it read. */
  #generation = 0;
  readonly #running = new Map<string, number>();
  readonly #changeListeners: ((agentId: string) => void)[] = [];
  readonly #loader: DataLoader<string, RateLimitRecord | null>;
  readonly #onRedisUnavailable: (cause: unknown) => void;

  constructor(
    private readonly store: Store,
    options: RateLimitOptions = {},
    private readonly now: () => Date = () => new Date(),
  ) {
    this.#redis = options.redis;
    this.#keyPrefix = options.keyPrefix ?? 'warden:';
    this.#leaseMs = options.leaseMs ?? 30_000;
    // At least 1 ms: to lru-cache, 0 would mean "for ever".
    this.#cache = new LRUCache({ max: 10_000, ttl: Math.max(1, options.cacheTtlMs ?? 10_000) });
    this.#onRedisUnavailable = options.onRedisUnavailable ?? (() => undefined);
    // The limit is compared here, per agent, so the limiters only count: their own `points` never bind.
    this.#limiters = new Map(
      WINDOWS.map((w) => {
        const common = { keyPrefix: `${this.#keyPrefix}rate:${w.name}`, points: Number.MAX_SAFE_INTEGER, duration: w.seconds };
        const limiter = this.#redis
          ? new RateLimiterRedis({
              ...common,
              storeClient: this.#redis,
              // Not connected: straight to the in-process counters, never waiting for a reconnect.
              rejectIfRedisNotReady: true,
              insuranceLimiter: new FallbackLimiter(common, () => this.#onRedisUnavailable(new Error(`Redis is ${this.#redis?.status ?? 'gone'}`))),
            })
          : new RateLimiterMemory(common);
        return [w.field, limiter];
      }),
    );
    // Batches the reads of one tick (a page of agents asking for their limits) into one store query.
    this.#loader = new DataLoader(
      async (ids) => {
        const rows = await this.store.repos.rateLimits.findByAgentIds([...new Set(ids)]);
        const byAgent = new Map(rows.map((r) => [r.agentId, r]));
        return ids.map((id) => byAgent.get(id) ?? null);
      },
      { cache: false },
    );
  }

  /**
   * Takes one query's worth of the agent's limits, or throws RATE_LIMITED (with retryAfterSeconds)
   * naming the limit it would exceed. Returns the function that gives the concurrency slot back.
   */
  async acquire(agentId: string): Promise<Release> {
    const limits = await this.#limitsOf(agentId);
    if (!limits) return () => undefined;
    const release = limits.maxConcurrent === null ? () => undefined : await this.#takeSlot(agentId, limits.maxConcurrent);
    try {
      await this.#count(agentId, limits);
    } catch (error) {
      release();
      throw error;
    }
    return release;
  }

  /** The agent's limits, or null when it has none. */
  async get(agentId: string): Promise<RateLimitSetting | null> {
    const record = await this.#loader.load(agentId);
    return record ? toSetting(record) : null;
  }

  /**
   * Replaces the agent's limits (a null one is not set; all null removes them). Each is a whole
   * number from 1 to 1,000,000. The agent must exist and be active.
   */
  async set(agentId: string, limits: Partial<RateLimits>, by: string | null): Promise<RateLimitSetting> {
    const wanted: RateLimits = { ...NO_LIMITS };
    for (const field of FIELDS) {
      const value = limits[field];
      if (value === undefined || value === null) continue;
      if (!Number.isInteger(value) || value < 1 || value > RATE_LIMIT_MAX) {
        throw new AppError(ErrorCode.BAD_USER_INPUT, `${field} must be a whole number from 1 to 1,000,000, or null for no limit.`, { field });
      }
      wanted[field] = value;
    }
    const at = this.now();
    const setting = await this.store.transaction(async (repos) => {
      const agent = await repos.agents.findById(agentId);
      if (!agent || agent.status !== 'ACTIVE') throw new AppError(ErrorCode.NOT_FOUND, `No active agent has the id "${agentId}".`);
      if (FIELDS.every((field) => wanted[field] === null)) {
        await repos.rateLimits.delete(agentId);
        return { agentId, ...wanted, updatedAt: at, updatedBy: by };
      }
      const record = await repos.rateLimits.upsert({
        agentId,
        perMinute: wanted.perMinute,
        perHour: wanted.perHour,
        perDay: wanted.perDay,
        maxConcurrent: wanted.maxConcurrent,
        updatedAt: at,
        updatedBy: by,
      });
      return toSetting(record);
    });
    this.forget(agentId);
    for (const listener of this.#changeListeners) listener(agentId);
    return setting;
  }

  /** Forgets the cached limits of an agent: after they change here or on another replica. */
  forget(agentId: string): void {
    this.#generation += 1;
    this.#cache.delete(agentId);
  }

  /** Called after an agent's limits change here, so other replicas can forget them too. */
  onChanged(listener: (agentId: string) => void): void {
    this.#changeListeners.push(listener);
  }

  async #limitsOf(agentId: string): Promise<RateLimits | null> {
    const cached = this.#cache.get(agentId);
    if (cached !== undefined) return cached.limits;
    const generation = this.#generation;
    const record = await this.#loader.load(agentId);
    const limits = record ? toLimits(record) : null;
    if (generation === this.#generation) this.#cache.set(agentId, { limits });
    return limits;
  }

  /** Counts the query in every window the agent has a limit on; gives them all back if one is over. */
  async #count(agentId: string, limits: RateLimits): Promise<void> {
    const limited = WINDOWS.filter((w) => limits[w.field] !== null);
    if (limited.length === 0) return;
    const outcomes = await Promise.allSettled(limited.map((w) => this.#limiter(w).penalty(agentId, 1)));
    const counted = limited.filter((_, i) => outcomes[i]?.status === 'fulfilled');
    const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    let exceeded: { window: Window; res: RateLimiterRes } | undefined;
    for (const [i, window] of limited.entries()) {
      const outcome = outcomes[i];
      if (outcome?.status !== 'fulfilled') continue;
      if (outcome.value.consumedPoints > (limits[window.field] ?? Infinity)) {
        if (!exceeded || outcome.value.msBeforeNext > exceeded.res.msBeforeNext) exceeded = { window, res: outcome.value };
      }
    }
    if (!failure && !exceeded) return;
    // A refused query does not count: give back what was taken (best effort when the store failed).
    await Promise.allSettled(counted.map((w) => this.#limiter(w).reward(agentId, 1)));
    if (failure) throw unavailable(failure.reason);
    const { window, res } = exceeded!;
    const limit = limits[window.field]!;
    const retryAfterSeconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
    throw new AppError(ErrorCode.RATE_LIMITED, `This agent may run ${queries(limit)} ${window.per}; try again in ${retryAfterSeconds} s.`, {
      retryAfterSeconds,
      limit: window.field,
    });
  }

  #limiter(window: Window): RateLimiterAbstract {
    return this.#limiters.get(window.field)!;
  }

  async #takeSlot(agentId: string, max: number): Promise<Release> {
    return this.#redis ? this.#takeRedisSlot(this.#redis, agentId, max) : this.#takeMemorySlot(agentId, max);
  }

  #takeMemorySlot(agentId: string, max: number): Release {
    const running = this.#running.get(agentId) ?? 0;
    if (running >= max) throw concurrencyExceeded(max);
    this.#running.set(agentId, running + 1);
    return once(() => {
      const left = (this.#running.get(agentId) ?? 1) - 1;
      if (left > 0) this.#running.set(agentId, left);
      else this.#running.delete(agentId);
    });
  }

  async #takeRedisSlot(redis: Redis, agentId: string, max: number): Promise<Release> {
    const key = `${this.#keyPrefix}rate:concurrent:${agentId}`;
    const token = randomUUID();
    let taken: unknown;
    try {
      if (redis.status !== 'ready') throw new Error(`Redis is ${redis.status}`);
      taken = await redis.eval(ACQUIRE_SCRIPT, 1, key, max, this.#leaseMs, token);
    } catch (error) {
      // Redis away: this process's own slots hold the cap, per replica, until it is back.
      this.#onRedisUnavailable(error);
      return this.#takeMemorySlot(agentId, max);
    }
    if (Number(taken) !== 1) throw concurrencyExceeded(max);
    // Renewed while held; a replica that dies stops renewing, and its slot lapses within one lease.
    const renewal = setInterval(() => {
      redis.eval(RENEW_SCRIPT, 1, key, this.#leaseMs, token).catch(() => undefined);
    }, Math.max(100, Math.floor(this.#leaseMs / 3)));
    renewal.unref();
    return once(() => {
      clearInterval(renewal);
      redis.zrem(key, token).catch(() => undefined);
    });
  }
}

function toLimits(r: RateLimitRecord): RateLimits {
  return { perMinute: r.perMinute, perHour: r.perHour, perDay: r.perDay, maxConcurrent: r.maxConcurrent };
}

function toSetting(r: RateLimitRecord): RateLimitSetting {
  return { agentId: r.agentId, ...toLimits(r), updatedAt: r.updatedAt, updatedBy: r.updatedBy };
}

function queries(n: number): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? 'query' : 'queries'}`;
}

function concurrencyExceeded(max: number): AppError {
  return new AppError(ErrorCode.RATE_LIMITED, `This agent may run ${queries(max)} at a time; try again in 1 s.`, {
    retryAfterSeconds: 1,
    limit: 'maxConcurrent',
  });
}

function unavailable(cause: unknown): AppError {
  return new AppError(ErrorCode.INTERNAL, 'The rate-limit counters could not be reached.', undefined, { cause });
}

/** The in-process counters a Redis limiter falls back to; says so each time it is used. */
class FallbackLimiter extends RateLimiterMemory {
  constructor(
    options: ConstructorParameters<typeof RateLimiterMemory>[0],
    private readonly used: () => void,
  ) {
    super(options);
  }

  override penalty(...args: Parameters<RateLimiterMemory['penalty']>): ReturnType<RateLimiterMemory['penalty']> {
    this.used();
    return super.penalty(...args);
  }

  override reward(...args: Parameters<RateLimiterMemory['reward']>): ReturnType<RateLimiterMemory['reward']> {
    this.used();
    return super.reward(...args);
  }
}

function once(release: () => void): Release {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    release();
  };
}
