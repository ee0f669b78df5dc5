import { AppError, ErrorCode } from '../../src/errors/app-error.js';
import type { DriverStatus, PoolUse } from './driver.js';

export interface Endpoint {
  host: string;
  port: number;
}

export const addressOf = (endpoint: Endpoint): string =>
  endpoint.host.includes(':') ? `[${endpoint.host}]:${endpoint.port}` : `${endpoint.host}:${endpoint.port}`;

/** An endpoint marked down is not tried again for this long, unless every endpoint is down. */
const RETRY_DOWN_AFTER_MS = 5_000;

interface Slot<Pool> {
  endpoint: Endpoint;
  address: string;
  pool: Pool | undefined;
  downSince: number | undefined;
  lastError: string | null;
}

/**
 * Ordered endpoints of one database, each with its own pool, opened on first use. Connections come
 * from the active endpoint; when connecting to it fails, the next healthy one (in the listed order,
 * wrapping round) becomes active. It stays active until it fails in turn, so a flapping primary does
 * not bounce traffic back and forth.
 */
export class EndpointPools<Pool> {
  readonly #slots: Slot<Pool>[];
  #active = 0;
  #closed = false;

  constructor(
    endpoints: readonly Endpoint[],
    private readonly openPool: (endpoint: Endpoint) => Pool,
    private readonly closePool: (pool: Pool) => Promise<void>,
    private readonly now: () => number = Date.now,
  ) {
    if (endpoints.length === 0) throw new AppError(ErrorCode.BAD_USER_INPUT, 'A database needs at least one endpoint.');
    this.#slots = endpoints.map((endpoint) => ({
      endpoint,
      address: addressOf(endpoint),
      pool: undefined,
      downSince: undefined,
      lastError: null,
    }));
  }

  /**
   * Connects through the active endpoint, failing over in order. `connect` must only open a connection
   * (nothing that changes data), so trying it on another endpoint is always safe. `reason` turns a
   * connection failure into words safe to show, or returns undefined when the error is not one.
   */
  async connect<T>(
    connect: (pool: Pool, endpoint: Endpoint) => Promise<T>,
    reason: (error: unknown) => string | undefined,
  ): Promise<{ connection: T; address: string }> {
    if (this.#closed) throw new AppError(ErrorCode.DATABASE_UNAVAILABLE, 'The connection to this database has been closed.');
    const now = this.now();
    const order = this.#slots.map((_, i) => (this.#active + i) % this.#slots.length);
    const fresh = order.filter((i) => this.#isCandidate(this.#slots[i] as Slot<Pool>, now));
    let lastReason = 'no endpoint answered';
    for (const index of fresh.length > 0 ? fresh : order) {
      const slot = this.#slots[index] as Slot<Pool>;
      slot.pool ??= this.openPool(slot.endpoint);
      try {
        const connection = await connect(slot.pool, slot.endpoint);
        slot.downSince = undefined;
        slot.lastError = null;
        this.#active = index;
        return { connection, address: slot.address };
      } catch (error) {
        const why = reason(error);
        if (why === undefined) throw error;
        this.#markDown(slot, why, now);
        // This pool could not even connect: drop it, so the next try starts clean.
        const pool = slot.pool;
        slot.pool = undefined;
        if (pool !== undefined) void this.closePool(pool).catch(() => undefined);
        lastReason = why;
      }
    }
    throw new AppError(
      ErrorCode.DATABASE_UNAVAILABLE,
      `The database is unavailable: ${lastReason}.`,
      { endpoints: this.#slots.length },
    );
  }

  /**
   * Records that a connection from this endpoint broke while in use; the next connect moves on. The
   * pool stays open: statements still running on its other connections finish (or fail) on their own.
   */
  reportBroken(address: string, why: string): void {
    const slot = this.#slots.find((s) => s.address === address);
    if (slot) this.#markDown(slot, why, this.now());
  }

  status(): DriverStatus {
    const active = this.#slots[this.#active] as Slot<Pool>;
    return {
      activeEndpoint: active.downSince === undefined && active.pool !== undefined ? active.address : null,
      endpoints: this.#slots.map((s) => ({ address: s.address, healthy: s.downSince === undefined, lastError: s.lastError })),
    };
  }

  /** The open pools' use together, each read by `read`; `max` is one pool's (only the active one is used). */
  use(read: (pool: Pool) => { total: number; idle: number; pending: number }, max: number): PoolUse {
    const use = { used: 0, idle: 0, pending: 0, max };
    for (const slot of this.#slots) {
      if (slot.pool === undefined) continue;
      const { total, idle, pending } = read(slot.pool);
      use.used += Math.max(0, total - idle);
      use.idle += idle;
      use.pending += pending;
    }
    return use;
  }

  async closeAll(): Promise<void> {
    this.#closed = true;
    const pools = this.#slots.flatMap((s) => (s.pool === undefined ? [] : [s.pool]));
    for (const slot of this.#slots) slot.pool = undefined;
    await Promise.allSettled(pools.map((pool) => this.closePool(pool)));
  }

  #isCandidate(slot: Slot<Pool>, now: number): boolean {
    return slot.downSince === undefined || now - slot.downSince >= RETRY_DOWN_AFTER_MS;
  }

  #markDown(slot: Slot<Pool>, why: string, now: number): void {
    slot.downSince ??= now;
    slot.lastError = why;
  }
}
