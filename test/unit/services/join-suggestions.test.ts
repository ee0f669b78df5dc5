import { describe, expect, it } from 'vitest';
import { nameForms, referenceStem, suggestJoins, typeFamily, type JoinableTable } from '../../../src/services/join-suggestions.js';

const col = (name: string, dataType = 'integer') => ({ name, position: 1, dataType, nullable: false, defaultValue: null, comment: null });
const table = (name: string, columns: [string, string?][], extra: Partial<JoinableTable> = {}): JoinableTable => ({
  schema: 'public',
  name,
  columns: columns.map(([n, t]) => col(n, t)),
  primaryKey: ['id'],
  foreignKeys: [],
  indexes: [],
  ...extra,
});

const customers = table('customers', [['id'], ['email', 'text']]);
const orders = table('orders', [['id'], ['customer_id']], {
  foreignKeys: [{ name: 'orders_customer', columns: ['customer_id'], referencedSchema: 'public', referencedTable: 'customers', referencedColumns: ['id'] }],
});
const categories = table('categories', [['id'], ['name', 'text']]);
const products = table('products', [['id'], ['category_id', 'bigint']]);
const reviews = table('reviews', [['id'], ['product_id'], ['customer_id']]);

describe('join suggestions', () => {
  it('names a declared foreign key first, with full confidence', () => {
    expect(suggestJoins([customers, orders], [customers, orders])).toEqual([
      expect.objectContaining({ fromTable: 'public.orders', toTable: 'public.customers', on: 'orders.customer_id = customers.id', evidence: 'FOREIGN_KEY', confidence: 1, via: null }),
    ]);
  });

  it('suggests a join from a column named after a table whose key has a compatible type', () => {
    const [join] = suggestJoins([products, categories], [products, categories]);
    expect(join).toMatchObject({ on: 'products.category_id = categories.id', evidence: 'NAME_AND_TYPE', confidence: 0.8 });
    expect(join!.reason).toContain('both integer');
    const textKey = table('categories', [['id', 'uuid'], ['name', 'text']]);
    expect(suggestJoins([products, textKey], [products, textKey])).toEqual([]);
  });

  it('bridges two tables through one other visible table, and only through a visible one', () => {
    const bridged = suggestJoins([customers, products], [customers, products, reviews]);
    expect(bridged.map((j) => [j.on, j.via])).toEqual([
      ['reviews.customer_id = customers.id', 'public.reviews'],
      ['reviews.product_id = products.id', 'public.reviews'],
    ]);
    expect(suggestJoins([customers, products], [customers, products])).toEqual([]);
  });

  it('needs no bridge between tables already connected through the ones asked about', () => {
    const items = table('order_items', [['id'], ['order_id'], ['product_id']]);
    const joins = suggestJoins([customers, orders, items, products], [customers, orders, items, products, reviews]);
    expect(joins.every((j) => j.via === null)).toBe(true);
  });

  it('does not name a foreign key whose target column is hidden', () => {
    const narrowed = table('customers', [['email', 'text']], { primaryKey: ['id'] });
    expect(suggestJoins([orders, narrowed], [orders, narrowed])).toEqual([]);
  });

  it('reads reference names and table names in their usual forms', () => {
    expect(['customer_id', 'customerId', 'customer_fk', 'id', 'paid'].map(referenceStem)).toEqual(['customer', 'customer', 'customer', undefined, undefined]);
    expect([...nameForms('categories')]).toEqual(['categories', 'category']);
    expect([...nameForms('boxes')]).toEqual(['boxes', 'box']);
    expect([...nameForms('address')]).toEqual(['address']);
    expect(['int4', 'bigint', 'numeric(10,2)', 'varchar(20)', 'uuid', 'objectId|null'].map(typeFamily)).toEqual(['integer', 'integer', 'decimal', 'text', 'uuid', 'objectId']);
  });
});
