import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../../../src/errors/app-error.js';
import type { GateCatalog, StatementAnalysis } from '../../../../src/sql/analysis.js';
import { MYSQL_ALLOWED_FUNCTIONS } from '../../../../src/sql/mysql/mysql-functions.js';
import { rewriteMysql } from '../../../../src/sql/mysql/mysql-rewrite.js';
import { analyseMysql } from '../../../../src/sql/mysql/mysql-statement.js';
import { ALL, catalog, corpus } from '../../../fixtures/mysql-corpus.js';
import { refusal } from '../../../helpers/app-error.js';

function columnSummary(analysis: StatementAnalysis, table: string): string[] {
  const use = analysis.tables.find((entry) => entry.table === table);
  return (use?.columns ?? []).map((column) => `${column.column}:${column.actions.join('/')}`).sort();
}

describe('analyseMysql — corpus', () => {
  it('has at least 120 statements', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(120);
  });

  it.each(corpus.map(([sql, outcome, note]) => ({ sql, outcome, note, label: JSON.stringify(sql).slice(0, 110) })))(
    '$label',
    ({ sql, outcome }) => {
      if ('code' in outcome) {
        const error = refusal(() => analyseMysql(sql, catalog));
        expect(error.code).toBe(outcome.code);
        const said = `${error.message} ${String(error.details?.construct ?? '')}`.toLowerCase();
        expect(said).toContain(outcome.reason.toLowerCase());
        return;
      }
      const analysis = analyseMysql(sql, catalog);
      expect(analysis.dialect).toBe('mysql');
      expect(analysis.kind).toBe(outcome.kind);
      expect(analysis.statementType).toBe(outcome.type);
      const tables = Object.fromEntries(analysis.tables.map((use) => [use.table, use.actions.join(',')]));
      expect(tables).toEqual(outcome.tables);
      for (const use of analysis.tables) expect(use.schema).toBe('shop');
      for (const [table, expected] of Object.entries(outcome.columns ?? {})) {
        const wanted =
          expected === ALL
            ? (catalog.tables.find((entry) => entry.name === table)?.columns ?? []).map((column) => `${column}:READ`).sort()
            : expected.split(/\s+/).filter(Boolean).sort();
        expect(columnSummary(analysis, table)).toEqual(wanted);
      }
      if (outcome.functions) expect(analysis.functions).toEqual(outcome.functions);
      for (const fn of analysis.functions) expect(MYSQL_ALLOWED_FUNCTIONS.has(fn) || fn === 'values').toBe(true);
      expect(analysis.fingerprint).toMatch(/^[0-9a-f]{40}$/);
    },
  );
});

describe('analyseMysql — details', () => {
  it('classifies every allowed corpus statement as exactly one of READ or WRITE, never both', () => {
    for (const [sql, outcome] of corpus) {
      if ('code' in outcome) continue;
      const { kind } = analyseMysql(sql, catalog);
      expect(kind === 'READ' ? outcome.kind === 'READ' : outcome.kind === 'WRITE').toBe(true);
    }
  });

  it('reports a syntax error with the position the parser stopped at and its words', () => {
    const error = refusal(() => analyseMysql('select id\nfrm orders', catalog));
    expect(error.code).toBe(ErrorCode.SQL_SYNTAX);
    expect(error.details?.position).toBe(14);
    expect(error.message).toContain('line 2, column 5 near "orders"');
    expect(error.message).toMatch(/expected .*"FROM".* but found "o"/);
  });

  it('writes DEFAULT back as the keyword, not as a quoted column', () => {
    const sql = 'insert into orders (id, `status`) values (1, default)';
    expect(rewriteMysql(sql, analyseMysql(sql, catalog), catalog, [])).toBe('INSERT INTO `orders` (`id`, `status`) VALUES (1,DEFAULT)');
    const update = 'update orders set status = default where id = 1';
    expect(rewriteMysql(update, analyseMysql(update, catalog), catalog, [])).toBe('UPDATE `orders` SET `status` = DEFAULT WHERE `id` = 1');
  });

  it('refuses DEFAULT where a column named default could be meant', () => {
    const withDefault: GateCatalog = { searchPath: ['shop'], tables: [{ schema: 'shop', name: 'settings', columns: ['id', 'default', 'value'] }] };
    expect(() => analyseMysql('update settings set value = default where id = 1', withDefault)).toThrow(/ambiguous/);
    expect(analyseMysql('update settings s set s.value = s.default', withDefault).tables[0]?.columns).toEqual([
      { column: 'value', actions: ['UPDATE'] },
      { column: 'default', actions: ['READ'] },
    ]);
  });

  it('quotes INSERT columns that are keywords when printing', () => {
    const keywords: GateCatalog = { searchPath: ['shop'], tables: [{ schema: 'shop', name: 'events', columns: ['order', 'key'] }] };
    const sql = 'insert into events (`order`, `key`) values (1, 2)';
    expect(rewriteMysql(sql, analyseMysql(sql, keywords), keywords, [])).toBe('INSERT INTO `events` (`order`, `key`) VALUES (1,2)');
  });

  it('reports the position of a lexer denial', () => {
    const error = refusal(() => analyseMysql('select 1 /*!50000 , 2 */', catalog));
    expect(error.details).toMatchObject({ construct: 'executable comment', position: 9 });
  });

  it('gives the same fingerprint whatever the literals, comments and spacing', () => {
    const a = analyseMysql("select id from orders where status = 'paid' and total > 10 and id in (1, 2, 3)", catalog);
    const b = analyseMysql("SELECT id\n  FROM orders /* x */ WHERE status = 'shipped' AND total > 99.5 AND id IN (7)", catalog);
    expect(a.fingerprint).toBe(b.fingerprint);
  });

  it('gives different fingerprints to different shapes', () => {
    const a = analyseMysql('select id from orders where total > 10', catalog);
    const b = analyseMysql('select id from orders where total < 10', catalog);
    const c = analyseMysql('select `id` from orders where total > 10', catalog);
    expect(new Set([a.fingerprint, b.fingerprint, c.fingerprint]).size).toBe(3);
  });

  it('lists functions once, lower-case', () => {
    const analysis = analyseMysql('select LOWER(email), lower(city), COUNT(*) from customers group by email, city', catalog);
    expect(analysis.functions).toEqual(['lower', 'count']);
  });

  it('needs a default database for unqualified tables', () => {
    const error = refusal(() => analyseMysql('select * from orders', { ...catalog, searchPath: [] }));
    expect(error.message).toContain('default database');
  });

  it('resolves unqualified tables in the connection database only', () => {
    const twoDatabases: GateCatalog = {
      searchPath: ['shop'],
      tables: [...catalog.tables, { schema: 'archive', name: 'old_orders', columns: ['id'] }],
    };
    expect(analyseMysql('select id from archive.old_orders', twoDatabases).tables[0]).toMatchObject({ schema: 'archive', table: 'old_orders' });
    expect(() => analyseMysql('select id from old_orders', twoDatabases)).toThrow(/Unknown table/);
  });

  it('never throws anything but AppError', () => {
    for (const sql of ['select (', ')', "'", '`', '/*', 'select 1 union', 'select * from orders where', '\\N', 'select 1 from orders o join']) {
      expect(() => analyseMysql(sql, catalog)).toThrow(AppError);
    }
  });
});
