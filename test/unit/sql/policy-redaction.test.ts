import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../../src/errors/app-error.js';
import type { GateCatalog, TablePolicy } from '../../../src/sql/analysis.js';
import { policyColumns, REDACTED_PLAN_EXPRESSION, redactPlan, withholdDatabaseError } from '../../../src/sql/policy-redaction.js';

const CATALOG: GateCatalog = {
  searchPath: ['public'],
  tables: [
    { schema: 'public', name: 'accounts', columns: ['id', 'tenant', 'code', 'secret', 'Region'] },
    { schema: 'public', name: 'notes', columns: ['id', 'n'] },
  ],
};
const POLICIES: TablePolicy[] = [{ schema: 'public', table: 'accounts', rowFilter: "tenant = 1 and \"Region\" <> 'secret'", masks: { code: "'MASK-' || left(code, 1)" } }];

describe('policyColumns', () => {
  it('collects the columns the filter and masks name, quoted or not, and the masked columns; not words inside literals', () => {
    expect([...policyColumns(POLICIES, CATALOG)].sort()).toEqual(['code', 'region', 'tenant']);
  });
});

describe('redactPlan', () => {
  const columns = policyColumns(POLICIES, CATALOG);

  it('blanks policy expressions in a PostgreSQL JSON plan and keeps names, figures and the statement’s own conditions', () => {
    const plan = [
      {
        Plan: {
          'Node Type': 'Subquery Scan',
          Alias: 'accounts',
          'Total Cost': 12.5,
          Filter: '(accounts.id > 0)',
          Plans: [
            { 'Node Type': 'Bitmap Heap Scan', 'Relation Name': 'accounts', 'Recheck Cond': '(tenant = 1)', Output: ['id', "('MASK-'::text || \"left\"((code)::text, 1))"] },
            { 'Node Type': 'Bitmap Index Scan', 'Index Name': 'accounts_tenant', 'Index Cond': '(tenant = 1)' },
          ],
        },
      },
    ];
    const out = JSON.stringify(redactPlan(plan, columns));
    expect(out).not.toMatch(/tenant = 1|MASK-/);
    expect(out).toContain('(accounts.id > 0)');
    expect(out).toContain('accounts_tenant');
    expect(out).toContain('12.5');
    expect(out).toContain(REDACTED_PLAN_EXPRESSION);
  });

  it('blanks them in text plans line by line, keeping each label', () => {
    const rows = [
      { 'QUERY PLAN': 'Subquery Scan on accounts  (cost=0.00..1.05 rows=1 width=4)' },
      { 'QUERY PLAN': '  Filter: (accounts.id > 0)' },
      { 'QUERY PLAN': '  ->  Seq Scan on public.accounts accounts_1  (cost=0.00..1.04 rows=2 width=4)' },
      { 'QUERY PLAN': '        Output: accounts_1.id, (\'MASK-\'::text || "left"((accounts_1.code)::text, 1))' },
      { 'QUERY PLAN': '        Filter: ((accounts_1.tenant = 1) AND ((accounts_1."Region")::text <> \'secret\'::text))' },
    ];
    const out = redactPlan(rows, columns) as { 'QUERY PLAN': string }[];
    expect(out.map((r) => r['QUERY PLAN'])).toEqual([
      'Subquery Scan on accounts  (cost=0.00..1.05 rows=1 width=4)',
      '  Filter: (accounts.id > 0)',
      '  ->  Seq Scan on public.accounts accounts_1  (cost=0.00..1.04 rows=2 width=4)',
      `        Output: ${REDACTED_PLAN_EXPRESSION}`,
      `        Filter: ${REDACTED_PLAN_EXPRESSION}`,
    ]);
  });

  it('blanks them in MySQL’s JSON text, in YAML and in XML', () => {
    const mysql = JSON.stringify({ query_block: { table: { table_name: 'accounts', attached_condition: 'accounts.tenant = 1', key: 'accounts_tenant' } } });
    const out = redactPlan([{ EXPLAIN: mysql }], columns) as { EXPLAIN: string }[];
    expect(out[0]!.EXPLAIN).not.toContain('tenant = 1');
    expect(JSON.parse(out[0]!.EXPLAIN)).toMatchObject({ query_block: { table: { table_name: 'accounts', key: 'accounts_tenant' } } });
    const yaml = '- Plan: \n    Node Type: "Seq Scan"\n    Filter: "(tenant = 1)"';
    expect(redactPlan([{ 'QUERY PLAN': yaml }], columns)).toEqual([{ 'QUERY PLAN': yaml.replace('"(tenant = 1)"', REDACTED_PLAN_EXPRESSION) }]);
    const xml = '<Plan>\n  <Filter>(tenant = 1)</Filter>\n</Plan>';
    expect(JSON.stringify(redactPlan([{ 'QUERY PLAN': xml }], columns))).not.toContain('tenant = 1');
  });

  it('leaves a plan alone when no policy applies', () => {
    const plan = [{ Plan: { Filter: '(tenant = 1)' } }];
    expect(redactPlan(plan, new Set())).toBe(plan);
  });

  it('does not take a column name inside another word for the column', () => {
    expect(redactPlan([{ 'QUERY PLAN': '  Filter: (tenant_count > 1)' }], columns)).toEqual([{ 'QUERY PLAN': '  Filter: (tenant_count > 1)' }]);
  });
});

describe('withholdDatabaseError', () => {
  const rejected = (message: string, details: Record<string, unknown>) =>
    new AppError(ErrorCode.BAD_USER_INPUT, `The database rejected the statement: ${message}.`, details, { cause: new Error(message) });

  it('drops the server’s words of a data error, keeping code, SQLSTATE and the kind of condition; the original is the cause', () => {
    const original = rejected('invalid input syntax for type integer: "S3CRET"', { sqlState: '22P02', position: 30 });
    const withheld = withholdDatabaseError(original, 'postgres') as AppError;
    expect(withheld.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(withheld.message).not.toContain('S3CRET');
    expect(withheld.message).toMatch(/invalid input syntax.*SQLSTATE 22P02.*withheld/);
    expect(withheld.details).toEqual({ sqlState: '22P02', withheld: true });
    expect(withheld.cause).toBe(original);
    const mysql = withholdDatabaseError(rejected("Truncated incorrect DOUBLE value: 'S3CRET'", { errno: 1292, sqlState: '22007' }), 'mysql') as AppError;
    expect(mysql.message).not.toContain('S3CRET');
    expect(mysql.details).toEqual({ errno: 1292, sqlState: '22007', withheld: true });
  });

  it('keeps errors about the statement’s own text, and errors that are not the database’s rejection', () => {
    const unknown = rejected('column "nope" does not exist', { sqlState: '42703' });
    expect(withholdDatabaseError(unknown, 'postgres')).toBe(unknown);
    const mysqlUnknown = rejected("Unknown column 'nope' in 'where clause'", { errno: 1054, sqlState: '42S22' });
    expect(withholdDatabaseError(mysqlUnknown, 'mysql')).toBe(mysqlUnknown);
    const timeout = new AppError(ErrorCode.QUERY_TIMEOUT, 'The query ran longer than 5000 ms and was stopped.');
    expect(withholdDatabaseError(timeout, 'postgres')).toBe(timeout);
    const syntax = rejected('syntax error at or near "secret"', { sqlState: '42601' });
    expect((withholdDatabaseError(syntax, 'postgres') as AppError).message).not.toContain('secret"');
  });
});
