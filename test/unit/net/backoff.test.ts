import { describe, expect, it } from 'vitest';
import { backoffCeilingMs, backoffDelayMs } from '../../../src/net/backoff.js';

const policy = { baseMs: 1000, capMs: 60_000 };

describe('backoff', () => {
  it('doubles the ceiling with every attempt: base × 2^(attempt−1)', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffCeilingMs(n, policy))).toEqual([1000, 2000, 4000, 8000, 16_000]);
  });

  it('never exceeds the cap, however many attempts', () => {
    expect(backoffCeilingMs(7, policy)).toBe(60_000);
    expect(backoffCeilingMs(1000, policy)).toBe(60_000);
    expect(backoffDelayMs(1000, { ...policy, jitter: 'equal' }, () => 0.999_999)).toBe(60_000);
  });

  it('draws the delay uniformly from zero to the ceiling (full jitter, the default)', () => {
    expect(backoffDelayMs(3, policy, () => 0)).toBe(0);
    expect(backoffDelayMs(3, policy, () => 0.5)).toBe(2000);
    expect(backoffDelayMs(3, policy, () => 0.999_999)).toBe(3999);
    const draws = Array.from({ length: 500 }, () => backoffDelayMs(4, policy));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(8000);
    // Spread out, not bunched at the ceiling: retries of many failed deliveries do not arrive together.
    expect(new Set(draws.map((d) => Math.floor(d / 1000))).size).toBeGreaterThanOrEqual(6);
  });

  it('with equal jitter, never waits less than half the ceiling, and still spreads', () => {
    const equal = { ...policy, jitter: 'equal' as const };
    expect(backoffDelayMs(3, equal, () => 0)).toBe(2000);
    expect(backoffDelayMs(3, equal, () => 0.5)).toBe(3000);
    expect(backoffDelayMs(3, equal, () => 0.999_999)).toBe(4000);
    const draws = Array.from({ length: 500 }, () => backoffDelayMs(4, equal));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(4000);
    expect(Math.max(...draws)).toBeLessThanOrEqual(8000);
    expect(new Set(draws.map((d) => Math.floor(d / 500))).size).toBeGreaterThanOrEqual(6);
  });
});
