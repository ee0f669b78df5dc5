import { describe, expect, it } from 'vitest';
import { columnStats, compareNumbers, estimateDistinct } from '../../../src/services/column-profile.js';

const stats = (values: unknown[], totalRows: number | null = values.length, dataType = 'text') => columnStats(values, { totalRows, dataType, topValues: 3 });

describe('column statistics from a sample', () => {
  it('counts nulls, distinct values and the most frequent ones seen more than once', () => {
    const result = stats(['b', 'a', null, 'b', 'c', 'b', 'a', null]);
    expect(result).toMatchObject({ nullFraction: 0.25, distinctEstimate: 3, distinctExact: true, min: 'a', max: 'c' });
    expect(result.topValues).toEqual([
      { value: 'b', count: 3 },
      { value: 'a', count: 2 },
    ]);
  });

  it('orders exact decimals that arrive as text by value, not as text', () => {
    const result = stats(['9.50', '10.00', '-2', '100.1', '-10'], 5, 'numeric(10,2)');
    expect(result).toMatchObject({ min: '-10', max: '100.1' });
    expect(compareNumbers('12345678901234567890', '12345678901234567891')).toBeLessThan(0);
    expect(compareNumbers('-0.5', '-0.25')).toBeLessThan(0);
    expect(compareNumbers('1.50', '1.5')).toBe(0);
  });

  it('orders dates by time and shows them as ISO strings', () => {
    const result = stats([new Date('2024-05-01T00:00:00Z'), new Date('2023-01-02T00:00:00Z')], 2, 'timestamptz');
    expect(result).toMatchObject({ min: '2023-01-02T00:00:00.000Z', max: '2024-05-01T00:00:00.000Z' });
  });

  it('gives no min or max for values without an order (JSON)', () => {
    expect(stats([{ a: 1 }, { a: 2 }], 2, 'jsonb')).toMatchObject({ min: null, max: null, distinctEstimate: 2 });
  });

  it('estimates the distinct values of a table larger than its sample, between what was seen and the rows', () => {
    // Every sampled value different: as many as there are rows.
    expect(estimateDistinct(1_000, 1_000, 1_000, 50_000)).toBe(50_000);
    // Every value seen many times: about what was seen.
    expect(estimateDistinct(1_000, 4, 0, 50_000)).toBe(4);
    const partial = stats([...Array.from({ length: 100 }, (_, i) => i % 10)], 10_000, 'integer');
    expect(partial).toMatchObject({ distinctEstimate: 10, distinctExact: false });
  });
});
