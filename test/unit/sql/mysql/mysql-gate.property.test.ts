import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../../../src/errors/app-error.js';
import type { GateCatalog, TablePolicy } from '../../../../src/sql/analysis.js';
import { shopGateCatalog } from '../../../fixtures/shop-catalog.js';
import { MYSQL_ALLOWED_FUNCTIONS } from '../../../../src/sql/mysql/mysql-functions.js';
import { rewriteMysql } from '../../../../src/sql/mysql/mysql-rewrite.js';
import { analyseMysql } from '../../../../src/sql/mysql/mysql-statement.js';

/** The demo shop schema (src/demo/shop-seed.ts) as a MariaDB database named `shop`. */
const catalog: GateCatalog = shopGateCatalog('shop');
type Table = GateCatalog['tables'][number];

/** child table, its foreign key, parent table. */
const FOREIGN_KEYS: readonly (readonly [string, string, string])[] = [
  ['orders', 'customer_id', 'customers'],
  ['order_items', 'order_id', 'orders'],
  ['order_items', 'product_id', 'products'],
  ['products', 'category_id', 'categories'],
  ['reviews', 'product_id', 'products'],
  ['reviews', 'customer_id', 'customers'],
];

const tableNamed = (name: string): Table => catalog.tables.find((table) => table.name === name) as Table;
const RUNS = { numRuns: 300 };

// ───────────── building blocks ─────────────

const table = fc.constantFrom(...catalog.tables);
const keyword = (word: string) => fc.constantFrom(word.toLowerCase(), word.toUpperCase(), word[0]?.toUpperCase() + word.slice(1).toLowerCase());
const separator = fc.constantFrom(' ', '  ', '\n', '\t', ' /* note */ ', ' -- note\n', ' # note\n');
const ident = (name: string) => fc.constantFrom(name, `\`${name}\``);

const stringLiteral = fc
  .string({ maxLength: 10 })
  .map((text) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`);
const literal = fc.oneof(
  fc.integer({ min: -10_000, max: 10_000 }).map(String),
  fc.double({ min: 0, max: 1000, noNaN: true, noDefaultInfinity: true }).map((value) => value.toFixed(2)),
  stringLiteral,
  fc.constant('null'),
  fc.constant('?'),
);
// `<=>` is left out: node-sql-parser cannot parse it (see the corpus).
const comparison = fc.constantFrom('=', '<>', '!=', '<', '>', '<=', '>=');

/** A predicate over one relation's columns, written with its qualifier. */
function predicate(qualifier: string, columns: readonly string[]): fc.Arbitrary<string> {
  const column = fc.constantFrom(...columns).map((name) => `${qualifier}.${name}`);
  const atom = fc.oneof(
    fc.tuple(column, comparison, literal).map(([c, op, value]) => `${c} ${op} ${value}`),
    fc.tuple(column, fc.array(literal, { minLength: 1, maxLength: 4 })).map(([c, values]) => `${c} in (${values.join(', ')})`),
    column.map((c) => `${c} is not null`),
    fc.tuple(column, literal, literal).map(([c, low, high]) => `${c} between ${low} and ${high}`),
    fc.tuple(column, stringLiteral).map(([c, pattern]) => `${c} like ${pattern}`),
    column.map((c) => `coalesce(${c}, 0) > 0`),
  );
  return fc.array(atom, { minLength: 1, maxLength: 3 }).chain((atoms) =>
    fc.array(fc.constantFrom('and', 'or', 'AND', 'OR'), { minLength: atoms.length - 1, maxLength: atoms.length - 1 }).map((joins) =>
      atoms.map((atom, index) => (index === 0 ? atom : `${joins[index - 1] ?? 'and'} ${atom}`)).join(' '),
    ),
  );
}

function selectList(qualifier: string, columns: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constant('*'),
    fc.constant(`${qualifier}.*`),
    fc.subarray([...columns], { minLength: 1 }).map((picked) => picked.map((name) => `${qualifier}.${name}`).join(', ')),
    fc.constantFrom(...columns).map((name) => `count(*), max(${qualifier}.${name})`),
    fc.constantFrom(...columns).map((name) => `${qualifier}.${name}, row_number() over (order by ${qualifier}.${name} desc) as rn`),
    fc.constantFrom(...columns).map((name) => `lower(${qualifier}.${name}) as l, length(${qualifier}.${name})`),
  );
}

/** SELECT from one table, with optional WHERE, ORDER BY and LIMIT. */
const simpleRead: fc.Arbitrary<string> = table.chain((t) =>
  fc
    .record({
      qualifier: fc.constantFrom(t.name, 't', 'x1'),
      list: fc.constant(null),
      where: fc.option(predicate('q', t.columns), { nil: undefined }),
      order: fc.option(fc.constantFrom(...t.columns), { nil: undefined }),
      limit: fc.option(fc.integer({ min: 0, max: 500 }), { nil: undefined }),
      tableName: ident(t.name),
      schema: fc.boolean(),
    })
    .chain((parts) =>
      selectList(parts.qualifier, t.columns).map((list) => {
        const from = `${parts.schema ? 'shop.' : ''}${parts.tableName}${parts.qualifier === t.name ? '' : ` as ${parts.qualifier}`}`;
        const where = parts.where ? ` where ${parts.where.replaceAll('q.', `${parts.qualifier}.`)}` : '';
        const order = parts.order && !list.includes('count(*)') ? ` order by ${parts.qualifier}.${parts.order}` : '';
        const limit = parts.limit === undefined ? '' : ` limit ${parts.limit}`;
        return `select ${list} from ${from}${where}${order}${limit}`;
      }),
    ),
);

const joinRead: fc.Arbitrary<string> = fc.constantFrom(...FOREIGN_KEYS).chain(([childName, key, parentName]) => {
  const child = tableNamed(childName);
  const parent = tableNamed(parentName);
  return fc
    .record({
      join: fc.constantFrom('join', 'inner join', 'left join', 'right join', 'left outer join'),
      childColumns: fc.subarray(child.columns, { minLength: 1 }),
      parentColumns: fc.subarray(parent.columns, { minLength: 1 }),
      where: fc.option(predicate('p', parent.columns), { nil: undefined }),
    })
    .map(
      ({ join, childColumns, parentColumns, where }) =>
        `select ${[...childColumns.map((c) => `c.${c}`), ...parentColumns.map((c) => `p.${c}`)].join(', ')} from ${childName} c ${join} ${parentName} p on p.id = c.${key}` +
        (where ? ` where ${where}` : ''),
    );
});

const subqueryRead: fc.Arbitrary<string> = fc.constantFrom(...FOREIGN_KEYS).chain(([childName, key, parentName]) =>
  fc.tuple(fc.constantFrom('in', 'not in'), predicate('c', tableNamed(childName).columns), fc.boolean()).map(([op, where, exists]) =>
    exists
      ? `select p.id from ${parentName} p where exists (select 1 from ${childName} c where c.${key} = p.id and ${where})`
      : `select p.id from ${parentName} p where p.id ${op} (select c.${key} from ${childName} c where ${where})`,
  ),
);

const read: fc.Arbitrary<string> = fc.oneof(
  simpleRead,
  joinRead,
  subqueryRead,
  simpleRead.map((inner) => `with cte as (${inner}) select * from cte`),
  simpleRead.map((inner) => `select * from (${inner}) as derived`),
  fc.tuple(table, table).map(([a, b]) => `select id from ${a.name} union all select id from ${b.name} order by id`),
  table.map((t) => `explain select * from ${t.name}`),
  fc.constantFrom(...FOREIGN_KEYS).map(([child, key]) => `select ${key}, count(*) as n from ${child} group by ${key} having n > 1 order by n desc`),
);

/** Reads whose tokens are separated by random whitespace and comments, keywords in random case. */
const decoratedRead: fc.Arbitrary<string> = fc.tuple(read, fc.array(separator, { minLength: 64, maxLength: 64 }), keyword('select')).map(
  ([sql, separators, select]) => {
    let index = 0;
    return sql
      .replace(/^select/, select)
      .split(' ')
      .map((word, position) => (position === 0 ? word : `${separators[index++ % separators.length] ?? ' '}${word}`))
      .join('');
  },
);

const write: fc.Arbitrary<string> = table.chain((t) => {
  const column = fc.constantFrom(...t.columns);
  const columns = fc.subarray(t.columns, { minLength: 1 });
  return fc.oneof(
    fc.tuple(columns, fc.array(literal, { minLength: 20, maxLength: 20 })).map(
      ([cols, values]) => `insert into ${t.name} (${cols.join(', ')}) values (${cols.map((_, i) => values[i] ?? '1').join(', ')})`,
    ),
    fc.tuple(columns, fc.array(literal, { minLength: 20, maxLength: 20 })).map(
      ([cols, values]) => `replace into ${t.name} (${cols.join(', ')}) values (${cols.map((_, i) => values[i] ?? '1').join(', ')})`,
    ),
    fc.tuple(column, literal).map(([c, value]) => `insert into ${t.name} set ${c} = ${value}`),
    fc.tuple(column, literal, column, literal).map(
      ([c, value, other, next]) => `insert into ${t.name} (${c}) values (${value}) on duplicate key update ${other} = ${next}`,
    ),
    fc.tuple(columns, table).map(([cols, source]) => `insert into ${t.name} (${cols.join(', ')}) select ${cols.map(() => 'id').join(', ')} from ${source.name}`),
    fc.tuple(column, literal, predicate(t.name, t.columns)).map(([c, value, where]) => `update ${t.name} set ${c} = ${value} where ${where}`),
    fc.tuple(column, literal).map(([c, value]) => `update ${t.name} set ${c} = ${value}`),
    predicate(t.name, t.columns).map((where) => `delete from ${t.name} where ${where}`),
    fc.constant(`delete from ${t.name}`),
  );
});

const multiTableWrite: fc.Arbitrary<string> = fc.constantFrom(...FOREIGN_KEYS).chain(([childName, key, parentName]) =>
  fc.tuple(predicate('p', tableNamed(parentName).columns), fc.boolean()).map(([where, update]) =>
    update
      ? `update ${childName} c join ${parentName} p on p.id = c.${key} set c.${key} = p.id where ${where}`
      : `delete c from ${childName} c join ${parentName} p on p.id = c.${key} where ${where}`,
  ),
);

// ───────────── properties ─────────────

describe('analyseMysql — properties over the shop schema', () => {
  it('classifies random reads as READ', () => {
    fc.assert(
      fc.property(decoratedRead, (sql) => {
        const analysis = analyseMysql(sql, catalog);
        expect(analysis.kind).toBe('READ');
        expect(['SELECT', 'EXPLAIN']).toContain(analysis.statementType);
        for (const use of analysis.tables) {
          expect(use.actions).toEqual(['READ']);
          for (const column of use.columns) expect(column.actions).toEqual(['READ']);
        }
      }),
      RUNS,
    );
  });

  it('never classifies random writes as READ', () => {
    fc.assert(
      fc.property(fc.oneof(write, multiTableWrite), (sql) => {
        const analysis = analyseMysql(sql, catalog);
        expect(analysis.kind).toBe('WRITE');
        expect(['INSERT', 'REPLACE', 'UPDATE', 'DELETE']).toContain(analysis.statementType);
        expect(analysis.tables.some((use) => use.actions.some((action) => action !== 'READ'))).toBe(true);
      }),
      RUNS,
    );
  });

  it('refuses any read with an executable comment slipped between two tokens', () => {
    const hidden = fc.constantFrom('/*!50000 union select 1*/', '/*!*/', '/*M!100000 , 1*/', '/*! , load_file(0)*/');
    fc.assert(
      fc.property(read, hidden, fc.nat(), (sql, comment, at) => {
        const words = sql.split(' ');
        const index = 1 + (at % Math.max(1, words.length - 1));
        const before = words.slice(0, index).join(' ');
        // Only where the comment is not inside a string literal (the generator never writes \').
        fc.pre((before.match(/'/g) ?? []).length % 2 === 0);
        const injected = [before, comment, ...words.slice(index)].join(' ');
        expect(() => analyseMysql(injected, catalog)).toThrow(/Executable comments/);
      }),
      RUNS,
    );
  });

  it('refuses a second statement after any read', () => {
    const tail = fc.constantFrom('drop table orders', 'select 1', "set @a = 1", 'delete from orders');
    fc.assert(
      fc.property(read, tail, (sql, second) => {
        expect(() => analyseMysql(`${sql}; ${second}`, catalog)).toThrow(/one statement/);
      }),
      RUNS,
    );
  });

  it('gives the same fingerprint whatever the literals', () => {
    const template = table.chain((t) =>
      fc.tuple(fc.subarray(t.columns, { minLength: 1, maxLength: 3 }), fc.constantFrom(...t.columns)).map(
        ([cols, filter]) => (values: readonly string[]) =>
          `select ${cols.join(', ')} from ${t.name} where ${filter} = ${values[0]} and ${filter} in (${values.slice(1).join(', ')}) limit ${values.length}`,
      ),
    );
    const values = fc.array(fc.oneof(fc.integer().map(String), stringLiteral), { minLength: 2, maxLength: 6 });
    fc.assert(
      fc.property(template, values, values, (build, a, b) => {
        const first = analyseMysql(build(a), catalog).fingerprint;
        const second = analyseMysql(build(b), catalog).fingerprint;
        expect(first).toBe(second);
      }),
      RUNS,
    );
  });

  it('rewrites random reads into reads of the same tables that carry every row filter', () => {
    const policies: TablePolicy[] = catalog.tables.map((t) => ({ schema: t.schema, table: t.name, rowFilter: `${t.name}.id > 0` }));
    fc.assert(
      fc.property(read, fc.integer({ min: 0, max: 1000 }), (sql, cap) => {
        const analysis = analyseMysql(sql, catalog);
        const rewritten = rewriteMysql(sql, analysis, catalog, policies, cap);
        const again = analyseMysql(rewritten, catalog);
        expect(again.kind).toBe('READ');
        expect(again.tables.map((use) => use.table).sort()).toEqual(analysis.tables.map((use) => use.table).sort());
        for (const use of analysis.tables) expect(rewritten).toContain(`FROM \`shop\`.\`${use.table}\` WHERE (\`${use.table}\`.\`id\` > 0)`);
        expect(rewritten).toMatch(/LIMIT (?:\d+, )?\d+(?: OFFSET \d+)?\)?(?: AS `warden_capped` LIMIT \d+)?$/);
      }),
      { numRuns: 150 },
    );
  });

  it('only ever throws AppError, and whatever it accepts uses catalog tables and allowed functions', () => {
    const vocabulary = fc.constantFrom(
      'select', 'from', 'where', 'union', 'all', 'insert', 'into', 'values', 'update', 'set', 'delete', 'with', 'as', 'join', 'on',
      'orders', 'customers', 'mysql.user', 'information_schema.tables', 'id', 'email', 'total', '*', ',', '(', ')', ';', '=', '1', "'x'",
      "'", '"', '`', '--', '-- ', '#', '/*', '*/', '/*!', 'load_file', 'sleep', '@a', ':=', 'outfile', 'for', 'lock', 'explain', '\\',
      'count(*)', 'group', 'by', 'order', 'limit', 'shop.orders', '`orders`', 'o', 'o.id', 'exists', 'not', 'in', 'call', 'handler',
    );
    fc.assert(
      fc.property(fc.array(vocabulary, { minLength: 1, maxLength: 14 }), (words) => {
        const sql = words.join(' ');
        let analysis;
        try {
          analysis = analyseMysql(sql, catalog);
        } catch (error) {
          expect(error).toBeInstanceOf(AppError);
          expect([ErrorCode.SQL_SYNTAX, ErrorCode.SQL_NOT_ALLOWED]).toContain((error as AppError).code);
          return;
        }
        for (const use of analysis.tables) {
          expect(catalog.tables.some((t) => t.schema === use.schema && t.name === use.table)).toBe(true);
        }
        for (const fn of analysis.functions) expect(MYSQL_ALLOWED_FUNCTIONS.has(fn) || fn === 'values').toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
