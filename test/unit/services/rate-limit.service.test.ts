import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../../src/errors/app-error.js';
import { newId } from '../../../src/ids.js';
import { RateLimitService } from '../../../src/services/rate-limit.service.js';
import { openStore, type Store } from '../../../src/store/open-store.js';

let store: Store;

beforeAll(async () => {
  store = await openStore({ kind: 'pglite', dataDir: 'memory://' });
});
afterAll(async () => {
  await store?.close();
});

async function newAgent(status: 'ACTIVE' | 'REVOKED' = 'ACTIVE'): Promise<string> {
  const id = newId('Agent');
  await store.repos.agents.insert({ id, name: id, description: null, role: 'AGENT', status, revokedAt: status === 'REVOKED' ? new Date() : null });
  return id;
}

/** The AppError `work` throws (failing the test when it throws nothing, or something else). */
async function refusal(work: Promise<unknown>): Promise<AppError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('RateLimitService in memory', () => {
  it('lets an agent without limits run as much as it likes', async () => {
    const limits = new RateLimitService(store);
    const agentId = await newAgent();
    for (let i = 0; i < 50; i++) (await limits.acquire(agentId))();
    expect(await limits.get(agentId)).toBeNull();
  });

  it('refuses the query beyond a per-minute limit with RATE_LIMITED and a whole retryAfterSeconds', async () => {
    const limits = new RateLimitService(store);
    const agentId = await newAgent();
    await limits.set(agentId, { perMinute: 3 }, 'admin');
    for (let i = 0; i < 3; i++) (await limits.acquire(agentId))();
    const error = await refusal(limits.acquire(agentId));
    expect(error.code).toBe(ErrorCode.RATE_LIMITED);
    const retry = error.details?.retryAfterSeconds;
    expect(Number.isInteger(retry)).toBe(true);
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    expect(error.message).toBe(`This agent may run 3 queries a minute; try again in ${retry} s.`);
  });

  it('names the hour and day limits, and keeps agents apart', async () => {
    const limits = new RateLimitService(store);
    const [hourly, daily, other] = [await newAgent(), await newAgent(), await newAgent()];
    await limits.set(hourly, { perHour: 1 }, 'admin');
    await limits.set(daily, { perDay: 1, perMinute: 10 }, 'admin');
    await limits.set(other, { perHour: 1 }, 'admin');
    (await limits.acquire(hourly))();
    (await limits.acquire(daily))();
    expect((await refusal(limits.acquire(hourly))).message).toMatch(/^This agent may run 1 query an hour; try again in \d+ s\.$/);
    const day = await refusal(limits.acquire(daily));
    expect(day.message).toMatch(/^This agent may run 1 query a day; try again in \d+ s\.$/);
    expect(day.details?.retryAfterSeconds).toBeGreaterThan(3_600);
    (await limits.acquire(other))();
  });

  it('counts only queries it lets through, so a raised limit applies at once and a removed one frees the agent', async () => {
    const limits = new RateLimitService(store);
    const agentId = await newAgent();
    await limits.set(agentId, { perMinute: 2 }, 'admin');
    (await limits.acquire(agentId))();
    (await limits.acquire(agentId))();
    for (let i = 0; i < 5; i++) await refusal(limits.acquire(agentId));
    await limits.set(agentId, { perMinute: 4 }, 'admin');
    (await limits.acquire(agentId))();
    (await limits.acquire(agentId))();
    await refusal(limits.acquire(agentId));
    await limits.set(agentId, { perMinute: 1 }, 'admin');
    await refusal(limits.acquire(agentId));
    await limits.set(agentId, {}, 'admin');
    expect(await limits.get(agentId)).toBeNull();
    for (let i = 0; i < 10; i++) (await limits.acquire(agentId))();
  });

  it('caps queries running at once, frees a slot on release, and ignores a second release', async () => {
    const limits = new RateLimitService(store);
    const agentId = await newAgent();
    await limits.set(agentId, { maxConcurrent: 2 }, 'admin');
    const first = await limits.acquire(agentId);
    const second = await limits.acquire(agentId);
    const error = await refusal(limits.acquire(agentId));
    expect(error.code).toBe(ErrorCode.RATE_LIMITED);
    expect(error.details?.retryAfterSeconds).toBe(1);
    expect(error.message).toBe('This agent may run 2 queries at a time; try again in 1 s.');
    first();
    first();
    const third = await limits.acquire(agentId);
    await refusal(limits.acquire(agentId));
    second();
    third();
    (await limits.acquire(agentId))();
  });

  it('gives the slot back when a window refuses, and counts nothing when the cap refuses', async () => {
    const limits = new RateLimitService(store);
    const agentId = await newAgent();
    await limits.set(agentId, { perMinute: 2, maxConcurrent: 1 }, 'admin');
    const held = await limits.acquire(agentId);
    await refusal(limits.acquire(agentId)); // the cap: not counted in the minute
    held();
    (await limits.acquire(agentId))();
    await refusal(limits.acquire(agentId)); // the minute: its slot is given back…
    await limits.set(agentId, { perMinute: 3, maxConcurrent: 1 }, 'admin');
    const release = await limits.acquire(agentId); // …so the cap of 1 still has room
    release();
  });

  it('validates limits and refuses unknown or revoked agents', async () => {
    const limits = new RateLimitService(store);
    const agentId = await newAgent();
    for (const bad of [{ perMinute: 0 }, { perHour: -1 }, { perDay: 1_000_001 }, { maxConcurrent: 1.5 }]) {
      const error = await refusal(limits.set(agentId, bad, 'admin'));
      expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
      expect(error.details?.field).toBe(Object.keys(bad)[0]);
    }
    expect((await refusal(limits.set('agt_nobody', { perMinute: 1 }, 'admin'))).code).toBe(ErrorCode.NOT_FOUND);
    expect((await refusal(limits.set(await newAgent('REVOKED'), { perMinute: 1 }, 'admin'))).code).toBe(ErrorCode.NOT_FOUND);
    const set = await limits.set(agentId, { perMinute: 1_000_000, maxConcurrent: 1 }, 'agt_admin');
    expect(set).toMatchObject({ agentId, perMinute: 1_000_000, perHour: null, perDay: null, maxConcurrent: 1, updatedBy: 'agt_admin' });
    expect(await limits.get(agentId)).toEqual(set);
  });

  it('tells listeners of a change, and another instance sees it once told to forget', async () => {
    const here = new RateLimitService(store);
    const there = new RateLimitService(store);
    const agentId = await newAgent();
    const changed: string[] = [];
    here.onChanged((id) => changed.push(id));
    (await there.acquire(agentId))(); // "there" now caches: no limits
    await here.set(agentId, { perMinute: 1 }, 'admin');
    expect(changed).toEqual([agentId]);
    (await there.acquire(agentId))();
    (await there.acquire(agentId))(); // still the cached "no limits"
    there.forget(agentId);
    (await there.acquire(agentId))();
    await refusal(there.acquire(agentId));
  });
});
