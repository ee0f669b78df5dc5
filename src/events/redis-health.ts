import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { backoffDelayMs } from '../net/backoff.js';

/**
 * How long a Redis client waits before reconnecting, the `times`th time in a row: 100–200 ms, doubling,
 * at most 2 s (equal jitter, so replicas that lost Redis together do not all come back at once). It
 * keeps trying for as long as Redis is away.
 */
export const redisReconnectDelay = (times: number): number => backoffDelayMs(times, { baseMs: 200, capMs: 2_000, jitter: 'equal' });

/**
 * The Redis connection for commands a request waits on (rate-limit counters, claims): it never queues
 * a command while disconnected and gives up on one after `timeoutMs`, so a Redis that is down or hung
 * costs a request at most that long before the caller falls back to this process's own state.
 */
export async function connectRedisCommands(url: string, log: Logger, timeoutMs: number): Promise<Redis> {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: timeoutMs,
    connectTimeout: 5_000,
    retryStrategy: redisReconnectDelay,
  });
  client.on('error', (error: Error) => log.debug({ err: { message: error.message } }, 'redis command connection problem'));
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new Error(`Cannot reach Redis at WARDEN_REDIS_URL: ${(error as Error).message}`);
  }
  return client;
}

export type RedisState = 'ok' | 'unavailable';

/**
 * Whether Redis answers, as this replica sees it. Told of failures by whoever falls back (`failed`)
 * and of the command connection coming back (`watch`); tells its listener once per change, so an outage
 * raises one notification and its end one more, however many requests noticed it.
 */
export class RedisHealth {
  #state: RedisState = 'ok';
  #since = new Date();
  #stopped = false;

  constructor(
    private readonly log: Logger,
    private readonly onChange: (state: RedisState, since: Date) => void,
  ) {}

  get state(): RedisState {
    return this.#state;
  }

  get since(): Date {
    return this.#since;
  }

  /** Follows a connection: down when it closes, up when it is ready again. */
  watch(client: Redis): void {
    client.on('close', () => this.failed(new Error('the connection to Redis closed')));
    client.on('ready', () => this.recovered());
  }

  failed(cause: unknown): void {
    if (this.#stopped || this.#state === 'unavailable') return;
    this.#state = 'unavailable';
    this.#since = new Date();
    this.log.warn({ err: { message: cause instanceof Error ? cause.message : String(cause) } }, 'Redis does not answer: rate limits are counted per replica until it is back');
    this.onChange(this.#state, this.#since);
  }

  recovered(): void {
    if (this.#stopped || this.#state === 'ok') return;
    const downMs = Date.now() - this.#since.getTime();
    this.#state = 'ok';
    this.#since = new Date();
    this.log.info({ downMs }, 'Redis answers again: rate limits are shared by every replica again');
    this.onChange(this.#state, this.#since);
  }

  /** No more changes are reported (the gateway is stopping and closes its connections). */
  stop(): void {
    this.#stopped = true;
  }
}
