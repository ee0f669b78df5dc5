import { describe, expect, it } from 'vitest';
import { RestartPolicy } from '../../../src/server/restart-policy.js';

describe('RestartPolicy', () => {
  it('replaces a worker that lived a while at once', () => {
    const policy = new RestartPolicy();
    expect(policy.afterDeath(60_000, 100_000)).toBe(0);
    expect(policy.afterDeath(60_000, 200_000)).toBe(0);
  });

  it('starts at most one worker a second, however many die together', () => {
    const policy = new RestartPolicy();
    expect([policy.afterDeath(60_000, 10_000), policy.afterDeath(60_000, 10_000), policy.afterDeath(60_000, 10_200)]).toEqual([0, 1_000, 1_800]);
  });

  it('gives up after five quick deaths in a row', () => {
    const policy = new RestartPolicy();
    const delays = [1, 2, 3, 4].map((i) => policy.afterDeath(2_000, i * 5_000));
    expect(delays.every((d) => d !== undefined)).toBe(true);
    expect(policy.afterDeath(2_000, 25_000)).toBeUndefined();
  });

  it('forgets quick deaths once a worker lives long', () => {
    const policy = new RestartPolicy();
    for (const at of [1_000, 2_000, 3_000, 4_000]) policy.afterDeath(500, at);
    expect(policy.afterDeath(600_000, 700_000)).toBe(0);
    for (const at of [701_000, 702_000, 703_000, 704_000]) expect(policy.afterDeath(500, at)).toBeDefined();
    expect(policy.afterDeath(500, 705_000)).toBeUndefined();
  });
});
