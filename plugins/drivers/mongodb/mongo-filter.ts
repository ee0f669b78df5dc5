import { ObjectId, type Document, type Filter, type SortDirection } from 'mongodb';
import { AppError, ErrorCode } from '../../../src/errors/app-error.js';
import { COMPARISON_OPERATORS, type BoolExp, type OrderBy } from '../row-query.js';

/**
 * The typed row query (`rows(where, orderBy, columns)`) as a MongoDB filter, sort and projection.
 * Pure: no I/O. Every user value lands in an operand position (`$eq`, `$in`, `$gt`…), where MongoDB
 * reads it as a literal, and every key of the filter is either one of the operators written here or
 * a field name checked against `knownFields`. Nothing the caller sends can become an operator,
 * `$where` or server-side JavaScript.
 *
 * Semantics (the same answers the SQL engines give, as far as a schemaless store allows):
 * - Comparisons never match a null or missing field: `_eq`, `_gt`… as in SQL, and `_neq`/`_nin`
 *   too (`{ $nin: [value, null] }`), so `_neq: 'x'` does not return documents without the field.
 * - `_is_null: true` matches a field that is null or missing; `_is_null: false` one that is present
 *   and not null. Comparing with null (`_eq: null`) is refused: it means nothing in SQL; say `_is_null`.
 * - `_not` is `$nor`: "does not match". Unlike SQL's three-valued NOT, it does return documents where
 *   the field is null or missing (`_not: { age: { _gt: 30 } }` includes documents without `age`).
 *   In a store where a field may simply be absent, complement is the answer people expect; to leave
 *   those documents out, add `{ age: { _is_null: false } }`.
 * - `_like`/`_ilike`: SQL LIKE, anchored at both ends, `%` any run of characters (newlines too), `_`
 *   exactly one character (a code point, not a UTF-16 half), `\` escapes the next character. Every
 *   other character is literal. Only strings match.
 * - Values are compared as clients see them: a document's ObjectId is shown as its 24-digit hex
 *   string and a date as an ISO-8601 string, so such a string also matches the ObjectId or the date
 *   it spells (MongoDB compares values of different types as unequal, so adding the alternative
 *   never matches anything else).
 * - Empty `_and: []` is true and empty `_or: []` false (as Kysely compiles them).
 * - Fields holding arrays follow MongoDB: a comparison matches when any element matches.
 */

/** Deepest nesting of `_and`/`_or`/`_not` accepted (the top level counts as 1). */
export const MAX_FILTER_DEPTH = 16;
/** Longest `_like`/`_ilike` pattern, in characters. */
export const MAX_LIKE_PATTERN_LENGTH = 1_000;

const MATCH_ALL: Document = {};
/** `{}` matches every document, so `$nor` of it matches none. */
const MATCH_NOTHING: Document = { $nor: [{}] };

const OPERATOR_LIST = COMPARISON_OPERATORS.join(', ');
const REGEX_SYNTAX = new Set(['\\', '^', '$', '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '/']);
const OBJECT_ID_HEX = /^[0-9a-f]{24}$/i;
/** A date, or a date and time with a zone (a zone-less time would depend on this server's zone). */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i;
/** BSON values a trusted caller may pass as literals (they are never operators). */
const LITERAL_BSON_TYPES = new Set(['ObjectId', 'ObjectID', 'Decimal128', 'Long', 'Int32', 'Double']);

export function toMongoFilter(where: BoolExp | undefined, knownFields: ReadonlySet<string>): Filter<Document> {
  if (where === undefined) return {};
  return translate(where, knownFields, 1);
}

/**
 * `[[field, 1 | -1], …]`: a list, not an object, so a field named like an integer keeps its place.
 * When there is an order, `_id` is added last as a tie-breaker so that offset paging is stable.
 * Note MongoDB sorts null and missing values first in ascending order (PostgreSQL sorts them last).
 */
export function toMongoSort(orderBy: readonly OrderBy[] | undefined, knownFields: ReadonlySet<string>): [string, SortDirection][] | undefined {
  if (orderBy === undefined || orderBy.length === 0) return undefined;
  const sort: [string, SortDirection][] = [];
  for (const entry of orderBy) {
    const column = checkField(entry.column, knownFields, 'orderBy');
    if (entry.direction !== 'ASC' && entry.direction !== 'DESC') {
      throw bad(`orderBy on "${column}" needs the direction ASC or DESC.`, column);
    }
    if (sort.some(([field]) => field === column)) throw bad(`orderBy names "${column}" twice.`, column);
    sort.push([column, entry.direction === 'ASC' ? 1 : -1]);
  }
  if (!sort.some(([field]) => field === '_id')) sort.push(['_id', 1]);
  return sort;
}

/**
 * `{ field: 1, …, _id: 0 }`. `_id` is returned only when asked for. A path under another requested
 * path (`address.city` with `address`) is dropped: MongoDB refuses the pair, and the parent holds it.
 */
export function toMongoProjection(columns: readonly string[], knownFields: ReadonlySet<string>): Document {
  if (columns.length === 0) throw bad('Ask for at least one column.');
  const fields = [...new Set(columns.map((column) => checkField(column, knownFields, 'columns')))];
  const kept = fields.filter((field) => !fields.some((other) => field.startsWith(`${other}.`)));
  const entries: [string, 0 | 1][] = kept.map((field) => [field, 1]);
  if (!kept.some((field) => field === '_id' || field.startsWith('_id.'))) entries.push(['_id', 0]);
  return Object.fromEntries(entries) as Document;
}

/**
 * The field names a where-expression mentions, read leniently (toMongoFilter judges the shape). For a
 * caller that has already decided which fields the query may use and wants only the name checks.
 */
export function fieldsOf(where: BoolExp | undefined): Set<string> {
  const fields = new Set<string>();
  const visit = (exp: unknown, depth: number): void => {
    if (depth > MAX_FILTER_DEPTH || !isPlainObject(exp)) return;
    for (const [key, value] of Object.entries(exp)) {
      if (key === '_and' || key === '_or') {
        if (Array.isArray(value)) for (const item of value) visit(item, depth + 1);
      } else if (key === '_not') {
        visit(value, depth + 1);
      } else {
        fields.add(key);
      }
    }
  };
  visit(where, 1);
  return fields;
}

/**
 * SQL LIKE as an anchored regular expression that means the same to JavaScript (mingo) and to
 * MongoDB's PCRE: `[\s\S]` instead of `.` plus the `s` flag (the Node driver drops `s` when it encodes
 * a RegExp), and `(?![\s\S])` instead of `$` (PCRE's `$` also matches before a final newline).
 * The `u` flag makes `_` one code point in JavaScript; MongoDB matches code points anyway.
 */
export function likeToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  if (pattern.length > MAX_LIKE_PATTERN_LENGTH) {
    throw bad(`A LIKE pattern may be at most ${MAX_LIKE_PATTERN_LENGTH} characters long.`);
  }
  let source = '^';
  let escaped = false;
  let afterPercent = false;
  for (const char of pattern) {
    if (!escaped && char === '\\') {
      escaped = true;
      continue;
    }
    if (!escaped && char === '%') {
      // A run of % means the same as one, and one [\s\S]* backtracks far less than several.
      if (!afterPercent) source += '[\\s\\S]*';
      afterPercent = true;
      continue;
    }
    afterPercent = false;
    if (!escaped && char === '_') source += '[\\s\\S]';
    else source += literalChar(char);
    escaped = false;
  }
  if (escaped) source += '\\\\'; // a trailing backslash stands for itself
  source += '(?![\\s\\S])';
  return new RegExp(source, caseInsensitive ? 'iu' : 'u');
}

/** Throws BAD_USER_INPUT unless `name` is a known field that MongoDB reads as a plain path. */
export function checkField(name: unknown, knownFields: ReadonlySet<string>, where: string): string {
  if (typeof name !== 'string' || name.length === 0) throw bad(`${where}: a field name must be a non-empty string.`);
  const shown = JSON.stringify(name);
  if (name.startsWith('$')) throw bad(`${where}: field names may not start with "$" (got ${shown}).`, name);
  if (name.includes('$')) throw bad(`${where}: field names may not contain "$" (got ${shown}).`, name);
  if (name.includes('\0')) throw bad(`${where}: field names may not contain a NUL character.`, name);
  if (name.split('.').some((segment) => segment.length === 0)) throw bad(`${where}: ${shown} is not a valid field path.`, name);
  if (!knownFields.has(name)) throw bad(`${where}: this table has no field ${shown}.`, name);
  return name;
}

function translate(exp: unknown, knownFields: ReadonlySet<string>, depth: number): Document {
  if (depth > MAX_FILTER_DEPTH) {
    throw bad(`The filter nests _and/_or/_not more than ${MAX_FILTER_DEPTH} levels deep; flatten it.`);
  }
  if (!isPlainObject(exp)) throw bad('Each part of the filter must be an object such as { column: { _eq: value } }.');
  const clauses: Document[] = [];
  for (const [key, value] of Object.entries(exp)) {
    if (value === undefined) continue;
    if (key === '_and' || key === '_or') {
      if (!Array.isArray(value)) throw bad(`${key} takes a list of filters.`);
      const parts = value.map((part: unknown) => translate(part, knownFields, depth + 1));
      clauses.push(key === '_and' ? all(parts) : any(parts));
    } else if (key === '_not') {
      clauses.push({ $nor: [translate(value, knownFields, depth + 1)] });
    } else {
      clauses.push(...compare(checkField(key, knownFields, 'where'), value));
    }
  }
  return all(clauses);
}

function all(clauses: Document[]): Document {
  const needed = clauses.filter((clause) => Object.keys(clause).length > 0);
  if (needed.length === 0) return MATCH_ALL;
  return needed.length === 1 ? (needed[0] as Document) : { $and: needed };
}

function any(clauses: Document[]): Document {
  if (clauses.length === 0) return MATCH_NOTHING;
  if (clauses.some((clause) => Object.keys(clause).length === 0)) return MATCH_ALL;
  return clauses.length === 1 ? (clauses[0] as Document) : { $or: clauses };
}

/** One clause per operator (several operators on one field are ANDed). */
function compare(field: string, comparison: unknown): Document[] {
  if (!isPlainObject(comparison)) {
    throw bad(`The condition on "${field}" must be an object of operators such as { _eq: value }.`, field);
  }
  const on = (condition: Document): Document => Object.fromEntries([[field, condition]]) as Document;
  const clauses: Document[] = [];
  for (const [operator, operand] of Object.entries(comparison)) {
    if (operand === undefined) continue;
    switch (operator) {
      case '_eq': {
        const values = alternatives(literal(operand, field, operator));
        clauses.push(on(values.length === 1 ? { $eq: values[0] } : { $in: values }));
        break;
      }
      case '_neq':
        clauses.push(on({ $nin: [...alternatives(literal(operand, field, operator)), null] }));
        break;
      case '_gt':
      case '_gte':
      case '_lt':
      case '_lte': {
        const mongoOperator = `$${operator.slice(1)}`;
        const values = alternatives(literal(operand, field, operator));
        const each = values.map((value) => on(Object.fromEntries([[mongoOperator, value]]) as Document));
        clauses.push(any(each));
        break;
      }
      case '_in':
      case '_nin': {
        if (!Array.isArray(operand)) throw bad(`${operator} on "${field}" takes a list of values.`, field);
        const values = operand.flatMap((value: unknown) => alternatives(literal(value, field, operator)));
        clauses.push(on(operator === '_in' ? { $in: values } : { $nin: [...values, null] }));
        break;
      }
      case '_like':
      case '_ilike':
        if (typeof operand !== 'string') throw bad(`${operator} on "${field}" takes a string pattern.`, field);
        clauses.push(on({ $regex: likeToRegExp(operand, operator === '_ilike') }));
        break;
      case '_is_null':
        if (typeof operand !== 'boolean') throw bad(`_is_null on "${field}" takes true or false.`, field);
        // { $eq: null } matches a null and a missing field alike; { $ne: null } neither.
        clauses.push(on(operand ? { $eq: null } : { $ne: null }));
        break;
      default:
        throw bad(`Unknown operator ${JSON.stringify(operator)} on "${field}"; use one of ${OPERATOR_LIST}.`, field);
    }
  }
  return clauses;
}

/**
 * A value that MongoDB will read as data: strings, numbers, booleans, dates, a few BSON number and id
 * types, and arrays and plain objects of those (an object is compared whole, `$`-keys and all, because
 * it only ever sits under `$eq`, `$in`, `$nin` or a range operator). A RegExp is refused: inside `$in`
 * MongoDB would run it as a pattern.
 */
function literal(value: unknown, field: string, operator: string, depth = 0): unknown {
  if (value === null || value === undefined) {
    if (depth === 0) throw bad(`${operator} on "${field}" cannot compare with null; use _is_null instead.`, field);
    return null;
  }
  if (depth > MAX_FILTER_DEPTH) throw bad(`The value for ${operator} on "${field}" is nested too deeply.`, field);
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'bigint':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw bad(`${operator} on "${field}" needs a finite number.`, field);
      return value;
    case 'object':
      break;
    default:
      throw bad(`${operator} on "${field}" got a value that is not data.`, field);
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw bad(`${operator} on "${field}" got an invalid date.`, field);
    return value;
  }
  if (Array.isArray(value)) return value.map((item: unknown) => literal(item, field, operator, depth + 1));
  const bsonType = (value as { _bsontype?: unknown })._bsontype;
  if (typeof bsonType === 'string') {
    if (LITERAL_BSON_TYPES.has(bsonType)) return value;
    throw bad(`${operator} on "${field}" cannot compare with a ${bsonType} value.`, field);
  }
  if (!isPlainObject(value)) throw bad(`${operator} on "${field}" got a value that is not data.`, field);
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => {
      if (key.includes('\0')) throw bad(`The value for ${operator} on "${field}" has a key with a NUL character.`, field);
      return [key, literal(item, field, operator, depth + 1)];
    }),
  );
}

/** The value, plus the ObjectId or date a string spells (see the header). */
function alternatives(value: unknown): unknown[] {
  if (typeof value !== 'string') return [value];
  if (OBJECT_ID_HEX.test(value)) return [value, ObjectId.createFromHexString(value)];
  if (ISO_DATE.test(value)) {
    const time = Date.parse(value);
    if (!Number.isNaN(time)) return [value, new Date(time)];
  }
  return [value];
}

function literalChar(char: string): string {
  if (REGEX_SYNTAX.has(char)) return `\\${char}`;
  // A BSON regex is a C string: a NUL would cut it, so spell it as an escape.
  if (char === '\0') return '\\x00';
  return char;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function bad(message: string, field?: string): AppError {
  return new AppError(ErrorCode.BAD_USER_INPUT, message, field === undefined ? undefined : { field });
}
