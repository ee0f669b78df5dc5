import { z } from 'zod';
import { AppError, ErrorCode } from '../../src/errors/app-error.js';
import type { BoolExp } from './row-query.js';

/** Most values one `_in` or `_nin` list may hold. */
export const MAX_LIST_VALUES = 1_000;
/** Most values (list items and single values) a whole `where` may bind. */
export const MAX_WHERE_VALUES = 10_000;
/** Deepest nesting of `_and`, `_or` and `_not`. */
export const MAX_WHERE_DEPTH = 16;

const scalar = z.union([z.string(), z.number(), z.boolean()]);
export const comparisonSchema = z
  .object({
    _eq: scalar,
    _neq: scalar,
    _gt: scalar,
    _gte: scalar,
    _lt: scalar,
    _lte: scalar,
    _in: z.array(scalar).max(MAX_LIST_VALUES, `takes at most ${MAX_LIST_VALUES} values`),
    _nin: z.array(scalar).max(MAX_LIST_VALUES, `takes at most ${MAX_LIST_VALUES} values`),
    _like: z.string().max(1_000),
    _ilike: z.string().max(1_000),
    _is_null: z.boolean(),
  })
  .partial()
  .strict();

/** A value a comparison may bind: a string, a finite number or a boolean (what JSON input can hold, less null). */
export const isScalar = (value: unknown): value is string | number | boolean => typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean';

/**
 * How many values a valid comparison binds, or undefined when it is not valid. The same rules as
 * `comparisonSchema`, without building a parse result: this runs for every comparison of every `rows`
 * query, and the schema only when this says no, to name the problem.
 */
function countValid(comparison: unknown): number | undefined {
  if (typeof comparison !== 'object' || comparison === null || Array.isArray(comparison)) return undefined;
  let count = 0;
  for (const op in comparison) {
    if (!Object.hasOwn(comparison, op)) continue;
    const operand = (comparison as Record<string, unknown>)[op];
    switch (op) {
      case '_eq':
      case '_neq':
      case '_gt':
      case '_gte':
      case '_lt':
      case '_lte':
        if (operand === undefined) continue;
        if (!isScalar(operand)) return undefined;
        count += 1;
        break;
      case '_in':
      case '_nin':
        if (operand === undefined) continue;
        if (!Array.isArray(operand) || operand.length > MAX_LIST_VALUES || !operand.every(isScalar)) return undefined;
        count += operand.length;
        break;
      case '_like':
      case '_ilike':
        if (operand === undefined) continue;
        if (typeof operand !== 'string' || operand.length > 1_000) return undefined;
        count += 1;
        break;
      case '_is_null':
        if (operand !== undefined && typeof operand !== 'boolean') return undefined;
        break;
      default:
        return undefined;
    }
  }
  return count;
}

/**
 * Checks the shape of a `rows` where expression before anything else reads it, so a wrong shape is
 * BAD_USER_INPUT naming where it is (`where._and`, `where.status._in`), never an internal error, and a
 * huge one is refused here rather than by the database: lists are capped, nesting is capped, and so
 * is the number of values the whole expression binds.
 */
export function checkWhere(where: unknown): BoolExp | undefined {
  if (where === undefined || where === null) return undefined;
  let values = 0;
  const walk = (exp: unknown, path: string, depth: number): void => {
    if (depth > MAX_WHERE_DEPTH) throw bad(`The where expression is nested deeper than ${MAX_WHERE_DEPTH} levels.`, 'where');
    if (typeof exp !== 'object' || exp === null || Array.isArray(exp)) throw bad(`${path} must be an object, e.g. { status: { _eq: "paid" } }.`, path);
    for (const [key, value] of Object.entries(exp)) {
      if (value === undefined || value === null) continue;
      const at = `${path}.${key}`;
      if (key === '_and' || key === '_or') {
        if (!Array.isArray(value)) throw bad(`${at} takes a list of expressions, e.g. { ${key}: [{ a: { _eq: 1 } }, { b: { _eq: 2 } }] }.`, at);
        if (value.length > MAX_LIST_VALUES) throw bad(`${at} takes at most ${MAX_LIST_VALUES} expressions.`, at);
        value.forEach((item, i) => walk(item, `${at}[${i}]`, depth + 1));
      } else if (key === '_not') {
        walk(value, at, depth + 1);
      } else if (key.startsWith('_')) {
        throw bad(`Unknown operator "${key}" in ${path} (use _and, _or, _not, or a column name).`, at);
      } else {
        const counted = countValid(value);
        if (counted !== undefined) {
          values += counted;
          if (values > MAX_WHERE_VALUES) throw bad(`The where expression holds more than ${MAX_WHERE_VALUES} values; narrow it or split the query.`, 'where');
          continue;
        }
        // Not valid: the schema says exactly what is wrong, and where.
        const parsed = comparisonSchema.safeParse(value);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          const where = issue && issue.path.length > 0 ? `${at}.${String(issue.path[0])}` : at;
          const op = issue?.path[0];
          const why = !issue
            ? 'is not valid'
            : issue.code === 'unrecognized_keys'
              ? `has an unknown operator (${issue.keys.join(', ')})`
              : issue.path.length === 0
                ? 'must be an object of operators, e.g. { _eq: … }'
                : issue.code === 'too_big'
                  ? issue.message
                  : op === '_in' || op === '_nin'
                    ? 'takes a list of plain values'
                    : op === '_is_null'
                      ? 'takes true or false'
                      : 'needs a plain value (a string, number or boolean; use _is_null for null)';
          throw bad(`${where} ${why}. Operators: _eq, _neq, _gt, _gte, _lt, _lte (a value), _in, _nin (a list), _like, _ilike (a pattern), _is_null (true or false).`, where);
        }
        for (const [op, operand] of Object.entries(parsed.data)) values += Array.isArray(operand) ? operand.length : op === '_is_null' ? 0 : 1;
      }
      if (values > MAX_WHERE_VALUES) throw bad(`The where expression holds more than ${MAX_WHERE_VALUES} values; narrow it or split the query.`, 'where');
    }
  };
  walk(where, 'where', 0);
  return where as BoolExp;
}

function bad(message: string, field: string): AppError {
  return new AppError(ErrorCode.BAD_USER_INPUT, message, { field });
}
