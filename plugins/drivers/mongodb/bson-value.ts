import type { Binary, BSONRegExp, Code, DBRef, Long, Timestamp } from 'mongodb';

/**
 * BSON values as Warden reports them. Pure: works on what the Node driver deserialises, with or
 * without `promoteValues` (wrapper types such as Int32 and Double, or plain numbers).
 */

/** `_bsontype` tags → MongoDB's `$type` aliases. */
const TYPE_ALIASES: Readonly<Record<string, string>> = {
  ObjectId: 'objectId',
  ObjectID: 'objectId',
  Decimal128: 'decimal',
  Long: 'long',
  Int32: 'int',
  Double: 'double',
  Binary: 'binData',
  Timestamp: 'timestamp',
  BSONRegExp: 'regex',
  Code: 'javascript',
  BSONSymbol: 'symbol',
  MinKey: 'minKey',
  MaxKey: 'maxKey',
  DBRef: 'object',
};

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

/**
 * The `$type` alias of a value (`string`, `int`, `objectId`, `date`…). A plain JavaScript number is
 * named as the Node driver would store it: `int` when it is an integer in 32-bit range, else `double`.
 */
export function bsonTypeName(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX && !Object.is(value, -0) ? 'int' : 'double';
    case 'bigint':
      return 'long';
    case 'undefined':
      return 'undefined';
    case 'object':
      break;
    default:
      return 'javascript';
  }
  if (value instanceof Date) return 'date';
  if (value instanceof RegExp) return 'regex';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Uint8Array) return 'binData';
  const tag = bsonTag(value);
  if (tag === undefined) return 'object';
  if (tag === 'Code' && (value as Code).scope != null) return 'javascriptWithScope';
  return TYPE_ALIASES[tag] ?? tag.charAt(0).toLowerCase() + tag.slice(1);
}

/** A sub-document: a plain object that is not a BSON value (ObjectId, Decimal128, DBRef…). */
export function isSubDocument(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || bsonTag(value) !== undefined) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * A value fit for a JSON result: ObjectId → 24-digit hex, Decimal128 → its decimal string, Long →
 * a number when it fits in 53 bits and a string otherwise, UUID → its dashed hex, other binary →
 * base64, regex → `/pattern/flags`. Dates stay dates. Sub-documents and arrays are converted inside.
 */
export function toPlainValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    case 'object':
      break;
    default:
      return null;
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (Array.isArray(value)) return value.map(toPlainValue);
  if (value instanceof RegExp) return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  switch (bsonTag(value)) {
    case undefined:
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toPlainValue(item)]));
    case 'ObjectId':
    case 'ObjectID':
      return (value as { toHexString(): string }).toHexString();
    case 'Long': {
      const long = value as Long;
      const number = long.toNumber();
      return Number.isSafeInteger(number) ? number : long.toString();
    }
    case 'Int32':
    case 'Double':
      return toPlainValue((value as { valueOf(): number }).valueOf());
    case 'Binary': {
      const binary = value as Binary;
      if (binary.sub_type === 4 && binary.length() === 16) return binary.toUUID().toHexString(true);
      return binary.toString('base64');
    }
    case 'Timestamp': {
      const timestamp = value as Timestamp;
      return { t: timestamp.t, i: timestamp.i };
    }
    case 'BSONRegExp': {
      const regex = value as BSONRegExp;
      return `/${regex.pattern}/${regex.options}`;
    }
    case 'Code':
      return (value as Code).code;
    case 'DBRef': {
      const ref = value as DBRef;
      return { $ref: ref.collection, $id: toPlainValue(ref.oid), ...(ref.db ? { $db: ref.db } : {}) };
    }
    case 'MinKey':
    case 'MaxKey':
      return bsonTag(value);
    default:
      // Decimal128, BSONSymbol and anything newer print themselves faithfully.
      return String(value);
  }
}

/**
 * The value at a dotted path, reading through arrays as MongoDB does (`items.sku` of
 * `{ items: [{ sku: 1 }, { sku: 2 }] }` is `[1, 2]`). Undefined when the path is absent.
 */
export function valueAtPath(document: unknown, path: string): unknown {
  let current: unknown = document;
  for (const segment of path.split('.')) {
    current = step(current, segment);
    if (current === undefined) return undefined;
  }
  return current;
}

function step(value: unknown, segment: string): unknown {
  if (Array.isArray(value)) {
    const found = value.map((item: unknown) => step(item, segment)).filter((item) => item !== undefined);
    return found.length === 0 ? undefined : found;
  }
  if (!isSubDocument(value)) return undefined;
  return Object.hasOwn(value, segment) ? value[segment] : undefined;
}

function bsonTag(value: object): string | undefined {
  const tag = (value as { _bsontype?: unknown })._bsontype;
  return typeof tag === 'string' ? tag : undefined;
}
