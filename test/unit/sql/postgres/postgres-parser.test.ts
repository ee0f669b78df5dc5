import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../../../src/errors/app-error.js';
import { deparse, fingerprintOf, guarded, parseOne, parseTree } from '../../../../src/sql/postgres/postgres-parser.js';

async function failure(work: () => Promise<unknown>): Promise<AppError> {
  try {
    await work();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected an AppError');
}

describe('the Postgres parser', () => {
  it('accepts exactly one statement: empty input and several statements are refused, not parsed', async () => {
    for (const sql of ['', '   ', 'select 1; select 2', 'select 1; commit; drop table orders']) {
      const error = await failure(() => parseOne(sql));
      expect(error.code, sql).toBe(ErrorCode.SQL_NOT_ALLOWED);
      expect(error.details?.reason, sql).toBe('exactly one statement');
    }
  });

  it('reports a syntax error as SQL_SYNTAX with the 1-based character position', async () => {
    const error = await failure(() => parseOne('select id frm orders'));
    expect(error.code).toBe(ErrorCode.SQL_SYNTAX);
    expect(error.details?.position).toBe(15);
    expect(error.message).toContain('at character 15');
  });

  it('gives every caller a tree of its own, so a rewrite of one cannot change what the next parse returns', async () => {
    const sql = 'select id from orders where total > 10';
    const first = await parseTree(sql);
    const again = await parseTree(sql);
    expect(again).toEqual(first);
    (first.stmts![0]!.stmt as unknown as { SelectStmt: { whereClause?: unknown } }).SelectStmt.whereClause = undefined;
    const third = await parseTree(sql);
    expect(third).toEqual(again);
    expect(deparse(third)).toContain('total > 10');
  });

  it('fingerprints a statement by its shape, whatever its literals', async () => {
    const a = await fingerprintOf("select id from orders where status = 'paid' and total > 10");
    const b = await fingerprintOf("select id from orders where status = 'sent' and total > 99");
    const c = await fingerprintOf("select id from orders where status = 'paid' or total > 10");
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('prints a tree back to SQL that parses to the same tree', async () => {
    const sql = "with recent as (select * from orders where ordered_at > now() - interval '7 days') select customer_id, count(*) from recent group by 1";
    const withoutPositions = (tree: unknown) => JSON.stringify(tree, (key, value: unknown) => (['location', 'stmt_len', 'stmt_location'].includes(key) ? undefined : value));
    const tree = await parseTree(sql);
    const printed = deparse(tree);
    expect(printed).not.toBe(sql);
    expect(withoutPositions(await parseTree(printed))).toBe(withoutPositions(tree));
  });

  it('lets only AppError out: too deep for the stack is a refusal, anything else is internal', async () => {
    const deep = await failure(() => guarded(async () => {
      throw new RangeError('Maximum call stack size exceeded');
    }));
    expect(deep.code).toBe(ErrorCode.SQL_NOT_ALLOWED);
    expect(deep.details?.reason).toBe('too complex');
    const other = await failure(() => guarded(async () => {
      throw new TypeError('boom');
    }));
    expect(other.code).toBe(ErrorCode.INTERNAL);
    expect(other.message).not.toContain('boom');
    const own = new AppError(ErrorCode.SQL_SYNTAX, 'as it was');
    expect(await failure(() => guarded(async () => Promise.reject(own)))).toBe(own);
  });
});
