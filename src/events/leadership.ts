import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

/**
 * "One replica at a time does this": whoever leads is told `true`, and `false` when it stops leading.
 * Work every replica would otherwise repeat on every event of every other (the security rules over the
 * whole audit stream) is done by the leader alone.
 */
export interface Leadership {
  readonly leading: boolean;
  /** Called at once with the current state, then on every change. Returns the function that stops it. */
  follow(listener: (leading: boolean) => void): () => void;
  stop(): Promise<void>;
}

/** A lone process leads, always. */
export class SoleLeadership implements Leadership {
  readonly leading = true;

  follow(listener: (leading: boolean) => void): () => void {
    listener(true);
    return () => undefined;
  }

  async stop(): Promise<void> {}
}

/** Extends the lease only while it is still ours (a lease that lapsed may be another replica's by now). */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
/** Lets go of the lease only while it is still ours. */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * A lease in Redis: the replica that sets the key (SET NX PX) leads for `ttlMs`, renewing it every third
 * of that; the others try again as often, so a leader that stops or dies is replaced within `ttlMs`.
 * While Redis does not answer nobody can tell who leads, so this replica leads on its own (a finding may
 * then be raised by more than one replica, rather than by none), and steps back once Redis answers and
 * the lease is another's.
 */
export class RedisLeadership implements Leadership {
  readonly #self = randomUUID();
  readonly #listeners = new Set<(leading: boolean) => void>();
  readonly #timer: NodeJS.Timeout;
  #leading = false;
  #stopped = false;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly ttlMs: number,
    private readonly log: Logger,
  ) {
    this.#timer = setInterval(() => void this.#tick(), Math.max(50, Math.floor(ttlMs / 3)));
    this.#timer.unref();
    void this.#tick();
  }

  get leading(): boolean {
    return this.#leading;
  }

  follow(listener: (leading: boolean) => void): () => void {
    this.#listeners.add(listener);
    listener(this.#leading);
    return () => this.#listeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    if (this.#leading) await this.redis.eval(RELEASE, 1, this.key, this.#self).catch(() => undefined);
    this.#set(false);
  }

  async #tick(): Promise<void> {
    let leading: boolean;
    try {
      leading = this.#leading
        ? (await this.redis.eval(RENEW, 1, this.key, this.#self, String(this.ttlMs))) === 1
        : (await this.redis.set(this.key, this.#self, 'PX', this.ttlMs, 'NX')) === 'OK';
    } catch {
      leading = true;
    }
    if (!this.#stopped) this.#set(leading);
  }

  #set(leading: boolean): void {
    if (leading === this.#leading) return;
    this.#leading = leading;
    this.log.debug({ lease: this.key, leading }, leading ? 'took the lease' : 'no longer holds the lease');
    for (const listener of this.#listeners) listener(leading);
  }
}
