import { describe, expect, it } from 'vitest';
import { columnsOf, compileRowQuery } from '../../../plugins/drivers/sql-row-query.js';

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
