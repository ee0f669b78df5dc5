import { describe, expect, it } from 'vitest';
import { MemoryClaims } from '../../../src/events/claims.js';

describe('MemoryClaims', () => {
  it('gives a name to the first claimant only, until its time runs out by the given clock', async () => {
    let now = 1_700_000_000_000;
    const claims = new MemoryClaims(() => now);
    expect(await claims.claim('DENIAL_BURST:agt_1', 60_000)).toBe(true);
    expect(await claims.claim('DENIAL_BURST:agt_1', 60_000)).toBe(false);
    now += 59_000;
    expect(await claims.claim('DENIAL_BURST:agt_1', 60_000)).toBe(false);
    now += 2_000;
    expect(await claims.claim('DENIAL_BURST:agt_1', 60_000)).toBe(true);
  });

  it('holds each name for its own time', async () => {
    let now = 1_700_000_000_000;
    const claims = new MemoryClaims(() => now);
    expect(await claims.claim('short', 1_000)).toBe(true);
    expect(await claims.claim('long', 10_000)).toBe(true);
    now += 2_000;
    expect(await claims.claim('short', 1_000)).toBe(true);
    expect(await claims.claim('long', 10_000)).toBe(false);
  });

  it('keeps at most 10,000 names, forgetting the least recently claimed first', async () => {
    const claims = new MemoryClaims(() => 1_700_000_000_000);
    for (let i = 0; i <= 10_000; i++) await claims.claim(`name-${i}`, 60_000);
    // The first was pushed out by the 10,001st; the newest is still held.
    expect(await claims.claim('name-0', 60_000)).toBe(true);
    expect(await claims.claim('name-10000', 60_000)).toBe(false);
  });
});
