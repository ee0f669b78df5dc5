import { describe, expect, it } from 'vitest';
import { redisReconnectDelay } from '../../../src/events/redis-health.js';

describe('Redis reconnects', () => {
  it('wait 100–200 ms at first, about twice as long each time, never over 2 s, and never give up', () => {
    const first = Array.from({ length: 200 }, () => redisReconnectDelay(1));
    expect(Math.min(...first)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...first)).toBeLessThanOrEqual(200);
    const fourth = Array.from({ length: 200 }, () => redisReconnectDelay(4));
    expect(Math.min(...fourth)).toBeGreaterThanOrEqual(800);
    expect(Math.max(...fourth)).toBeLessThanOrEqual(1_600);
    for (const times of [6, 50, 10_000]) {
      const delay = redisReconnectDelay(times);
      // A number (not null) tells ioredis to keep trying.
      expect(typeof delay).toBe('number');
      expect(delay).toBeGreaterThanOrEqual(1_000);
      expect(delay).toBeLessThanOrEqual(2_000);
    }
  });

  it('spread replicas that lost Redis together', () => {
    const draws = Array.from({ length: 200 }, () => redisReconnectDelay(3));
    expect(new Set(draws).size).toBeGreaterThan(50);
  });
});
