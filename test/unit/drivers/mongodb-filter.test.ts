import { find } from 'mingo';
import { BSON, BSONRegExp, Decimal128, ObjectId, type Document } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { inferColumns } from '../../../plugins/drivers/mongodb/infer-fields.js';
import {
  MAX_FILTER_DEPTH,
  fieldsOf,
  likeToRegExp,
  toMongoFilter,
  toMongoProjection,
  toMongoSort,
} from '../../../plugins/drivers/mongodb/mongo-filter.js';
import type { BoolExp, ColumnComparison } from '../../../plugins/drivers/row-query.js';
import { AppError, ErrorCode } from '../../../src/errors/app-error.js';

// ---------------------------------------------------------------------------------------------------
// Documents: customers with a last order, some fields missing, some null, nested sub-documents,
// strings full of regex metacharacters, unicode and newlines.

const oid = (n: number): ObjectId => ObjectId.createFromHexString(`65f0a1b2c3d4e5f6${n.toString(16).padStart(8, '0')}`);
const hex = (n: number): string => oid(n).toHexString();
const day = (iso: string): Date => new Date(iso);

const special: Document[] = [
  { name: 'Ada Lovelace', email: 'ada@example.com', age: 36, vip: true, tier: 'gold', joined: day('2019-03-01T00:00:00Z'),
    address: { city: 'London', zip: 'NW1 6XE', geo: { lat: 51.5 } }, orders: 12, referrer: oid(40) },
  { name: 'a.b*c(d)', email: 'meta@example.com', age: 41, tier: 'silver', address: { city: 'Zürich', zip: '8001' }, orders: 0 },
  { name: 'a_b%c', note: 'literal % and _', age: null, tier: null, orders: 3 },
  { name: 'aXbbbcd', age: 27, tier: 'bronze' },
  { name: 'line one\nline two', note: 'multi\nline\nnote', age: 29 },
  { name: 'Émile Zola', email: 'EMILE@EXAMPLE.COM', age: 62, vip: false, tier: 'bronze' },
  { name: 'émile zola', age: '62', tier: 'Bronze' },
  { name: '😀 Smile Co', age: 5.5, tier: 'gold' },
  { name: '^caret$ [bracket] {brace} a+b? pipe|or \\ back', age: 33 },
  { name: null, email: null, age: 50, address: null },
  { email: 'ghost@example.com', age: 19, address: { city: 'Paris' } },
  { name: 'Grace Hopper', age: 85, vip: true, tier: 'gold', joined: day('2015-06-30T12:00:00Z'),
    address: { city: 'New York', zip: '10001', geo: { lat: 40.7 } }, orders: 40, referrer: oid(1) },
  { name: '100% Organic', age: 0, orders: -1, tier: 'silver' },
  { name: '', age: 18, tier: '' },
  { name: 'Ωmega', tier: 'ΩMEGA' },
  { name: 'tab\there', note: 'percent%sign' },
  { name: 'Trailing newline\n', age: 44 },
  { name: 'Injected', meta: { $ne: null } },
  { name: 'String referrer', referrer: hex(1), joined: '2019-03-01T00:00:00.000Z' },
  { name: 'Decimal balance', balance: Decimal128.fromString('12.50'), age: 38 },
];

const CITIES = ['London', 'Paris', 'Berlin', 'Zürich', 'New York', 'São Paulo'];
const STATUSES = ['paid', 'shipped', 'cancelled', 'refunded'];
const FIRST = ['Alan', 'Barbara', 'Claude', 'Dorothy', 'Edsger', 'Frances', 'Gordon', 'Hedy'];

const generated: Document[] = Array.from({ length: 22 }, (_, i) => {
  const document: Document = { name: `${FIRST[i % FIRST.length]} ${i}` };
  if (i % 5 !== 0) document['email'] = `user${i}@${i % 2 === 0 ? 'example.com' : 'mail.test'}`;
  if (i % 7 !== 3) document['age'] = 18 + ((i * 13) % 60);
  if (i % 4 === 1) document['vip'] = i % 8 === 1;
  document['tier'] = i % 6 === 5 ? null : (['gold', 'silver', 'bronze'] as const)[i % 3];
  if (i % 3 !== 2) document['address'] = { city: CITIES[i % CITIES.length], ...(i % 2 === 0 ? { zip: `Z${i}` } : {}) };
  if (i % 4 !== 0) {
    document['lastOrder'] = {
      total: (i * 37) % 250,
      status: STATUSES[i % STATUSES.length],
      placed: day(`2024-0${1 + (i % 9)}-1${i % 10}T08:30:00Z`),
    };
  }
  if (i % 2 === 0) document['joined'] = day(`20${10 + (i % 14)}-0${1 + (i % 9)}-15T00:00:00Z`);
  document['orders'] = i % 9;
  return document;
});

const docs: Document[] = [...special, ...generated].map((document, i) => ({
  _id: oid(i + 1),
  code: `c${String(i + 1).padStart(2, '0')}`,
  ...document,
}));

const known = new Set(inferColumns(docs).map((column) => column.name));

// ---------------------------------------------------------------------------------------------------
// A reference evaluator of the intended semantics, written without regular expressions or MongoDB:
// comparisons never match null/missing; _is_null matches null or missing; _not is "does not match";
// values of different kinds are unequal and unordered; a document's ObjectId compares as its hex and
// its date as the instant an ISO-8601 string spells; LIKE with % _ and \ escapes, over code points.

type Scalar = number | string | boolean;

function valueAt(document: Document, path: string): unknown {
  let current: unknown = document;
  for (const segment of path.split('.')) {
    if (typeof current !== 'object' || current === null || current instanceof Date || current instanceof ObjectId) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** The pair to compare, or undefined when the document's value and the operand are of different kinds. */
function comparable(value: unknown, operand: unknown): [Scalar, Scalar] | undefined {
  if (operand === null || (typeof operand === 'object' && !(operand instanceof Date) && !(operand instanceof ObjectId))) {
    throw new Error('the reference evaluator only takes scalar operands');
  }
  if (typeof value === 'number' && typeof operand === 'number') return [value, operand];
  if (typeof value === 'string' && typeof operand === 'string') return [value, operand];
  if (typeof value === 'boolean' && typeof operand === 'boolean') return [Number(value), Number(operand)];
  if (value instanceof Date) {
    if (operand instanceof Date) return [value.getTime(), operand.getTime()];
    if (typeof operand === 'string' && /^\d{4}-\d{2}-\d{2}(T.*(Z|[+-]\d{2}:\d{2}))?$/.test(operand)) return [value.getTime(), Date.parse(operand)];
  }
  if (value instanceof ObjectId) {
    if (operand instanceof ObjectId) return [value.toHexString(), operand.toHexString()];
    if (typeof operand === 'string' && /^[0-9a-f]{24}$/i.test(operand)) return [value.toHexString(), operand.toLowerCase()];
  }
  return undefined;
}

const equal = (value: unknown, operand: unknown): boolean => {
  const pair = comparable(value, operand);
  return pair !== undefined && pair[0] === pair[1];
};

const ordered = (value: unknown, operand: unknown, test: (a: Scalar, b: Scalar) => boolean): boolean => {
  const pair = comparable(value, operand);
  return pair !== undefined && test(pair[0], pair[1]);
};

function like(value: string, pattern: string, caseInsensitive: boolean): boolean {
  type Token = { kind: 'any' } | { kind: 'one' } | { kind: 'char'; char: string };
  const fold = (char: string): string => (caseInsensitive ? char.toLowerCase() : char);
  const source = [...pattern];
  const tokens: Token[] = [];
  for (let i = 0; i < source.length; i++) {
    const char = source[i] as string;
    if (char === '\\') tokens.push({ kind: 'char', char: source[++i] ?? '\\' });
    else if (char === '%') tokens.push({ kind: 'any' });
    else if (char === '_') tokens.push({ kind: 'one' });
    else tokens.push({ kind: 'char', char });
  }
  const text = [...value];
  const memo = new Map<string, boolean>();
  const match = (t: number, p: number): boolean => {
    const key = `${t},${p}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    const token = tokens[p];
    if (token === undefined) result = t === text.length;
    else if (token.kind === 'any') result = match(t, p + 1) || (t < text.length && match(t + 1, p));
    else if (t >= text.length) result = false;
    else if (token.kind === 'one') result = match(t + 1, p + 1);
    else result = fold(text[t] as string) === fold(token.char) && match(t + 1, p + 1);
    memo.set(key, result);
    return result;
  };
  return match(0, 0);
}

function holds(value: unknown, operator: string, operand: unknown): boolean {
  const isNull = value === null || value === undefined;
  switch (operator) {
    case '_is_null':
      return isNull === operand;
    case '_eq':
      return !isNull && equal(value, operand);
    case '_neq':
      return !isNull && !equal(value, operand);
    case '_in':
      return !isNull && (operand as unknown[]).some((item) => equal(value, item));
    case '_nin':
      return !isNull && !(operand as unknown[]).some((item) => equal(value, item));
    case '_gt':
      return !isNull && ordered(value, operand, (a, b) => a > b);
    case '_gte':
      return !isNull && ordered(value, operand, (a, b) => a >= b);
    case '_lt':
      return !isNull && ordered(value, operand, (a, b) => a < b);
    case '_lte':
      return !isNull && ordered(value, operand, (a, b) => a <= b);
    case '_like':
      return typeof value === 'string' && like(value, operand as string, false);
    case '_ilike':
      return typeof value === 'string' && like(value, operand as string, true);
    default:
      throw new Error(`the reference evaluator has no ${operator}`);
  }
}

function reference(document: Document, exp: BoolExp): boolean {
  return Object.entries(exp).every(([key, value]) => {
    if (value === undefined) return true;
    if (key === '_and') return (value as BoolExp[]).every((part) => reference(document, part));
    if (key === '_or') return (value as BoolExp[]).some((part) => reference(document, part));
    if (key === '_not') return !reference(document, value as BoolExp);
    return Object.entries(value as ColumnComparison).every(([operator, operand]) => holds(valueAt(document, key), operator, operand));
  });
}

const codesOf = (documents: Document[]): string[] => documents.map((document) => document['code'] as string).sort();
const viaMingo = (exp: BoolExp | undefined): string[] => codesOf(find(docs, toMongoFilter(exp, known)).all() as Document[]);
const viaReference = (exp: BoolExp): string[] => codesOf(docs.filter((document) => reference(document, exp)));
const codeOfName = (name: unknown): string => docs.find((document) => document['name'] === name)?.['code'] as string;

/** Nests `inner` under `levels - 1` alternating _not/_and wrappers, so the whole has `levels` levels. */
function nested(levels: number, inner: BoolExp): BoolExp {
  let exp = inner;
  for (let level = 1; level < levels; level++) exp = level % 2 === 0 ? { _and: [exp] } : { _not: exp };
  return exp;
}

const CASES: [string, BoolExp][] = [
  ['empty filter', {}],
  ['_eq on a string', { name: { _eq: 'Ada Lovelace' } }],
  ['_eq on a string full of metacharacters', { name: { _eq: 'a.b*c(d)' } }],
  ['_eq on the empty string', { name: { _eq: '' } }],
  ['_eq on an int', { age: { _eq: 36 } }],
  ['_eq on a double', { age: { _eq: 5.5 } }],
  ['_eq on a bool', { vip: { _eq: true } }],
  ['_neq skips null and missing', { name: { _neq: 'Ada Lovelace' } }],
  ['_neq on a bool', { vip: { _neq: true } }],
  ['_neq on a number meets a string age', { age: { _neq: 62 } }],
  ['_gt', { age: { _gt: 40 } }],
  ['_gte', { age: { _gte: 41 } }],
  ['_lt', { age: { _lt: 20 } }],
  ['_lte', { age: { _lte: 18 } }],
  ['two operators on one field', { age: { _gt: 30, _lt: 60 } }],
  ['_gt on strings', { tier: { _gt: 'bronze' } }],
  ['_lt on strings with unicode', { name: { _lt: 'B' } }],
  ['_gte on a decimal', { balance: { _gte: 12.5 } }],
  ['_in', { tier: { _in: ['gold', 'silver'] } }],
  ['_in of mixed kinds', { age: { _in: [36, 62, '62'] } }],
  ['_in of nothing', { tier: { _in: [] } }],
  ['_nin skips null and missing', { tier: { _nin: ['gold'] } }],
  ['_nin of nothing is "present"', { tier: { _nin: [] } }],
  ['_like literal metacharacters', { name: { _like: 'a.b*c(d)' } }],
  ['_like underscore and percent', { name: { _like: 'a_b%' } }],
  ['_like escaped underscore and percent', { name: { _like: 'a\\_b\\%c' } }],
  ['_like suffix', { name: { _like: '%Zola' } }],
  ['_like is case-sensitive', { name: { _like: '%zola' } }],
  ['_ilike is not', { name: { _ilike: '%ZOLA' } }],
  ['_like leading underscore', { name: { _like: '_mile%' } }],
  ['_like % alone matches every string, empty included', { name: { _like: '%' } }],
  ['_like empty pattern', { name: { _like: '' } }],
  ['_like % spans newlines', { name: { _like: 'line%two' } }],
  ['_like _ matches a newline', { name: { _like: 'line one_line two' } }],
  ['_like anchors at the end, before a trailing newline too', { name: { _like: 'Trailing newline' } }],
  ['_like _ matches the trailing newline', { name: { _like: 'Trailing newline_' } }],
  ['_like _ is one code point, emoji included', { name: { _like: '_ Smile Co' } }],
  ['_like two _ are two code points', { name: { _like: '__ Smile Co' } }],
  ['_like anchors and brackets', { name: { _like: '^caret$ [bracket]%' } }],
  ['_like braces, plus, question mark, pipe', { name: { _like: '%{brace} a+b? pipe|or%' } }],
  ['_like escaped backslash', { name: { _like: '%\\\\ back' } }],
  ['_like a literal percent', { note: { _like: '%\\%%' } }],
  ['_like a dot is not a wildcard', { name: { _like: 'a.b%' } }],
  ['_like a tab', { name: { _like: 'tab_here' } }],
  ['_ilike Greek', { tier: { _ilike: 'ωmega' } }],
  ['_ilike accented', { name: { _ilike: 'ÉMILE%' } }],
  ['_like accented', { name: { _like: 'É%' } }],
  ['_ilike on email', { email: { _ilike: '%@EXAMPLE.COM' } }],
  ['_like on email', { email: { _like: '%@example.com' } }],
  ['_like on a number field matches only strings', { age: { _like: '6%' } }],
  ['_is_null true: null or missing', { name: { _is_null: true } }],
  ['_is_null false', { name: { _is_null: false } }],
  ['_is_null true on a numeric field', { age: { _is_null: true } }],
  ['_is_null on a null sub-document', { address: { _is_null: true } }],
  ['_is_null on a nested path', { 'address.city': { _is_null: true } }],
  ['_is_null false on a deep path', { 'address.geo.lat': { _is_null: false } }],
  ['_eq on a nested path', { 'address.city': { _eq: 'London' } }],
  ['_gte on a nested number', { 'lastOrder.total': { _gte: 100 } }],
  ['_in on a nested string', { 'lastOrder.status': { _in: ['shipped', 'paid'] } }],
  ['_gte on a date with an ISO date', { joined: { _gte: '2019-01-01' } }],
  ['_lt on a date with a Date', { joined: { _lt: day('2016-01-01T00:00:00Z') } }],
  ['_eq on a date or the same string', { joined: { _eq: '2019-03-01T00:00:00.000Z' } }],
  ['_gt on a nested date', { 'lastOrder.placed': { _gt: '2024-05-01T00:00:00Z' } }],
  ['_eq on _id as hex', { _id: { _eq: hex(3) } }],
  ['_eq on _id in capitals', { _id: { _eq: hex(3).toUpperCase() } }],
  ['_eq on ObjectId or string', { referrer: { _eq: hex(1) } }],
  ['_neq on ObjectId or string', { referrer: { _neq: hex(1) } }],
  ['_in on _id', { _id: { _in: [hex(1), hex(2), hex(30)] } }],
  ['_nin on _id', { _id: { _nin: [hex(1), hex(2)] } }],
  ['_eq on _id with an ObjectId', { _id: { _eq: oid(5) } }],
  ['several keys are ANDed', { tier: { _eq: 'gold' }, vip: { _eq: true } }],
  ['_or', { _or: [{ tier: { _eq: 'gold' } }, { age: { _lt: 20 } }] }],
  ['_and', { _and: [{ age: { _gte: 30 } }, { email: { _like: '%example.com' } }] }],
  ['_not includes null and missing', { _not: { tier: { _eq: 'gold' } } }],
  ['_not of a range', { _not: { age: { _gt: 30 } } }],
  ['_not of _not', { _not: { _not: { vip: { _eq: true } } } }],
  ['_not of _or', { _not: { _or: [{ tier: { _eq: 'gold' } }, { tier: { _is_null: true } }] } }],
  ['_not beside a field', { _not: { vip: { _eq: true } }, tier: { _eq: 'gold' } }],
  ['nested _and/_or/_not', {
    _and: [
      { _not: { name: { _is_null: true } } },
      { _or: [{ name: { _like: 'a%' } }, { name: { _ilike: 'é%' } }, { _and: [{ age: { _gte: 60 } }, { _not: { vip: { _eq: true } } }] }] },
    ],
  }],
  ['_or across nested paths', { _or: [{ 'address.city': { _eq: 'Paris' } }, { 'lastOrder.status': { _eq: 'refunded' } }] }],
  ['empty _and is true', { _and: [] }],
  ['empty _or is false', { _or: [] }],
  ['_not of nothing is false', { _not: {} }],
  ['_not of empty _or is true', { _not: { _or: [] } }],
  ['_or with an empty member is true', { _or: [{}, { tier: { _eq: 'gold' } }] }],
  ['an empty comparison is true', { name: {} }],
  [`${MAX_FILTER_DEPTH} levels deep`, nested(MAX_FILTER_DEPTH, { age: { _gt: 40 } })],
];

describe('toMongoFilter against a reference evaluator (mingo)', () => {
  it.each(CASES)('%s', (_name, exp) => {
    expect(viaMingo(exp)).toEqual(viaReference(exp));
  });

  it('is exercised by cases that select a proper, non-empty part of the documents', () => {
    const proper = CASES.filter(([, exp]) => {
      const count = viaReference(exp).length;
      return count > 0 && count < docs.length;
    });
    expect(docs.length).toBeGreaterThanOrEqual(40);
    expect(proper.length / CASES.length).toBeGreaterThan(0.8);
  });

  it('matches a metacharacter pattern only literally', () => {
    expect(viaMingo({ name: { _like: 'a.b*c(d)' } })).toEqual([codeOfName('a.b*c(d)')]);
    expect(viaMingo({ name: { _like: 'a%c(d)' } })).toEqual([codeOfName('a.b*c(d)')]);
  });

  it('treats _is_null true as null or missing, and _is_null false as neither', () => {
    const nullName = docs.filter((document) => document['name'] === null || !('name' in document));
    expect(nullName.length).toBe(2);
    expect(viaMingo({ name: { _is_null: true } })).toEqual(codesOf(nullName));
    expect(viaMingo({ name: { _is_null: false } }).length).toBe(docs.length - 2);
  });

  it('lets _not return documents where the field is missing, unlike SQL', () => {
    const withoutAge = codesOf(docs.filter((document) => document['age'] === undefined || document['age'] === null));
    expect(withoutAge.length).toBeGreaterThan(0);
    expect(viaMingo({ _not: { age: { _gt: 30 } } })).toEqual(expect.arrayContaining(withoutAge));
    expect(viaMingo({ age: { _lte: 30 } })).not.toEqual(expect.arrayContaining(withoutAge));
  });

  it('matches a 24-digit hex string against an ObjectId and the same string', () => {
    expect(viaMingo({ referrer: { _eq: hex(1) } })).toEqual([codeOfName('Grace Hopper'), codeOfName('String referrer')].sort());
  });
});

describe('toMongoFilter output', () => {
  it('writes _not as $nor', () => {
    expect(toMongoFilter({ _not: { age: { _gt: 30 } } }, known)).toEqual({ $nor: [{ age: { $gt: 30 } }] });
  });

  it('writes _is_null as $eq null and $ne null', () => {
    expect(toMongoFilter({ name: { _is_null: true } }, known)).toEqual({ name: { $eq: null } });
    expect(toMongoFilter({ name: { _is_null: false } }, known)).toEqual({ name: { $ne: null } });
  });

  it('writes _neq and _nin so that they skip null', () => {
    expect(toMongoFilter({ tier: { _neq: 'gold' } }, known)).toEqual({ tier: { $nin: ['gold', null] } });
    expect(toMongoFilter({ tier: { _nin: ['gold'] } }, known)).toEqual({ tier: { $nin: ['gold', null] } });
  });

  it('ANDs several keys and several operators', () => {
    expect(toMongoFilter({ age: { _gt: 1, _lt: 9 }, tier: { _eq: 'gold' } }, known)).toEqual({
      $and: [{ age: { $gt: 1 } }, { age: { $lt: 9 } }, { tier: { $eq: 'gold' } }],
    });
  });

  it('writes an empty _or as a filter that matches nothing', () => {
    expect(toMongoFilter({ _or: [] }, known)).toEqual({ $nor: [{}] });
    expect(toMongoFilter(undefined, known)).toEqual({});
  });

  it('writes LIKE as an anchored regular expression that PCRE reads the same way', () => {
    expect(likeToRegExp('a.b%c_d', false)).toEqual(/^a\.b[\s\S]*c[\s\S]d(?![\s\S])/u);
    expect(likeToRegExp('%%%x', true)).toEqual(/^[\s\S]*x(?![\s\S])/iu);
    expect(likeToRegExp('a\0b', false).source).not.toContain('\0');
    expect(likeToRegExp('a\0b', false).test('a\0b')).toBe(true);
    expect(likeToRegExp('ends with \\', false).test('ends with \\')).toBe(true);
  });

  it('encodes to BSON, each LIKE arriving as a pattern that needs no flag but i', () => {
    for (const [, exp] of CASES) expect(() => BSON.serialize(toMongoFilter(exp, known))).not.toThrow();
    const wire = BSON.deserialize(BSON.serialize(toMongoFilter({ name: { _ilike: 'a\0%' } }, known)), { bsonRegExp: true });
    expect(wire).toEqual({ name: { $regex: new BSONRegExp('^a\\x00[\\s\\S]*(?![\\s\\S])', 'i') } });
  });

  it('puts user values only where MongoDB reads literals', () => {
    const exps: BoolExp[] = [
      ...CASES.map(([, exp]) => exp),
      { name: { _eq: { $ne: null } } },
      { name: { _in: [{ $gt: '' }, '$where'] } },
      { name: { _like: '$where' } },
      { meta: { _eq: { $where: 'sleep(1000)' } } },
    ];
    for (const exp of exps) expectOnlyOurOperators(toMongoFilter(exp, known));
  });
});

/** Every `$` key is one the translator writes, and in the place it writes it. Operands are not walked: they are literals. */
function expectOnlyOurOperators(filter: Document): void {
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$and' || key === '$or' || key === '$nor') {
      expect(Array.isArray(value)).toBe(true);
      for (const part of value as Document[]) expectOnlyOurOperators(part);
      continue;
    }
    expect(key.startsWith('$')).toBe(false);
    expect(known.has(key)).toBe(true);
    for (const [operator, operand] of Object.entries(value as Document)) {
      expect(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$regex']).toContain(operator);
      if (operator === '$regex') expect(operand).toBeInstanceOf(RegExp);
      if (operator === '$in' || operator === '$nin') {
        expect(Array.isArray(operand)).toBe(true);
        for (const item of operand as unknown[]) expect(item).not.toBeInstanceOf(RegExp);
      }
    }
  }
}

describe('toMongoFilter refuses', () => {
  const refusals: [string, unknown, RegExp][] = [
    ['an unknown field', { nickname: { _eq: 'x' } }, /no field "nickname"/],
    ['$where at the top', { $where: 'sleep(1000)' }, /may not start with "\$"/],
    ['$where inside _or', { _or: [{ $where: 'sleep(1000)' }] }, /may not start with "\$"/],
    ['an operator as a field name', { $gt: 1 }, /may not start with "\$"/],
    ['$expr as a field name', { $expr: { _eq: 1 } }, /may not start with "\$"/],
    ['a $ inside a field name', { 'na$me': { _eq: 'x' } }, /may not contain "\$"/],
    ['a positional path', { 'address.$': { _eq: 'x' } }, /may not contain "\$"/],
    ['a NUL in a field name', { 'name\0': { _eq: 'x' } }, /NUL/],
    ['an empty path segment', { 'address..city': { _eq: 'x' } }, /not a valid field path/],
    ['an unknown operator', { name: { _regex: '.*' } }, /Unknown operator "_regex" on "name"/],
    ['a MongoDB operator in place of ours', { name: { $ne: null } }, /Unknown operator "\$ne" on "name"/],
    ['$where as an operator', { name: { $where: 'sleep(1)' } }, /Unknown operator "\$where"/],
    ['_in that is not a list', { tier: { _in: 'gold' } }, /_in on "tier" takes a list/],
    ['_nin that is not a list', { tier: { _nin: { $ne: 1 } } }, /_nin on "tier" takes a list/],
    ['_like that is not a string', { name: { _like: { $regex: '.*' } } }, /takes a string pattern/],
    ['_is_null that is not a boolean', { name: { _is_null: 'yes' } }, /takes true or false/],
    ['comparing with null', { name: { _eq: null } }, /use _is_null/],
    ['null inside _in', { tier: { _in: ['gold', null] } }, /use _is_null/],
    ['a RegExp value', { name: { _in: [/Ada/] } }, /not data/],
    ['a function value', { name: { _eq: () => 'x' } }, /not data/],
    ['a BSON code value', { name: { _eq: { _bsontype: 'Code', code: 'sleep(1)' } } }, /cannot compare with a Code value/],
    ['a comparison that is not an object', { name: 'Ada' }, /must be an object of operators/],
    ['a list as a filter', [{ name: { _eq: 'x' } }], /must be an object/],
    ['null as a filter', null, /must be an object/],
    ['_and that is not a list', { _and: { name: { _eq: 'x' } } }, /_and takes a list/],
    ['_or holding a string', { _or: ['name'] }, /must be an object/],
    ['too deep a nesting', nested(MAX_FILTER_DEPTH + 1, { age: { _gt: 40 } }), /more than 16 levels/],
    ['a too-long LIKE pattern', { name: { _like: 'x'.repeat(1_001) } }, /at most 1000 characters/],
    ['__proto__ from JSON', JSON.parse('{"__proto__": {"_eq": 1}}'), /no field "__proto__"/],
  ];

  it.each(refusals)('%s', (_name, exp, message) => {
    let thrown: unknown;
    try {
      toMongoFilter(exp as BoolExp, known);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect((thrown as AppError).code).toBe(ErrorCode.BAD_USER_INPUT);
    expect((thrown as AppError).message).toMatch(message);
  });
});

describe('toMongoFilter and operator injection', () => {
  it('compares { $ne: null } as a literal object, so it matches nothing here', () => {
    const exp = JSON.parse('{"name": {"_eq": {"$ne": null}}}') as BoolExp;
    expect(toMongoFilter(exp, known)).toEqual({ name: { $eq: { $ne: null } } });
    expect(viaMingo(exp)).toEqual([]);
    // Used as an operator it would have matched almost everything:
    expect(find(docs, { name: { $ne: null } }).all().length).toBeGreaterThan(30);
  });

  it('matches a document that holds that very object, proving it is compared as data', () => {
    expect(viaMingo({ meta: { _eq: { $ne: null } } })).toEqual([codeOfName('Injected')]);
  });

  it('keeps operator-shaped values literal inside _in, _nin and ranges', () => {
    expect(viaMingo({ name: { _in: [{ $gt: '' }] } })).toEqual([]);
    expect(viaMingo({ name: { _nin: [{ $gt: '' }] } }).length).toBe(docs.length - 2);
    expect(viaMingo({ name: { _gt: { $exists: true } } })).toEqual([]);
  });

  it('treats a regex-looking string as a plain string', () => {
    expect(viaMingo({ name: { _eq: '.*' } })).toEqual([]);
    expect(viaMingo({ name: { _like: '.*' } })).toEqual([]);
    expect(viaMingo({ name: { _ilike: '(?i).*' } })).toEqual([]);
  });
});

describe('fieldsOf', () => {
  it('lists the fields a filter mentions, at any depth', () => {
    expect([...fieldsOf({ name: { _eq: 'x' }, _or: [{ age: { _gt: 1 } }, { _not: { 'address.city': { _is_null: true } } }] })].sort()).toEqual([
      'address.city',
      'age',
      'name',
    ]);
    expect(fieldsOf(undefined).size).toBe(0);
  });
});

describe('toMongoProjection', () => {
  it('asks for the columns and leaves _id out unless asked for', () => {
    expect(toMongoProjection(['name', 'address.city'], known)).toEqual({ name: 1, 'address.city': 1, _id: 0 });
    expect(toMongoProjection(['_id', 'name'], known)).toEqual({ _id: 1, name: 1 });
  });

  it('drops a path already inside a requested sub-document, and duplicates', () => {
    expect(toMongoProjection(['address.city', 'address', 'name', 'name'], known)).toEqual({ address: 1, name: 1, _id: 0 });
  });

  it('returns just those fields through mingo', () => {
    const rows = find(docs, { code: 'c01' }, toMongoProjection(['name', 'address.city'], known)).all();
    expect(rows).toEqual([{ name: 'Ada Lovelace', address: { city: 'London' } }]);
  });

  it('refuses unknown, $-prefixed and missing columns', () => {
    expect(() => toMongoProjection(['password'], known)).toThrow(/no field "password"/);
    expect(() => toMongoProjection(['$where'], known)).toThrow(AppError);
    expect(() => toMongoProjection([], known)).toThrow(/at least one column/);
  });
});

describe('toMongoSort', () => {
  it('keeps the order given and ends with _id so that paging is stable', () => {
    expect(
      toMongoSort([{ column: 'tier', direction: 'ASC' }, { column: 'age', direction: 'DESC' }], known),
    ).toEqual([['tier', 1], ['age', -1], ['_id', 1]]);
    expect(toMongoSort([{ column: '_id', direction: 'DESC' }], known)).toEqual([['_id', -1]]);
    expect(toMongoSort(undefined, known)).toBeUndefined();
    expect(toMongoSort([], known)).toBeUndefined();
  });

  it('sorts through mingo', () => {
    const sort = toMongoSort([{ column: 'orders', direction: 'DESC' }], known) ?? [];
    const sorted = find(docs, { orders: { $gte: 10 } }).sort(Object.fromEntries(sort)).all();
    expect(sorted.map((document) => document['orders'])).toEqual([40, 12]);
  });

  it('refuses unknown columns, bad directions and repeats', () => {
    expect(() => toMongoSort([{ column: 'secret', direction: 'ASC' }], known)).toThrow(/no field "secret"/);
    expect(() => toMongoSort([{ column: 'age', direction: 'UP' as 'ASC' }], known)).toThrow(/ASC or DESC/);
    expect(() => toMongoSort([{ column: 'age', direction: 'ASC' }, { column: 'age', direction: 'DESC' }], known)).toThrow(/twice/);
  });
});
