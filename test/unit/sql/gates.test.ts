import { describe, expect, it } from 'vitest';
import type { Catalog } from '../../../plugins/drivers/catalog.js';
import { AppError, ErrorCode } from '../../../src/errors/app-error.js';
import type { SqlDialect } from '../../../src/sql/analysis.js';
import { sqlGateFor } from '../../../src/sql/gates.js';

/** A catalog as a driver introspects it: two schemas, the connection's own first. */
function catalog(schemas: string[], searchPath?: string[]): Catalog {
  const table = (schema: string, name: string, columns: string[]): Catalog['tables'][number] => ({
    schema,
    name,
    kind: 'TABLE',
    comment: null,
    rowEstimate: null,
    columns: columns.map((column, index) => ({ name: column, position: index + 1, dataType: 'text', nullable: true, defaultValue: null, comment: null })),
    primaryKey: [],
    foreignKeys: [],
    indexes: [],
  });
  return {
    schemas,
    ...(searchPath ? { searchPath } : {}),
    tables: [table(schemas[0]!, 'orders', ['id', 'status', 'total']), table(schemas[1]!, 'orders', ['id', 'archived'])],
  };
}

async function refusal(work: () => Promise<unknown>): Promise<AppError> {
  try {
    await work();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected a refusal');
}

const DIALECTS: { dialect: SqlDialect; catalog: Catalog; explain: RegExp }[] = [
  { dialect: 'postgres', catalog: catalog(['public', 'archive'], ['public']), explain: /^explain \(format json\) select 1$/ },
  { dialect: 'mysql', catalog: catalog(['shop', 'archive']), explain: /^explain format=json select 1$/ },
];

describe.each(DIALECTS)('the $dialect gate', ({ dialect, catalog: introspected, explain }) => {
  const gate = sqlGateFor(dialect);
  const own = introspected.schemas[0]!;
  const table = { schema: own, name: 'orders', columns: ['id', 'status', 'total'] };

  it('is the gate of its dialect, the same one each time', () => {
    expect(gate.dialect).toBe(dialect);
    expect(sqlGateFor(dialect)).toBe(gate);
  });

  it('looks unqualified names up in the connection’s own schema, with every table’s columns in order', async () => {
    const gateCatalog = gate.catalogOf(introspected);
    expect(gateCatalog.searchPath[0]).toBe(own);
    expect(gateCatalog.tables).toEqual([
      { schema: own, name: 'orders', columns: ['id', 'status', 'total'] },
      { schema: 'archive', name: 'orders', columns: ['id', 'archived'] },
    ]);
    const analysis = await gate.analyse('select status from orders', gateCatalog);
    expect(analysis.tables.map((t) => `${t.schema}.${t.table}`)).toEqual([`${own}.orders`]);
    await expect(gate.analyse('select archived from orders', gateCatalog)).rejects.toMatchObject({ code: ErrorCode.SQL_NOT_ALLOWED });
  });

  it('classifies reads and writes, and refuses what is neither', async () => {
    const gateCatalog = gate.catalogOf(introspected);
    expect((await gate.analyse('select id from orders', gateCatalog)).kind).toBe('READ');
    expect((await gate.analyse("update orders set status = 'x' where id = 1", gateCatalog)).kind).toBe('WRITE');
    for (const sql of ['drop table orders', 'select id from orders; delete from orders']) {
      expect((await refusal(() => gate.analyse(sql, gateCatalog))).code, sql).toBe(ErrorCode.SQL_NOT_ALLOWED);
    }
  });

  it('rewrites a read so a row filter applies and the cap holds', async () => {
    const gateCatalog = gate.catalogOf(introspected);
    const sql = 'select id from orders';
    const rewritten = await gate.rewrite(sql, await gate.analyse(sql, gateCatalog), gateCatalog, [{ schema: own, table: 'orders', rowFilter: "status = 'paid'" }], 10);
    expect(rewritten).toMatch(/status\W* = 'paid'/i);
    expect(rewritten).toMatch(/limit 11\b/i);
  });

  it('plans a statement as JSON in its own words', () => {
    expect(gate.explain('select 1')).toMatch(explain);
  });

  it('checks row filters and masks: one expression over the table’s own columns', async () => {
    await expect(gate.checkRowFilter("status = 'paid'", table)).resolves.toBeUndefined();
    await expect(gate.checkMask("concat(left(status, 1), '***')", table)).resolves.toBeUndefined();
    for (const bad of ['id in (select id from orders)', 'archived = 1']) {
      expect((await refusal(() => gate.checkRowFilter(bad, table))).code, bad).toBe(ErrorCode.SQL_NOT_ALLOWED);
      expect((await refusal(() => gate.checkMask(bad, table))).code, bad).toBe(ErrorCode.SQL_NOT_ALLOWED);
    }
  });
});

describe('sqlGateFor', () => {
  it('refuses a dialect it has no gate for, rather than guessing one', () => {
    for (const dialect of ['sqlite', 'constructor', 'toString']) {
      const error = (() => {
        try {
          sqlGateFor(dialect as SqlDialect);
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error, dialect).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe(ErrorCode.SQL_NOT_ALLOWED);
    }
  });
});
