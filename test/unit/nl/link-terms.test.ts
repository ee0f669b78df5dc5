import { describe, expect, it } from 'vitest';
import { findCopies } from '../../../src/nl/link-copies.js';
import { matchExamples, matchTerms, tablesNamedIn } from '../../../src/nl/link-terms.js';
import type { LinkableTable, LinkableTerm } from '../../../src/nl/nl-types.js';

const table = (name: string, comment: string | null = null, schema = 'public'): LinkableTable => ({
  schema,
  name,
  comment,
  rowEstimate: null,
  columns: [{ name: 'id', dataType: 'integer', nullable: false, comment: null }],
  primaryKey: ['id'],
  foreignKeys: [],
});
const key = (schema: string, name: string) => `${schema}.${name}`;
const term = (name: string, synonyms: string[], examples: LinkableTerm['examples'] = []): LinkableTerm => ({
  term: name,
  synonyms,
  definition: '',
  links: [{ schema: 'public', table: 'customers' }],
  examples,
});

describe('matchTerms', () => {
  it('matches a term or a synonym by its stemmed words in order, stop-words included', () => {
    const terms = [term('sign-up', ['signed up', 'registered']), term('churn', ['churned'])];
    expect(matchTerms('How many customers signed up in May?', terms).map((h) => [h.term.term, h.stems])).toEqual([['sign-up', ['sign']]]);
    expect(matchTerms('registrations per day', terms)).toEqual([]);
    expect(matchTerms('who signed the contract up front', terms)).toEqual([]);
    expect(matchTerms('Churned customers', terms).map((h) => h.term.term)).toEqual(['churn']);
  });
});

describe('matchExamples', () => {
  const tables = [table('orders'), table('customers'), table('Order Lines', null, 'Sales')];
  it('keeps examples whose question shares at least half its words with this one, closest first', () => {
    const terms = [
      term('revenue', [], [
        { question: 'Revenue per month', sql: 'select 1 from orders' },
        { question: 'Revenue per month and country of customers', sql: 'select 1 from orders join customers on true' },
        { question: 'Top products', sql: 'select 1' },
      ]),
    ];
    const hits = matchExamples('revenue per month in 2025', terms, tables, key);
    expect(hits.map((h) => [h.example.question, Math.round(h.similarity * 100) / 100])).toEqual([
      ['Revenue per month', 0.8],
      ['Revenue per month and country of customers', 0.57],
    ]);
    expect(hits.map((h) => h.tables)).toEqual([['public.orders'], ['public.orders', 'public.customers']]);
  });
});

describe('tablesNamedIn', () => {
  it('finds the given tables a statement names, bare, qualified or quoted, and no others', () => {
    const tables = [table('orders'), table('customers'), table('Order Lines', null, 'Sales')];
    expect(tablesNamedIn('SELECT * FROM public.Orders o JOIN "Sales"."Order Lines" l ON true JOIN secrets s ON true', tables, key)).toEqual([
      'public.orders',
      'Sales.Order Lines',
    ]);
  });
});

describe('findCopies', () => {
  it('finds copies by prefix, suffix or comment, only of a table that is there, with the words that name them', () => {
    const tables = [
      table('customers'),
      table('bak_customers'),
      table('customers_2019'),
      table('customers_v2'),
      table('people', 'Deprecated: do not use.'),
      table('tmp_things'),
      table('events_2023'),
    ];
    const copies = findCopies(tables, (t) => t.name);
    expect([...copies.keys()].sort()).toEqual(['bak_customers', 'customers_2019', 'customers_v2', 'people']);
    expect([...(copies.get('bak_customers')?.words ?? [])].sort()).toEqual(['backup', 'bak']);
    expect(copies.get('customers_2019')?.words.has('2019')).toBe(true);
    expect(copies.get('people')?.words.has('not')).toBe(false);
  });
});
