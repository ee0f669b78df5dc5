import {
  Binary,
  BSONRegExp,
  Code,
  DBRef,
  Decimal128,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
  UUID,
  type Document,
} from 'mongodb';
import { describe, expect, it } from 'vitest';
import { bsonTypeName, toPlainValue, valueAtPath } from '../../../plugins/drivers/mongodb/bson-value.js';
import { MAX_INFERENCE_DEPTH, MAX_INFERRED_COLUMNS, inferColumns } from '../../../plugins/drivers/mongodb/infer-fields.js';
import { toCatalogIndex } from '../../../plugins/drivers/mongodb/mongodb-introspector.js';

const id = (n: number): ObjectId => ObjectId.createFromHexString(`65f0a1b2c3d4e5f6${String(n).padStart(8, '0')}`);

const orders: Document[] = [
  {
    _id: id(1),
    number: 1001,
    placed: new Date('2024-03-01T10:00:00Z'),
    total: Decimal128.fromString('129.90'),
    customer: { name: 'Ada', email: 'ada@example.com', address: { city: 'London', geo: { lat: 51.5, lng: -0.1 } } },
    items: [{ sku: 'A-1', qty: 2 }],
    paid: true,
    views: Long.fromString('9007199254740993'),
  },
  {
    _id: id(2),
    number: 1002,
    placed: new Date('2024-03-02T11:00:00Z'),
    total: Decimal128.fromString('15.00'),
    customer: { name: 'Grace', email: null, address: { city: 'New York' } },
    items: [],
    paid: false,
    coupon: 'SPRING',
  },
  {
    number: 'legacy-7',
    _id: id(3),
    placed: null,
    total: 12.5,
    customer: null,
    paid: true,
    views: new Int32(4),
  },
];

const byName = (columns: ReturnType<typeof inferColumns>) => Object.fromEntries(columns.map((column) => [column.name, column]));

describe('inferColumns', () => {
  const columns = inferColumns(orders);
  const column = byName(columns);

  it('lists top-level fields and dotted paths into sub-documents, _id first, by first appearance', () => {
    expect(columns.map((c) => c.name)).toEqual([
      '_id',
      'number',
      'placed',
      'total',
      'customer',
      'customer.name',
      'customer.email',
      'customer.address',
      'customer.address.city',
      'customer.address.geo',
      'items',
      'paid',
      'views',
      'coupon',
    ]);
    expect(columns.map((c) => c.position)).toEqual(columns.map((_, i) => i + 1));
  });

  it('names the BSON types seen with MongoDB $type aliases, sorted and joined with |', () => {
    expect(column['_id']?.dataType).toBe('objectId');
    expect(column['number']?.dataType).toBe('int|string');
    expect(column['placed']?.dataType).toBe('date|null');
    expect(column['total']?.dataType).toBe('decimal|double');
    expect(column['customer']?.dataType).toBe('null|object');
    expect(column['customer.email']?.dataType).toBe('null|string');
    expect(column['items']?.dataType).toBe('array');
    expect(column['paid']?.dataType).toBe('bool');
    expect(column['views']?.dataType).toBe('int|long');
    expect(column['coupon']?.dataType).toBe('string');
  });

  it('marks a field nullable when it was null or missing in some document', () => {
    expect(column['_id']?.nullable).toBe(false);
    expect(column['number']?.nullable).toBe(false);
    expect(column['paid']?.nullable).toBe(false);
    expect(column['placed']?.nullable).toBe(true); // null once
    expect(column['coupon']?.nullable).toBe(true); // missing twice
    expect(column['customer.name']?.nullable).toBe(true); // its parent is null once
    expect(column['customer.address.city']?.nullable).toBe(true);
  });

  it(`stops at ${MAX_INFERENCE_DEPTH} levels: a deeper sub-document is one object column`, () => {
    expect(column['customer.address.geo']?.dataType).toBe('object');
    expect(column['customer.address.geo.lat']).toBeUndefined();
    expect(columns.every((c) => c.name.split('.').length <= MAX_INFERENCE_DEPTH)).toBe(true);
  });

  it('does not descend into arrays', () => {
    expect(columns.some((c) => c.name.startsWith('items.'))).toBe(false);
  });

  it('has no default or comment', () => {
    expect(columns.every((c) => c.defaultValue === null && c.comment === null)).toBe(true);
  });

  it('tells int, long and double apart when the driver keeps BSON wrappers (promoteValues: false)', () => {
    const wrapped = byName(inferColumns([{ _id: 1, a: new Int32(1), b: new Double(1), c: Long.fromNumber(1) }]));
    expect([wrapped['a']?.dataType, wrapped['b']?.dataType, wrapped['c']?.dataType]).toEqual(['int', 'double', 'long']);
    const plain = byName(inferColumns([{ _id: 1, a: 1, b: 1.5, c: 2 ** 40 }]));
    expect([plain['a']?.dataType, plain['b']?.dataType, plain['c']?.dataType]).toEqual(['int', 'double', 'double']);
  });

  it('leaves out keys a row query cannot name', () => {
    const names = inferColumns([{ _id: 1, 'a.b': 1, $weird: 2, 'price$': 3, '': 4, ok: { 'x.y': 1, z: 2 } }]).map((c) => c.name);
    expect(names).toEqual(['_id', 'ok', 'ok.z']);
  });

  it('puts _id first even when documents list it late, and handles no documents', () => {
    expect(inferColumns([{ a: 1, _id: 'x' }]).map((c) => c.name)).toEqual(['_id', 'a']);
    expect(inferColumns([])).toEqual([]);
  });

  it(`reports at most ${MAX_INFERRED_COLUMNS} columns for map-like documents`, () => {
    const wide = Object.fromEntries(Array.from({ length: MAX_INFERRED_COLUMNS + 50 }, (_, i) => [`k${i}`, i]));
    expect(inferColumns([{ _id: 1, ...wide }])).toHaveLength(MAX_INFERRED_COLUMNS);
  });
});

describe('bsonTypeName', () => {
  it.each([
    [null, 'null'],
    ['s', 'string'],
    [true, 'bool'],
    [42, 'int'],
    [2 ** 31, 'double'],
    [-0, 'double'],
    [1.5, 'double'],
    [10n, 'long'],
    [new Date(0), 'date'],
    [/x/, 'regex'],
    [[1], 'array'],
    [{ a: 1 }, 'object'],
    [new ObjectId(), 'objectId'],
    [Decimal128.fromString('1.1'), 'decimal'],
    [Long.fromNumber(5), 'long'],
    [new Int32(5), 'int'],
    [new Double(5), 'double'],
    [new Binary(Buffer.from('hi')), 'binData'],
    [new UUID(), 'binData'],
    [new Timestamp({ t: 1, i: 2 }), 'timestamp'],
    [new BSONRegExp('x', 'i'), 'regex'],
    [new Code('f()'), 'javascript'],
    [new Code('f()', { a: 1 }), 'javascriptWithScope'],
    [new MinKey(), 'minKey'],
    [new MaxKey(), 'maxKey'],
    [new DBRef('users', new ObjectId()), 'object'],
  ])('%s is %s', (value, name) => {
    expect(bsonTypeName(value)).toBe(name);
  });
});

describe('toPlainValue', () => {
  it('turns BSON values into JSON-friendly ones and keeps dates', () => {
    const when = new Date('2024-03-01T10:00:00Z');
    const uuid = new UUID('0f8fad5b-d9cb-469f-a165-70867728950e');
    expect(
      toPlainValue({
        _id: id(1),
        total: Decimal128.fromString('129.90'),
        small: Long.fromNumber(42),
        big: Long.fromString('9007199254740993'),
        int: new Int32(7),
        double: new Double(2.5),
        when,
        uuid,
        bytes: new Binary(Buffer.from('hi')),
        ts: new Timestamp({ t: 100, i: 3 }),
        re: new BSONRegExp('^a', 'i'),
        nested: [{ ref: id(2) }, null],
        missing: undefined,
        nan: Number.NaN,
      }),
    ).toEqual({
      _id: id(1).toHexString(),
      total: '129.90',
      small: 42,
      big: '9007199254740993',
      int: 7,
      double: 2.5,
      when,
      uuid: '0f8fad5b-d9cb-469f-a165-70867728950e',
      bytes: 'aGk=',
      ts: { t: 100, i: 3 },
      re: '/^a/i',
      nested: [{ ref: id(2).toHexString() }, null],
      missing: null,
      nan: 'NaN',
    });
  });
});

describe('valueAtPath', () => {
  it('reads dotted paths, through arrays as MongoDB does', () => {
    const order = orders[0] as Document;
    expect(valueAtPath(order, 'customer.address.city')).toBe('London');
    expect(valueAtPath(order, 'items.sku')).toEqual(['A-1']);
    expect(valueAtPath(order, 'customer.phone')).toBeUndefined();
    expect(valueAtPath(orders[2], 'customer.name')).toBeUndefined();
    expect(valueAtPath(order, 'total.bytes')).toBeUndefined(); // not into BSON values
  });
});

describe('toCatalogIndex', () => {
  it('reads the _id index as primary, compound and unique indexes, and text indexes by their weights', () => {
    expect(toCatalogIndex({ v: 2, key: { _id: 1 }, name: '_id_' })).toEqual({ name: '_id_', columns: ['_id'], unique: true, primary: true });
    expect(toCatalogIndex({ v: 2, key: { 'customer.email': 1, placed: -1 }, name: 'email_placed', unique: true })).toEqual({
      name: 'email_placed',
      columns: ['customer.email', 'placed'],
      unique: true,
      primary: false,
    });
    expect(toCatalogIndex({ v: 2, key: { _fts: 'text', _ftsx: 1 }, name: 'search', weights: { title: 1, body: 1 } })).toEqual({
      name: 'search',
      columns: ['title', 'body'],
      unique: false,
      primary: false,
    });
  });
});
