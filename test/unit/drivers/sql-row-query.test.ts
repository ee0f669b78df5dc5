import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { columnsOf, compileRowQuery, compileWithKysely } from '../../../plugins/drivers/sql-row-query.js';
import type { RowQuery } from '../../../plugins/drivers/row-query.js';

describe('compileRowQuery', () => {
  it('compiles the boolean expression with every value bound, never spliced', () => {
    const compiled = compileRowQuery('postgres', {
      schema: 'public',
      table: 'orders',
      columns: ['id', 'total'],
      where: {
        _and: [{ status: { _in: ['paid', "x'; drop table orders; --"] } }, { _or: [{ total: { _gte: 100 } }, { _not: { customer_id: { _is_null: true } } }] }],
        shipping_country: { _ilike: 'd%' },
      },
      orderBy: [{ column: 'total', direction: 'DESC' }],
      limit: 10,
      offset: 20,
    });
    expect(compiled.sql).toBe(
      'select "id" as "id", "total" as "total" from "public"."orders" where (("status" in ($1, $2) and ("total" >= $3 or not "customer_id" is null)) and "shipping_country" ilike $4) order by "total" desc limit $5 offset $6',
    );
    expect(compiled.parameters).toEqual(['paid', "x'; drop table orders; --", 100, 'd%', 10, 20]);
  });

  it('speaks MySQL too, with ilike as lower() like', () => {
    const compiled = compileRowQuery('mysql', { table: 'customers', columns: ['email'], where: { email: { _ilike: 'ADA%' } }, limit: 5 });
    expect(compiled.sql).toBe('select `email` as `email` from `customers` where lower(`email`) like ? limit ?');
    expect(compiled.parameters).toEqual(['ada%', 5]);
  });

  it('turns an empty _in into false and an empty _nin into true', () => {
    expect(compileRowQuery('postgres', { table: 't', columns: ['a'], where: { a: { _in: [] } }, limit: 1 }).sql).toContain('where false');
    expect(compileRowQuery('postgres', { table: 't', columns: ['a'], where: { a: { _nin: [] } }, limit: 1 }).sql).toContain('where true');
  });

  it('refuses unknown operators, operator-shaped values and runaway nesting', () => {
    expect(() => compileRowQuery('postgres', { table: 't', columns: ['a'], where: { a: { _regex: 'x' } } as never, limit: 1 })).toThrow(/Unknown operator "_regex"/);
    expect(() => compileRowQuery('postgres', { table: 't', columns: ['a'], where: { _xor: [] } as never, limit: 1 })).toThrow(/Unknown operator "_xor"/);
    expect(() => compileRowQuery('postgres', { table: 't', columns: ['a'], where: { a: { _eq: { _gt: 1 } } } as never, limit: 1 })).toThrow(/plain value/);
    expect(() => compileRowQuery('postgres', { table: 't', columns: ['a'], where: { a: { _eq: null } }, limit: 1 })).toThrow(/_is_null/);
    let deep: Record<string, unknown> = { a: { _eq: 1 } };
    for (let i = 0; i < 20; i++) deep = { _not: deep };
    expect(() => compileRowQuery('postgres', { table: 't', columns: ['a'], where: deep as never, limit: 1 })).toThrow(/deeper than 16/);
  });

  it('lists the columns a where expression reads', () => {
    expect(columnsOf({ _and: [{ a: { _eq: 1 } }, { _not: { b: { _is_null: true } } }], c: { _gt: 2 } }).sort()).toEqual(['a', 'b', 'c']);
  });
});

describe('row queries of one shape', () => {
  const scalar = fc.oneof(fc.integer(), fc.string({ maxLength: 6 }), fc.boolean(), fc.constant(null), fc.constant({ nested: 1 }));
  const comparison = fc.dictionary(
    fc.constantFrom('_eq', '_neq', '_gt', '_lte', '_in', '_nin', '_like', '_ilike', '_is_null', '_bogus'),
    fc.oneof(scalar, fc.array(scalar, { maxLength: 4 })),
    { maxKeys: 3 },
  );
  const column = fc.constantFrom('id', 'status', 'total');
  const expression: fc.Arbitrary<Record<string, unknown>> = fc.letrec((tie) => ({
    exp: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.dictionary(column, comparison, { maxKeys: 2 }),
      fc.record({ _and: fc.array(tie('exp'), { maxLength: 3 }) }),
      fc.record({ _or: fc.array(tie('exp'), { maxLength: 3 }) }),
      fc.record({ _not: tie('exp') }),
    ),
  })).exp as fc.Arbitrary<Record<string, unknown>>;
  const query = fc.record({
    table: fc.constant('orders'),
    columns: fc.constant(['id', 'status'] as string[]),
    where: fc.option(expression, { nil: undefined }),
    orderBy: fc.option(fc.array(fc.record({ column, direction: fc.constantFrom('ASC' as const, 'DESC' as const) }), { maxLength: 2 }), { nil: undefined }),
    limit: fc.integer({ min: 1, max: 1000 }),
    offset: fc.option(fc.integer({ min: 0, max: 50 }), { nil: undefined }),
  });
  const outcome = (compile: () => unknown) => {
    try {
      return { ok: compile() };
    } catch (error) {
      return { error: (error as Error).message };
    }
  };

  it('compile, from the kept text, to exactly what Kysely compiles for each (values bound in the same order), and fail the same way', () => {
    fc.assert(
      fc.property(query, fc.constantFrom('postgres' as const, 'mysql' as const), (q, dialect) => {
        const fresh = outcome(() => compileWithKysely(dialect, q as RowQuery));
        // Twice: the first may compile the shape, the second reads it back.
        expect(outcome(() => compileRowQuery(dialect, q as RowQuery))).toEqual(fresh);
        expect(outcome(() => compileRowQuery(dialect, q as RowQuery))).toEqual(fresh);
      }),
      { numRuns: 2_000 },
    );
  });

  it('share one text for different values of one shape', () => {
    const a = compileRowQuery('postgres', { table: 'orders', columns: ['id'], where: { id: { _in: [1, 2] }, status: { _ilike: 'A%' } }, limit: 5 });
    const b = compileRowQuery('postgres', { table: 'orders', columns: ['id'], where: { id: { _in: [7, 8] }, status: { _ilike: 'z%' } }, limit: 9, offset: 3 });
    const c = compileRowQuery('postgres', { table: 'orders', columns: ['id'], where: { id: { _in: [3, 4] }, status: { _ilike: 'q%' } }, limit: 2 });
    expect(c.sql).toBe(a.sql);
    expect(c.parameters).toEqual([3, 4, 'q%', 2]);
    expect(b.sql).not.toBe(a.sql);
    expect(b.parameters).toEqual([7, 8, 'z%', 9, 3]);
  });
});
