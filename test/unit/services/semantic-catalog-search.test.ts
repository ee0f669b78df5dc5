import { describe, expect, it } from 'vitest';
import { searchPage, searchScore } from '../../../src/services/semantic-catalog-search.js';

const term = (id: string, name: string, synonyms: string[], definition: string) => ({ id, term: name, synonyms, definition });

const TERMS = [
  term('trm_a', 'revenue', ['sales', 'turnover'], 'What customers paid for their orders.'),
  term('trm_b', 'buyers', ['shoppers'], 'Customers with at least one order.'),
  term('trm_c', 'signed up', ['registration'], 'When a customer created an account.'),
  term('trm_d', 'margin', [], 'Price less cost of a product.'),
  term('trm_e', 'churn', ['lost customers'], 'Customers who stopped buying.'),
];

describe('semantic catalog search', () => {
  it('ranks a match in the name above one in a synonym above one in the definition', () => {
    const items = [term('1', 'order', [], 'x'), term('2', 'x', ['order'], 'y'), term('3', 'y', [], 'one order')];
    expect(searchPage(items, 'order').edges.map((e) => e.node.id)).toEqual(['1', '2', '3']);
  });

  it('matches plural and verb forms through stems, below exact words', () => {
    expect(searchPage(TERMS, 'buyer').edges.map((e) => e.node.term)[0]).toBe('buyers');
    expect(searchScore('shopper', TERMS[1]!)).toBeGreaterThan(0);
    expect(searchScore('shoppers', TERMS[1]!)).toBeGreaterThan(searchScore('shopper', TERMS[1]!));
  });

  it('puts the term whose whole name or synonym is the query first, and leaves out terms with none of its words', () => {
    const found = searchPage(TERMS, 'lost customers').edges.map((e) => e.node.term);
    expect(found[0]).toBe('churn');
    expect(found).not.toContain('margin');
    expect(searchPage(TERMS, 'inventory').totalCount).toBe(0);
  });

  it('lists every term by name without a query, and pages on from a cursor', () => {
    const first = searchPage(TERMS, undefined, 2);
    expect(first.edges.map((e) => e.node.term)).toEqual(['buyers', 'churn']);
    expect(first.pageInfo.hasNextPage).toBe(true);
    expect(first.totalCount).toBe(5);
    const second = searchPage(TERMS, null, 2, first.pageInfo.endCursor);
    expect(second.edges.map((e) => e.node.term)).toEqual(['margin', 'revenue']);
    const last = searchPage(TERMS, null, 2, second.pageInfo.endCursor);
    expect(last.edges.map((e) => e.node.term)).toEqual(['signed up']);
    expect(last.pageInfo.hasNextPage).toBe(false);
  });

  it('pages a search in rank order, and refuses a cursor it did not make', () => {
    const all = searchPage(TERMS, 'customers').edges.map((e) => e.node.term);
    const one = searchPage(TERMS, 'customers', 1);
    const rest = searchPage(TERMS, 'customers', 10, one.pageInfo.endCursor);
    expect([...one.edges, ...rest.edges].map((e) => e.node.term)).toEqual(all);
    expect(() => searchPage(TERMS, null, 2, 'not-a-cursor')).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
  });
});
