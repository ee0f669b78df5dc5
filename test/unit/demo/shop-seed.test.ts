import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateShopData, SHOP_SIZES } from '../../../src/demo/shop-seed.js';
import { SHOP_COLUMNS } from '../../fixtures/shop-catalog.js';

const digest = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

describe('the demo shop data', () => {
  const data = generateShopData();

  it('is the same on every run', () => {
    expect(digest(generateShopData())).toBe(digest(data));
    expect(digest(generateShopData(7))).not.toBe(digest(data));
  });

  it('has a few thousand rows in every table the demo promises', () => {
    expect(data.customers).toHaveLength(SHOP_SIZES.customers);
    expect(data.products).toHaveLength(SHOP_SIZES.products);
    expect(data.orders).toHaveLength(SHOP_SIZES.orders);
    expect(data.order_items.length).toBeGreaterThan(SHOP_SIZES.orders);
    const total = Object.values(data).reduce((sum, rows) => sum + rows.length, 0);
    expect(total).toBeGreaterThan(5000);
  });

  it('keeps every foreign key and every order total consistent', () => {
    const ids = (rows: Record<string, unknown>[]) => new Set(rows.map((r) => r.id));
    const customers = ids(data.customers);
    const products = ids(data.products);
    const orders = ids(data.orders);
    expect(data.orders.every((o) => customers.has(o.customer_id))).toBe(true);
    expect(data.order_items.every((i) => orders.has(i.order_id) && products.has(i.product_id))).toBe(true);
    expect(data.reviews.every((r) => products.has(r.product_id) && customers.has(r.customer_id))).toBe(true);
    const sums = new Map<unknown, number>();
    for (const item of data.order_items) {
      const lineCents = Math.round(Math.round(Number(item.unit_price) * 100) * Number(item.quantity) * (1 - Number(item.discount)));
      sums.set(item.order_id, (sums.get(item.order_id) ?? 0) + lineCents);
    }
    const wrong = data.orders.filter((o) => Math.round(Number(o.total) * 100) !== sums.get(o.id));
    expect(wrong).toEqual([]);
  });

  it('has the columns the gate tests assume, in order', () => {
    for (const [table, columns] of Object.entries(SHOP_COLUMNS)) {
      expect(Object.keys(data[table as keyof typeof data][0] ?? {}), table).toEqual(columns);
    }
  });

  it('looks like a shop: unique emails, plausible statuses, orders after sign-up', () => {
    expect(new Set(data.customers.map((c) => c.email)).size).toBe(data.customers.length);
    const statuses = new Set(data.orders.map((o) => o.status));
    expect([...statuses].sort()).toEqual(['cancelled', 'delivered', 'paid', 'pending', 'refunded', 'shipped']);
    const joined = new Map(data.customers.map((c) => [c.id, Date.parse(c.created_at as string)]));
    expect(data.orders.every((o) => Date.parse(o.ordered_at as string) >= (joined.get(o.customer_id) ?? Infinity))).toBe(true);
  });
});
