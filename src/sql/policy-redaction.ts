import { AppError, ErrorCode } from '../errors/app-error.js';
import type { GateCatalog, SqlDialect, TablePolicy } from './analysis.js';

/**
 * What an agent with a row filter or column mask must not learn from a statement's by-products: the
 * database's own error text (which can quote a value the statement's expressions met) and plan text
 * (which prints the filter and mask expressions). Pure: no I/O.
 */

/** Shown in a plan instead of an expression that involves a row filter or column mask. */
export const REDACTED_PLAN_EXPRESSION = '<row filter or mask>';

/**
 * The columns (lower-case) that the policies' expressions involve: every column a row filter or a mask
 * expression names, and every masked column. A plan expression that mentions one may show a policy.
 */
export function policyColumns(policies: readonly TablePolicy[], catalog: GateCatalog): Set<string> {
  const columns = new Set<string>();
  for (const policy of policies) {
    const table = catalog.tables.find((t) => t.schema === policy.schema && t.name === policy.table);
    const known = new Map((table?.columns ?? []).map((column) => [column.toLowerCase(), column]));
    const texts = [policy.rowFilter ?? '', ...Object.values(policy.masks ?? {})];
    for (const column of Object.keys(policy.masks ?? {})) columns.add(column.toLowerCase());
    for (const text of texts) {
      for (const name of identifiersIn(text)) if (known.has(name.toLowerCase())) columns.add(name.toLowerCase());
    }
  }
  return columns;
}

/** Identifiers in an SQL expression, quoted or not; string literals skipped. */
function identifiersIn(text: string): string[] {
  const names: string[] = [];
  const token = /'(?:[^']|'')*'|"((?:[^"]|"")+)"|`((?:[^`]|``)+)`|([A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*)/g;
  for (const match of text.matchAll(token)) {
    const name = match[1]?.replaceAll('""', '"') ?? match[2]?.replaceAll('``', '`') ?? match[3];
    if (name !== undefined) names.push(name);
  }
  return names;
}

function mentionsAny(text: string, columns: ReadonlySet<string>): boolean {
  const lower = text.toLowerCase();
  for (const column of columns) {
    let at = lower.indexOf(column);
    while (at >= 0) {
      const before = at === 0 ? '' : lower[at - 1];
      const after = lower[at + column.length] ?? '';
      if (!isWordChar(before) && !isWordChar(after)) return true;
      at = lower.indexOf(column, at + 1);
    }
  }
  return false;
}

function isWordChar(char: string | undefined): boolean {
  return char !== undefined && char !== '' && /[a-z0-9_$\u0080-\uffff]/i.test(char);
}

/** Plan fields that name things (tables, indexes, node kinds), never hold an expression. */
const NAME_KEYS: ReadonlySet<string> = new Set([
  'Node Type', 'Parent Relationship', 'Relation Name', 'Schema', 'Alias', 'Index Name', 'Join Type', 'Strategy',
  'Partial Mode', 'Scan Direction', 'Operation', 'Subplan Name', 'CTE Name', 'Sort Method', 'Command',
  'table_name', 'access_type', 'key', 'possible_keys', 'select_type', 'table', 'type', 'id', 'Extra',
]);

/**
 * A plan with every expression that mentions a policy column replaced by REDACTED_PLAN_EXPRESSION.
 * Takes what EXPLAIN returned in any shape: JSON plans (objects, or JSON text as MySQL sends it), and
 * text, YAML or XML plans line by line (a `Label: expression` line keeps its label; any other line
 * that mentions such a column is replaced whole).
 */
export function redactPlan(plan: unknown, columns: ReadonlySet<string>, key?: string): unknown {
  if (columns.size === 0) return plan;
  if (Array.isArray(plan)) return plan.map((item) => redactPlan(item, columns, key));
  if (plan !== null && typeof plan === 'object') {
    return Object.fromEntries(Object.entries(plan as Record<string, unknown>).map(([k, v]) => [k, redactPlan(v, columns, k)]));
  }
  if (typeof plan !== 'string') return plan;
  if (key !== undefined && NAME_KEYS.has(key)) return plan;
  const trimmed = plan.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.stringify(redactPlan(JSON.parse(plan) as unknown, columns));
    } catch {
      // not JSON: handled as text below
    }
  }
  // A field of a JSON plan holds one expression; anything else is a plan line (or lines).
  const planText = key === undefined || key === 'QUERY PLAN' || key === 'EXPLAIN' || plan.includes('\n');
  if (!planText) return mentionsAny(plan, columns) ? REDACTED_PLAN_EXPRESSION : plan;
  return plan
    .split('\n')
    .map((line) => redactLine(line, columns))
    .join('\n');
}

function redactLine(line: string, columns: ReadonlySet<string>): string {
  if (!mentionsAny(line, columns)) return line;
  const labelled = /^(\s*(?:->\s+)?[A-Za-z][A-Za-z -]*:\s)/.exec(line);
  if (labelled) return `${labelled[1]}${REDACTED_PLAN_EXPRESSION}`;
  const element = /^(\s*)<([A-Za-z][\w-]*)>.*<\/\2>\s*$/.exec(line);
  if (element) return `${element[1]}<${element[2]}>${REDACTED_PLAN_EXPRESSION.replace('<', '&lt;').replace('>', '&gt;')}</${element[2]}>`;
  const indent = /^\s*/.exec(line)?.[0] ?? '';
  return `${indent}${REDACTED_PLAN_EXPRESSION}`;
}

/** Postgres conditions whose message is about the statement's text, never about data it read. */
function statementOnlyPostgres(sqlState: string): boolean {
  return (sqlState.startsWith('42') && sqlState !== '42601') || sqlState === '21000' || sqlState === '22012';
}

const POSTGRES_CONDITIONS: Readonly<Record<string, string>> = {
  '22P02': 'a value could not be read as the type asked for (invalid input syntax)',
  '22007': 'a value is not a valid date or time',
  '22008': 'a date or time field is out of range',
  '22003': 'a number is out of range',
  '22001': 'a string is too long',
  '22004': 'a null value is not allowed here',
  '22018': 'a value could not be cast',
  '22023': 'a function was given an invalid value',
  '22025': 'invalid escape sequence',
  '2201B': 'invalid regular expression',
  '22021': 'invalid byte sequence for the encoding',
  '22P05': 'untranslatable character',
  '23505': 'a unique constraint was violated',
  '23503': 'a foreign key was violated',
  '23502': 'a column that may not be null got null',
  '23514': 'a check constraint was violated',
};

const POSTGRES_CLASSES: Readonly<Record<string, string>> = {
  '22': 'a data exception (a value did not fit what an expression expected)',
  '23': 'an integrity constraint was violated',
  '2F': 'a function failed',
  '38': 'a function failed',
  '39': 'a function failed',
  P0: 'a function failed',
  XX: 'an internal error in the database',
};

/** MySQL/MariaDB errors about the statement's text or shape, never about data it read. */
const MYSQL_STATEMENT_ONLY: ReadonlySet<number> = new Set([
  1044, 1052, 1054, 1055, 1111, 1140, 1142, 1143, 1146, 1222, 1235, 1241, 1242, 1247, 1248, 1305, 1365,
]);

const MYSQL_CONDITIONS: Readonly<Record<number, string>> = {
  1292: 'a value could not be converted (truncated or incorrect value)',
  1366: 'a value is not valid for its column',
  1264: 'a number is out of range for its column',
  1690: 'a number is out of range',
  1406: 'a string is too long for its column',
  1048: 'a column that may not be null got null',
  1062: 'a unique key was violated',
  1452: 'a foreign key was violated',
  1451: 'a foreign key was violated',
  3819: 'a check constraint was violated',
  4025: 'a check constraint was violated',
  1139: 'invalid regular expression',
  3141: 'invalid JSON value',
  4038: 'invalid JSON value',
};

/**
 * The error to show for a statement that reads a table with a row filter or column mask: a database
 * rejection (BAD_USER_INPUT carrying the server's SQLSTATE or error number) keeps its code, details
 * and kind of condition but loses the server's own words, which may quote a value from a row, unless
 * the condition is one about the statement's text (unknown column, ambiguous name…). Any other error
 * is returned as it is. The original stays in `cause`, for the log.
 */
export function withholdDatabaseError(error: unknown, dialect: SqlDialect): unknown {
  if (!(error instanceof AppError) || error.code !== ErrorCode.BAD_USER_INPUT) return error;
  const sqlState = typeof error.details?.sqlState === 'string' ? error.details.sqlState : undefined;
  const errno = typeof error.details?.errno === 'number' ? error.details.errno : undefined;
  if (sqlState === undefined && errno === undefined) return error;
  let condition: string;
  if (dialect === 'postgres') {
    if (sqlState === undefined || statementOnlyPostgres(sqlState)) return error;
    condition = POSTGRES_CONDITIONS[sqlState] ?? POSTGRES_CLASSES[sqlState.slice(0, 2)] ?? 'an error';
  } else {
    if (errno !== undefined && MYSQL_STATEMENT_ONLY.has(errno)) return error;
    condition = (errno !== undefined ? MYSQL_CONDITIONS[errno] : undefined) ?? 'an error';
  }
  const code = [sqlState ? `SQLSTATE ${sqlState}` : undefined, errno !== undefined ? `error ${errno}` : undefined].filter(Boolean).join(', ');
  const details = { ...(sqlState ? { sqlState } : {}), ...(errno !== undefined ? { errno } : {}), withheld: true };
  return new AppError(
    ErrorCode.BAD_USER_INPUT,
    `The database rejected the statement: ${condition} (${code}). Its own message is withheld because the statement reads a table ` +
      'with a row filter or column mask for you, and the message could quote a row you may not see. Check the types and formats your expressions expect.',
    details,
    { cause: error },
  );
}
