import {
  DummyDriver,
  Kysely,
  MysqlAdapter,
  MysqlIntrospector,
  MysqlQueryCompiler,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
  type Expression,
  type ExpressionBuilder,
  type SqlBool,
} from 'kysely';
import { AppError, ErrorCode } from '../../src/errors/app-error.js';
import { COMPARISON_OPERATORS, type BoolExp, type ColumnComparison, type RowQuery } from './row-query.js';

/**
 * Compiles a typed row query to one parameterised SQL statement with Kysely — never by gluing strings:
 * identifiers are quoted by the compiler, every value is a bound parameter. The result then goes
 * through the SQL gate like any other statement, so the same grants, row filters and masks apply.
 */
export function compileRowQuery(dialect: 'postgres' | 'mysql', query: RowQuery): { sql: string; parameters: readonly unknown[] } {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const db = builders[dialect] as Kysely<any>;
  const table = query.schema ? `${query.schema}.${query.table}` : query.table;
  if (query.columns.length === 0) throw bad('Ask for at least one column.', 'columns');
  let select = db.selectFrom(table).select(query.columns.map((c) => sql.ref(c).as(c)));
  if (query.where) {
    const where = query.where;
    select = select.where((eb) => toExpression(eb, where, dialect, 0));
  }
  for (const order of query.orderBy ?? []) select = select.orderBy(sql.ref(order.column), order.direction === 'DESC' ? 'desc' : 'asc');
  select = select.limit(query.limit);
  if (query.offset) select = select.offset(query.offset);
  const compiled = select.compile();
  return { sql: compiled.sql, parameters: compiled.parameters };
}

/** The columns a boolean expression reads, for authorization. */
export function columnsOf(where: BoolExp | undefined): string[] {
  const found = new Set<string>();
  const walk = (exp: BoolExp) => {
    for (const [key, value] of Object.entries(exp)) {
      if (value === undefined) continue;
      if (key === '_and' || key === '_or') (value as BoolExp[]).forEach(walk);
      else if (key === '_not') walk(value as BoolExp);
      else found.add(key);
    }
  };
  if (where) walk(where);
  return [...found];
}

const MAX_DEPTH = 16;

/** The comparisons that are one SQL operator between the column and a bound value. */
const BINARY_OPERATORS: Partial<Record<string, '=' | '<>' | '>' | '>=' | '<' | '<='>> = {
  _eq: '=',
  _neq: '<>',
  _gt: '>',
  _gte: '>=',
  _lt: '<',
  _lte: '<=',
};

const builders = {
  postgres: new Kysely({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  }),
  mysql: new Kysely({
    dialect: {
      createAdapter: () => new MysqlAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new MysqlIntrospector(db),
      createQueryCompiler: () => new MysqlQueryCompiler(),
    },
  }),
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Eb = ExpressionBuilder<any, any>;

function toExpression(eb: Eb, exp: BoolExp, dialect: 'postgres' | 'mysql', depth: number): Expression<SqlBool> {
  if (depth > MAX_DEPTH) throw bad(`The where expression is nested deeper than ${MAX_DEPTH} levels.`, 'where');
  if (typeof exp !== 'object' || exp === null || Array.isArray(exp)) throw bad('A where expression is an object.', 'where');
  const parts: Expression<SqlBool>[] = [];
  for (const [key, value] of Object.entries(exp)) {
    if (value === undefined || value === null) continue;
    if (key === '_and' || key === '_or') {
      if (!Array.isArray(value)) throw bad(`${key} takes a list of expressions.`, 'where');
      const inner = (value as BoolExp[]).map((e) => toExpression(eb, e, dialect, depth + 1));
      parts.push(key === '_and' ? eb.and(inner) : eb.or(inner));
    } else if (key === '_not') {
      parts.push(eb.not(toExpression(eb, value as BoolExp, dialect, depth + 1)));
    } else if (key.startsWith('_')) {
      throw bad(`Unknown operator "${key}" (use _and, _or, _not, or a column name).`, 'where');
    } else {
      parts.push(...comparisons(eb, key, value as ColumnComparison, dialect));
    }
  }
  return eb.and(parts);
}

function comparisons(eb: Eb, column: string, comparison: ColumnComparison, dialect: 'postgres' | 'mysql'): Expression<SqlBool>[] {
  if (typeof comparison !== 'object' || comparison === null || Array.isArray(comparison)) {
    throw bad(`Compare "${column}" with an operator, e.g. { ${column}: { _eq: … } }.`, 'where');
  }
  const ref = sql.ref(column);
  const out: Expression<SqlBool>[] = [];
  for (const [op, value] of Object.entries(comparison)) {
    if (value === undefined) continue;
    if (!(COMPARISON_OPERATORS as readonly string[]).includes(op)) throw bad(`Unknown operator "${op}" on "${column}".`, 'where');
    if (op !== '_is_null' && (value === null || (typeof value === 'object' && !Array.isArray(value)))) {
      throw bad(`"${column}" ${op} needs a plain value${op === '_eq' ? ' (use _is_null for null)' : ''}.`, 'where');
    }
    const binary = BINARY_OPERATORS[op];
    if (binary) {
      out.push(eb(ref, binary, value));
      continue;
    }
    switch (op) {
      case '_in':
      case '_nin': {
        if (!Array.isArray(value)) throw bad(`"${column}" ${op} takes a list.`, 'where');
        if (value.length === 0) out.push(op === '_in' ? sql<SqlBool>`false` : sql<SqlBool>`true`);
        else out.push(eb(ref, op === '_in' ? 'in' : 'not in', value));
        break;
      }
      case '_like':
        out.push(eb(ref, 'like', String(value)));
        break;
      case '_ilike':
        out.push(dialect === 'postgres' ? eb(ref, 'ilike', String(value)) : eb(eb.fn('lower', [ref]), 'like', String(value).toLowerCase()));
        break;
      case '_is_null':
        if (typeof value !== 'boolean') throw bad(`"${column}" _is_null takes true or false.`, 'where');
        out.push(eb(ref, value ? 'is' : 'is not', null));
        break;
    }
  }
  return out;
}

function bad(message: string, field: string): AppError {
  return new AppError(ErrorCode.BAD_USER_INPUT, message, { field });
}
