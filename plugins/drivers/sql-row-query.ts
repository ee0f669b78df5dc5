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
import { LRUCache } from 'lru-cache';
import { AppError, ErrorCode } from '../../src/errors/app-error.js';
import type { SqlDialect } from './driver.js';
import { isScalar } from './row-query-shape.js';
import { COMPARISON_OPERATORS, type BoolExp, type ColumnComparison, type RowQuery } from './row-query.js';

/**
 * Compiles a typed row query to one parameterised SQL statement with Kysely — never by gluing strings:
 * identifiers are quoted by the compiler, every value is a bound parameter. The result then goes
 * through the SQL gate like any other statement, so the same grants, row filters and masks apply.
 *
 * Queries of one shape (table, columns, operators, list lengths, order, paging present or not) compile
 * to one SQL text: the text is kept per shape, and a query of a known shape only has its values taken
 * out, in the order the compiler binds them.
 */
export function compileRowQuery(dialect: SqlDialect, query: RowQuery): { sql: string; parameters: readonly unknown[] } {
  const shape = shapeOf(dialect, query);
  if (!shape) return compileWithKysely(dialect, query);
  const known = compiledShapes.get(shape.key);
  if (known) {
    return { sql: known.sql, parameters: known.slots.map((slot) => shape.values[slot]) };
  }
  // Compiled once with a marker in place of each value: where each marker lands is where that value goes.
  const compiled = compileWithKysely(dialect, shape.marked);
  const slots = compiled.parameters.map((parameter) => (typeof parameter === 'string' ? markerSlot(parameter) : -1));
  if (slots.some((slot) => slot < 0)) return compileWithKysely(dialect, query);
  compiledShapes.set(shape.key, { sql: compiled.sql, slots });
  return { sql: compiled.sql, parameters: slots.map((slot) => shape.values[slot]) };
}

/** The 1,000 most recently used shapes, within a million characters of key and SQL text. */
const compiledShapes = new LRUCache<string, { sql: string; slots: number[] }>({
  max: 1_000,
  maxSize: 1_000_000,
  sizeCalculation: (compiled, key) => key.length + compiled.sql.length,
});

/** A value's stand-in while a shape is compiled: unchanged by String() and toLowerCase(), as the compiler may apply them. */
const marker = (slot: number) => `\u0000warden-slot-${slot}\u0000`;
// eslint-disable-next-line no-control-regex -- NUL marks a slot: no value of a query shape holds one.
const MARKER = /^\u0000warden-slot-(\d+)\u0000$/;
const markerSlot = (parameter: string) => Number(MARKER.exec(parameter)?.[1] ?? -1);


/**
 * The query's shape, its values (as the compiler would bind them) and the same query with markers for
 * values; undefined for anything unusual (a value that is not a plain scalar, an expression that is not
 * an object), which is compiled as it is, so its error is the compiler's.
 */
function shapeOf(dialect: SqlDialect, query: RowQuery): { key: string; values: unknown[]; marked: RowQuery } | undefined {
  const values: unknown[] = [];
  const parts: string[] = [dialect, query.schema ?? '', query.table, JSON.stringify(query.columns)];
  const slot = (value: unknown) => marker(values.push(value) - 1);
  const walk = (exp: unknown, depth: number): BoolExp | undefined => {
    if (depth > MAX_DEPTH || typeof exp !== 'object' || exp === null || Array.isArray(exp)) return undefined;
    const marked: Record<string, unknown> = {};
    parts.push('{');
    for (const [key, value] of Object.entries(exp)) {
      if (value === undefined || value === null) continue;
      parts.push(JSON.stringify(key));
      if (key === '_and' || key === '_or') {
        if (!Array.isArray(value)) return undefined;
        parts.push(`[${value.length}`);
        const inner: BoolExp[] = [];
        for (const e of value) {
          const m = walk(e, depth + 1);
          if (!m) return undefined;
          inner.push(m);
        }
        parts.push(']');
        marked[key] = inner;
      } else if (key === '_not') {
        const m = walk(value, depth + 1);
        if (!m) return undefined;
        marked[key] = m;
      } else if (key.startsWith('_') || typeof value !== 'object' || Array.isArray(value)) {
        return undefined;
      } else {
        const comparison: Record<string, unknown> = {};
        for (const [op, operand] of Object.entries(value as Record<string, unknown>)) {
          if (operand === undefined) continue;
          if (op === '_is_null') {
            if (typeof operand !== 'boolean') return undefined;
            parts.push(`${op}:${operand}`);
            comparison[op] = operand;
          } else if (op === '_in' || op === '_nin') {
            if (!Array.isArray(operand) || !operand.every(isScalar)) return undefined;
            parts.push(`${op}:${operand.length}`);
            comparison[op] = operand.map(slot);
          } else if (op === '_like' || op === '_ilike') {
            if (!isScalar(operand)) return undefined;
            parts.push(op);
            comparison[op] = slot(op === '_ilike' && dialect === 'mysql' ? String(operand).toLowerCase() : String(operand));
          } else if (BINARY_OPERATORS[op] && isScalar(operand)) {
            parts.push(op);
            comparison[op] = slot(operand);
          } else {
            return undefined;
          }
        }
        marked[key] = comparison;
      }
      parts.push(',');
    }
    parts.push('}');
    return marked as BoolExp;
  };
  let where: BoolExp | undefined;
  if (query.where !== undefined) {
    where = walk(query.where, 0);
    if (!where) return undefined;
  }
  parts.push(JSON.stringify(query.orderBy ?? []));
  const limit = slot(query.limit);
  parts.push(query.offset ? 'offset' : '');
  const offset = query.offset ? slot(query.offset) : undefined;
  return {
    key: parts.join('\u0001'),
    values,
    marked: { ...query, where, limit: limit as unknown as number, offset: offset as unknown as number | undefined },
  };
}

/** The statement Kysely compiles for the query, every time (compileRowQuery keeps it per shape). */
export function compileWithKysely(dialect: SqlDialect, query: RowQuery): { sql: string; parameters: readonly unknown[] } {
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

function toExpression(eb: Eb, exp: BoolExp, dialect: SqlDialect, depth: number): Expression<SqlBool> {
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

function comparisons(eb: Eb, column: string, comparison: ColumnComparison, dialect: SqlDialect): Expression<SqlBool>[] {
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
