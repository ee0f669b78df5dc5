import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../../../src/errors/app-error.js';
import type { GateCatalog, TablePolicy } from '../../../../src/sql/analysis.js';
import { shopGateCatalog } from '../../../fixtures/shop-catalog.js';
import { analysePostgres } from '../../../../src/sql/postgres/postgres-analyser.js';
import { rewritePostgres } from '../../../../src/sql/postgres/postgres-rewrite.js';

/** The demo shop (src/demo/shop-seed.ts). */
const SHOP: GateCatalog = shopGateCatalog('public');

const TABLES = SHOP.tables.map((table) => table.name);
const COLUMNS = new Map(SHOP.tables.map((table) => [table.name, table.columns]));

/** The real foreign keys: [from table, column, to table, column]. */
const FOREIGN_KEYS: readonly (readonly [string, string, string, string])[] = [
  ['products', 'category_id', 'categories', 'id'],
  ['orders', 'customer_id', 'customers', 'id'],
  ['order_items', 'order_id', 'orders', 'id'],
  ['order_items', 'product_id', 'products', 'id'],
  ['reviews', 'product_id', 'products', 'id'],
  ['reviews', 'customer_id', 'customers', 'id'],
];

const POLICIES: TablePolicy[] = SHOP.tables.map((table) => ({
  schema: table.schema,
  table: table.name,
  rowFilter: 'id % 2 = 0',
  masks: { [table.columns[1] ?? 'id']: "'***'" },
}));

function columnsOf(table: string): string[] {
  return COLUMNS.get(table) ?? [];
}

// --- reads ---------------------------------------------------------------------------------------------

interface FromShape {
  sql: string;
  /** alias → table */
  aliases: [string, string][];
}

/** A base table and up to three joins along real foreign keys (either direction). */
const fromArb: fc.Arbitrary<FromShape> = fc
  .record({
    base: fc.constantFrom(...TABLES),
    hops: fc.array(fc.record({ pick: fc.nat(), kind: fc.constantFrom('join', 'left join', 'inner join') }), { maxLength: 3 }),
  })
  .map(({ base, hops }) => {
    const aliases: [string, string][] = [['t0', base]];
    let sql = `${base} t0`;
    for (const hop of hops) {
      const options: [string, string, string, string][] = [];
      for (const [alias, table] of aliases) {
        for (const [from, fromCol, to, toCol] of FOREIGN_KEYS) {
          if (from === table) options.push([alias, fromCol, to, toCol]);
          if (to === table) options.push([alias, toCol, from, fromCol]);
        }
      }
      const choice = options[hop.pick % options.length];
      if (choice === undefined) break;
      const [alias, column, other, otherColumn] = choice;
      const next = `t${aliases.length}`;
      sql += ` ${hop.kind} ${other} ${next} on ${next}.${otherColumn} = ${alias}.${column}`;
      aliases.push([next, other]);
    }
    return { sql, aliases };
  });

function qualifiedColumn(from: FromShape, pick: number): string {
  const all = from.aliases.flatMap(([alias, table]) => columnsOf(table).map((column) => `${alias}.${column}`));
  return all[pick % all.length] as string;
}

type Predicate = (from: FromShape) => string;

const literalArb = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }).map(String),
  fc.constantFrom("'paid'", "'DE'", "'a%'", "'O''Brien'", "'; delete from orders; --'", "'pg_sleep(1)'", 'null', 'true'),
);

const predicateArb: fc.Arbitrary<Predicate> = fc.letrec<{ predicate: Predicate }>((tie) => ({
  predicate: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ pick: fc.nat(), op: fc.constantFrom('=', '<>', '<', '<=', '>', '>='), value: literalArb }).map(
      ({ pick, op, value }) =>
        (from: FromShape) => `${qualifiedColumn(from, pick)}::text ${op} ${value}::text`,
    ),
    fc.record({ pick: fc.nat(), values: fc.array(literalArb, { minLength: 1, maxLength: 4 }) }).map(
      ({ pick, values }) =>
        (from: FromShape) => `${qualifiedColumn(from, pick)}::text in (${values.map((v) => `${v}::text`).join(', ')})`,
    ),
    fc.record({ pick: fc.nat(), negate: fc.boolean(), pattern: fc.constantFrom("'%a%'", "'b_'", "'%'") }).map(
      ({ pick, negate, pattern }) =>
        (from: FromShape) => `${qualifiedColumn(from, pick)}::text ${negate ? 'not like' : 'like'} ${pattern}`,
    ),
    fc.record({ pick: fc.nat(), negate: fc.boolean() }).map(
      ({ pick, negate }) =>
        (from: FromShape) => `${qualifiedColumn(from, pick)} is ${negate ? 'not ' : ''}null`,
    ),
    fc.tuple(tie('predicate'), tie('predicate'), fc.constantFrom('and', 'or')).map(
      ([a, b, op]) =>
        (from: FromShape) => `(${a(from)} ${op} ${b(from)})`,
    ),
    tie('predicate').map((a) => (from: FromShape) => `not (${a(from)})`),
  ),
})).predicate;

/** A SELECT over the shop; `width` fixes the number of output columns (for UNION arms). */
function selectArb(width?: number): fc.Arbitrary<string> {
  return fc
    .record({
      from: fromArb,
      picks: fc.array(fc.nat(), { minLength: width ?? 1, maxLength: width ?? 4 }),
      star: fc.boolean(),
      where: fc.option(predicateArb),
      grouped: fc.boolean(),
      order: fc.boolean(),
      limit: fc.option(fc.integer({ min: 0, max: 500 })),
      distinct: fc.boolean(),
    })
    .map(({ from, picks, star, where, grouped, order, limit, distinct }) => {
      const columns = [...new Set(picks.map((pick) => qualifiedColumn(from, pick)))];
      while (width !== undefined && columns.length < width) columns.push(`${columns.length}`);
      let select: string;
      let groupBy = '';
      if (width === undefined && star) {
        select = '*';
      } else if (grouped && width === undefined) {
        select = `${columns.join(', ')}, count(*) as n`;
        groupBy = ` group by ${columns.join(', ')}`;
      } else {
        select = columns.join(', ');
      }
      const whereSql = where === null ? '' : ` where ${where(from)}`;
      const orderSql = order && select !== '*' ? ` order by ${columns.length === 1 ? '1' : `${columns[0] as string} desc`}` : '';
      const limitSql = limit === null ? '' : ` limit ${limit}`;
      return `select ${distinct && !grouped ? 'distinct ' : ''}${select} from ${from.sql}${whereSql}${groupBy}${orderSql}${limitSql}`;
    });
}

const readArb: fc.Arbitrary<string> = fc.oneof(
  selectArb(),
  selectArb().map((inner) => `with q as (${inner}) select * from q`),
  selectArb().map((inner) => `select count(*) from (${inner}) as s`),
  fc.tuple(selectArb(1), selectArb(1), fc.constantFrom('union', 'union all', 'intersect', 'except')).map(([a, b, op]) => `(${a}) ${op} (${b})`),
  fc.tuple(selectArb(), selectArb(1)).map(([outer, inner]) => `with a as (${outer}) , b as (${inner}) select * from a where exists (select 1 from b)`),
  selectArb(1).map((inner) => `select t.id from orders t where t.customer_id in (${inner.replace(/ limit \d+$/, '')})`),
);

// --- writes --------------------------------------------------------------------------------------------

const writeArb: fc.Arbitrary<{ sql: string; table: string; action: 'INSERT' | 'UPDATE' | 'DELETE' }> = fc
  .record({
    table: fc.constantFrom(...TABLES),
    kind: fc.constantFrom('INSERT' as const, 'UPDATE' as const, 'DELETE' as const),
    picks: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
    where: fc.option(predicateArb),
    returning: fc.boolean(),
    wrap: fc.constantFrom('none', 'cte', 'cte-unused', 'explain', 'nested-cte'),
    value: literalArb,
  })
  .map(({ table, kind, picks, where, returning, wrap, value }) => {
    const columns = [...new Set(picks.map((pick) => columnsOf(table)[pick % columnsOf(table).length] as string))];
    const from: FromShape = { sql: `${table} t0`, aliases: [['t0', table]] };
    const whereSql = where === null ? '' : ` where ${where(from)}`;
    let sql: string;
    if (kind === 'INSERT') {
      sql = `insert into ${table} as t0 (${columns.join(', ')}) values (${columns.map(() => value).join(', ')})`;
    } else if (kind === 'UPDATE') {
      sql = `update ${table} t0 set ${columns.map((column) => `${column} = ${value}`).join(', ')}${whereSql}`;
    } else {
      sql = `delete from ${table} t0${whereSql}`;
    }
    if (returning || wrap === 'cte') sql += ' returning t0.id';
    switch (wrap) {
      case 'cte':
        sql = `with w as (${sql}) select * from w`;
        break;
      case 'cte-unused':
        sql = `with w as (${sql}) select 1`;
        break;
      case 'nested-cte':
        sql = `with r as (select 1 as x), w as (${sql}) select x from r`;
        break;
      case 'explain':
        sql = `explain ${sql}`;
        break;
    }
    return { sql, table, action: kind };
  });

// --- properties ----------------------------------------------------------------------------------------

describe('analysePostgres — properties', () => {
  it('classifies every generated read over the shop as READ, touching only shop tables, read-only', async () => {
    await fc.assert(
      fc.asyncProperty(readArb, async (sql) => {
        const analysis = await analysePostgres(sql, SHOP);
        expect(analysis.kind).toBe('READ');
        for (const table of analysis.tables) {
          expect(TABLES).toContain(table.table);
          expect(table.actions).toEqual(['READ']);
          for (const column of table.columns) expect(columnsOf(table.table)).toContain(column.column);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('rewrites every generated read with policies and a cap into a read that re-analyses', async () => {
    await fc.assert(
      fc.asyncProperty(readArb, async (sql) => {
        const analysis = await analysePostgres(sql, SHOP);
        const rewritten = await rewritePostgres(sql, analysis, SHOP, POLICIES, 100);
        const again = await analysePostgres(rewritten, SHOP);
        expect(again.kind).toBe('READ');
        expect(again.tables.map((t) => t.table)).toEqual(analysis.tables.map((t) => t.table));
        expect(rewritten).toMatch(/LIMIT (\d+|LEAST)/);
      }),
      { numRuns: 200 },
    );
  });

  it('never classifies a generated write as READ', async () => {
    await fc.assert(
      fc.asyncProperty(writeArb, async ({ sql, table, action }) => {
        const analysis = await analysePostgres(sql, SHOP);
        expect(analysis.kind).toBe('WRITE');
        expect(analysis.tables.find((t) => t.table === table)?.actions).toContain(action);
      }),
      { numRuns: 400 },
    );
  });

  it('denies any generated read once it calls a function off the allow-list', async () => {
    const dangerous = fc.constantFrom("pg_sleep(1)", "pg_read_file('/etc/passwd')", "set_config('role', 'x', false)", "nextval('s')", "dblink('x', 'y')", "current_setting('x')", "lo_import('/x')");
    await fc.assert(
      fc.asyncProperty(selectArb(), dangerous, async (sql, call) => {
        const poisoned = sql.replace(/^select (distinct )?/, (prefix) => `${prefix}${call} as poison, `);
        const error = await analysePostgres(poisoned, SHOP).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(AppError);
        expect((error as AppError).code).toBe(ErrorCode.SQL_NOT_ALLOWED);
      }),
      { numRuns: 150 },
    );
  });
});
