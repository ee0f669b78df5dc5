import { describe, expect, it } from 'vitest';
import type { LinkableTable } from '../../../src/nl/nl-types.js';
import { readableIndex, termVisible } from '../../../src/policy/catalog-term-visibility.js';

const table = (name: string, columns: string[]): LinkableTable => ({
  schema: 'public',
  name,
  comment: null,
  rowEstimate: null,
  columns: columns.map((c) => ({ name: c, dataType: 'text', nullable: true, comment: null })),
  primaryKey: [],
  foreignKeys: [],
});

/** Reads orders, and of customers only id and country. */
const READABLE = readableIndex([table('orders', ['id', 'customer_id', 'total']), table('customers', ['id', 'country'])]);
const reads = (t: string, columns: string[]) => ({ reads: [{ schema: 'public', table: t, columns }] });

describe('catalog term visibility', () => {
  it('shows a term whose links and example reads are all readable', () => {
    expect(termVisible({ links: [{ schema: 'public', table: 'orders' }, { schema: 'public', table: 'customers', column: 'country' }], examples: [reads('orders', ['total'])] }, READABLE)).toBe(true);
    expect(termVisible({ links: [], examples: [reads('orders', [])] }, READABLE)).toBe(true);
  });

  it('hides a term linking a table, or a column, the agent may not read', () => {
    expect(termVisible({ links: [{ schema: 'public', table: 'products' }], examples: [] }, READABLE)).toBe(false);
    expect(termVisible({ links: [{ schema: 'public', table: 'customers', column: 'email' }], examples: [] }, READABLE)).toBe(false);
    expect(termVisible({ links: [{ schema: 'other', table: 'orders' }], examples: [] }, READABLE)).toBe(false);
  });

  it('hides a term one of whose examples reads a column or table out of reach', () => {
    expect(termVisible({ links: [{ schema: 'public', table: 'orders' }], examples: [reads('orders', ['total']), reads('customers', ['id', 'email'])] }, READABLE)).toBe(false);
    expect(termVisible({ links: [], examples: [reads('products', [])] }, READABLE)).toBe(false);
  });
});
