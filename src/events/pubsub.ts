import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { redisReconnectDelay } from './redis-health.js';

/** Topics carried between replicas (DESIGN.md, "Events"). */
export enum Topic {
  AUDIT_EVENT = 'AUDIT_EVENT',
  SECURITY_NOTIFICATION = 'SECURITY_NOTIFICATION',
  INVALIDATION = 'INVALIDATION',
}

/**
 * Fire-and-forget messages to every replica, this one included. Messages are plain JSON values, except
 * that dates travel as ISO strings between replicas and stay dates within one: subscribers read dates
 * either way, and treat every message as read-only (one object is shared by all of them).
 */
export interface PubSub {
  readonly kind: 'memory' | 'redis';
  publish(topic: Topic, message: unknown): void;
  /** Returns the function that unsubscribes. */
  subscribe(topic: Topic, handler: (message: unknown) => void): () => void;
  /** Resolves once every subscription so far is in place (on Redis: acknowledged by the server). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** One process: the message itself is handed to every subscriber, never copied. */
export class InProcessPubSub implements PubSub {
  readonly kind = 'memory';
  readonly #emitter = new EventEmitter().setMaxListeners(0);

  publish(topic: Topic, message: unknown): void {
    if (this.#emitter.listenerCount(topic) === 0) return;
    // Delivered on the next turn, as over Redis, so a publisher never runs subscribers inline.
    queueMicrotask(() => this.#emitter.emit(topic, message));
  }

  subscribe(topic: Topic, handler: (message: unknown) => void): () => void {
    this.#emitter.on(topic, handler);
    return () => this.#emitter.off(topic, handler);
  }

  async ready(): Promise<void> {}

  async close(): Promise<void> {
    this.#emitter.removeAllListeners();
  }
}

/**
 * Redis PUBLISH/SUBSCRIBE: one connection publishes, one listens, and one Redis channel per topic
 * carries messages to every replica. A message published here comes back through Redis like any
 * other, so every replica (this one too) sees each message exactly once. A replica listens on a
 * channel only while something here subscribes to its topic: one with no live subscriber for audit
 * events is not sent the audit events of every other replica, so what a replica spends on them does
 * not grow with the number of replicas.
 */
export class RedisPubSub implements PubSub {
  readonly kind = 'redis';
  readonly #local = new EventEmitter().setMaxListeners(0);
  /** Per topic, the last SUBSCRIBE or UNSUBSCRIBE sent: each waits for the one before, so they apply in order. */
  readonly #channel = new Map<Topic, Promise<unknown>>();
  #received = 0;

  private constructor(
    private readonly publisher: Redis,
    private readonly listener: Redis,
    private readonly prefix: string,
    private readonly log: Logger,
  ) {
    listener.on('message', (channel: string, raw: string) => {
      const topic = channel.slice(prefix.length) as Topic;
      let message: unknown;
      try {
        message = JSON.parse(raw);
      } catch {
        this.log.warn({ channel }, 'ignored a pubsub message that is not JSON');
        return;
      }
      this.#received += 1;
      this.#local.emit(topic, message);
    });
  }

  /** Messages this replica has taken off Redis (for diagnostics and the replica bench). */
  get received(): number {
    return this.#received;
  }

  /** Connects both clients; fails (with the URL's password never shown) when Redis cannot be reached. */
  static async connect(url: string, log: Logger, prefix = 'warden:'): Promise<RedisPubSub> {
    const options = { lazyConnect: true, maxRetriesPerRequest: 3, connectTimeout: 5_000, retryStrategy: redisReconnectDelay } as const;
    const publisher = new Redis(url, options);
    const listener = new Redis(url, options);
    for (const client of [publisher, listener]) {
      client.on('error', (error: Error) => log.warn({ err: { message: error.message } }, 'redis connection problem'));
    }
    try {
      await Promise.all([publisher.connect(), listener.connect()]);
    } catch (error) {
      publisher.disconnect();
      listener.disconnect();
      throw new Error(`Cannot reach Redis at WARDEN_REDIS_URL: ${(error as Error).message}`);
    }
    return new RedisPubSub(publisher, listener, prefix, log);
  }

  publish(topic: Topic, message: unknown): void {
    this.publisher.publish(this.prefix + topic, JSON.stringify(message)).catch((error: unknown) => {
      this.log.error({ err: error, topic }, 'could not publish to redis');
    });
  }

  subscribe(topic: Topic, handler: (message: unknown) => void): () => void {
    if (this.#local.listenerCount(topic) === 0) this.#listen(topic, true);
    this.#local.on(topic, handler);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      this.#local.off(topic, handler);
      if (this.#local.listenerCount(topic) === 0) this.#listen(topic, false);
    };
  }

  #listen(topic: Topic, on: boolean): void {
    const channel = this.prefix + topic;
    const before = this.#channel.get(topic) ?? Promise.resolve();
    const next = before.then(() => (on ? this.listener.subscribe(channel) : this.listener.unsubscribe(channel))).catch((error: unknown) => {
      this.log.error({ err: error, topic }, on ? 'could not subscribe to redis' : 'could not unsubscribe from redis');
    });
    this.#channel.set(topic, next);
  }

  async ready(): Promise<void> {
    await Promise.all(this.#channel.values());
  }

  /** The publishing connection (rate-limit counters and claims have their own: events/redis-health.ts). */
  get client(): Redis {
    return this.publisher;
  }

  async close(): Promise<void> {
    this.#local.removeAllListeners();
    await Promise.allSettled([this.listener.quit(), this.publisher.quit()]);
  }
}
