import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../src/errors/app-error.js';
import { newId } from '../../src/ids.js';
import { RateLimitService } from '../../src/services/rate-limit.service.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { SERVICES, serviceAvailable } from '../helpers/services.js';
import { createTempPostgres, type TempPostgres } from '../helpers/temp-postgres.js';

const [redisUp, pgUp] = [await serviceAvailable('redis'), await serviceAvailable('postgres')];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function code(work: Promise<unknown>): Promise<string | undefined> {
  return work.then(
    () => undefined,
    (e: unknown) => (e instanceof AppError ? e.code : `not an AppError: ${String(e)}`),
  );
}

/** Acquires as soon as it can (within `withinMs`), or fails. */
async function acquireSoon(limits: RateLimitService, agentId: string, withinMs: number): Promise<() => void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await limits.acquire(agentId);
    } catch (error) {
      if (Date.now() > deadline || !(error instanceof AppError) || error.code !== ErrorCode.RATE_LIMITED) throw error;
      await sleep(50);
    }
  }
}

describe.skipIf(!redisUp || !pgUp)('RateLimitService over Redis', () => {
  let db: TempPostgres;
  let store: Store;
  const clients: Redis[] = [];
  // One prefix per run, shared by the "replicas" of this run and no one else.
  const keyPrefix = `warden-test:${randomBytes(6).toString('hex')}:`;

  const client = () => {
    const redis = new Redis(SERVICES.redis.url, { maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    clients.push(redis);
    return redis;
  };
  const replica = (options: { redis?: Redis; leaseMs?: number } = {}) => new RateLimitService(store, { redis: options.redis ?? client(), keyPrefix, leaseMs: options.leaseMs });
  const newAgent = async () => {
    const id = newId('Agent');
    await store.repos.agents.insert({ id, name: id, description: null, role: 'AGENT', status: 'ACTIVE', revokedAt: null });
    return id;
  };

  beforeAll(async () => {
    db = await createTempPostgres();
    store = await openStore({ kind: 'postgres', url: db.url });
  });
  afterAll(async () => {
    const cleaner = clients.find((c) => c.status === 'ready');
    if (cleaner) {
      const keys = await cleaner.keys(`${keyPrefix}*`);
      if (keys.length > 0) await cleaner.del(...keys);
    }
    for (const c of clients) c.disconnect();
    await store?.close();
    await db?.drop();
  });

  it('enforces one per-minute limit across two instances sharing Redis', async () => {
    const [a, b] = [replica(), replica()];
    const agentId = await newAgent();
    await a.set(agentId, { perMinute: 3 }, 'admin');
    (await a.acquire(agentId))();
    (await b.acquire(agentId))();
    (await a.acquire(agentId))();
    const refused = await b.acquire(agentId).catch((e: unknown) => e as AppError);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe(ErrorCode.RATE_LIMITED);
    expect((refused as AppError).details?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(await code(a.acquire(agentId))).toBe(ErrorCode.RATE_LIMITED);
    // Refusals are not counted: raised to 4, exactly one more gets through, on either instance.
    await a.set(agentId, { perMinute: 4 }, 'admin');
    b.forget(agentId);
    (await b.acquire(agentId))();
    expect(await code(a.acquire(agentId))).toBe(ErrorCode.RATE_LIMITED);
  });

  it('lets exactly the limit through when both instances race for it', async () => {
    const [a, b] = [replica(), replica()];
    const agentId = await newAgent();
    await a.set(agentId, { perMinute: 10 }, 'admin');
    const outcomes = await Promise.all(Array.from({ length: 30 }, (_, i) => code((i % 2 ? a : b).acquire(agentId).then((release) => release()))));
    expect(outcomes.filter((c) => c === undefined)).toHaveLength(10);
    expect(outcomes.filter((c) => c === ErrorCode.RATE_LIMITED)).toHaveLength(20);
  });

  it('caps queries running at once across instances, and frees the slot on release', async () => {
    const [a, b] = [replica(), replica()];
    const agentId = await newAgent();
    await a.set(agentId, { maxConcurrent: 1 }, 'admin');
    const held = await a.acquire(agentId);
    expect(await code(b.acquire(agentId))).toBe(ErrorCode.RATE_LIMITED);
    held();
    held();
    const next = await acquireSoon(b, agentId, 1_000);
    expect(await code(a.acquire(agentId))).toBe(ErrorCode.RATE_LIMITED);
    next();
  });

  it('keeps a long-running holder’s slot by renewing its lease', async () => {
    const [a, b] = [replica({ leaseMs: 600 }), replica({ leaseMs: 600 })];
    const agentId = await newAgent();
    await a.set(agentId, { maxConcurrent: 1 }, 'admin');
    const held = await a.acquire(agentId);
    await sleep(1_500);
    expect(await code(b.acquire(agentId))).toBe(ErrorCode.RATE_LIMITED);
    held();
  });

  it('frees a crashed holder’s slot once its lease lapses', async () => {
    const crashing = client();
    const [a, b] = [replica({ redis: crashing, leaseMs: 1_000 }), replica({ leaseMs: 1_000 })];
    const agentId = await newAgent();
    await a.set(agentId, { maxConcurrent: 1 }, 'admin');
    const orphaned = await a.acquire(agentId);
    crashing.disconnect(); // the replica dies: it neither releases nor renews
    const crashedAt = Date.now();
    expect(await code(b.acquire(agentId))).toBe(ErrorCode.RATE_LIMITED);
    const release = await acquireSoon(b, agentId, 3_000);
    expect(Date.now() - crashedAt).toBeGreaterThanOrEqual(500);
    release();
    orphaned(); // stops the dead replica's renewal timer; its Redis call fails quietly
  });
});
