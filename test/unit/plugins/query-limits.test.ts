import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DOCUMENT_LIMITS, documentTooLarge, queryLimitRules } from '../../../plugins/query-limits.js';

const schema = buildSchema(`
  type Query { me: Me, people(first: Int): PersonConnection }
  type Me { id: ID, friend: Me }
  type PersonConnection { edges: [PersonEdge] }
  type PersonEdge { node: Person }
  type Person { id: ID, name: String, friends(first: Int): PersonConnection }
`);

const messages = (document: string) => validate(schema, parse(document), queryLimitRules()).map((e) => e.message);

/** `count` fragments, each spreading the next one twice; the last selects one field. */
function doublingFragments(count: number): string {
  const fragments = Array.from({ length: count }, (_, i) =>
    i === count - 1 ? `fragment F${i} on Query { __typename }` : `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`,
  );
  return `{ ...F0 } ${fragments.join(' ')}`;
}

describe('the depth limit', () => {
  it('works out each fragment once: 22 fragments that each spread the next twice are checked at once', () => {
    // Walking every spread visits 2^21 fragments: seconds (minutes on a busy machine) unless each fragment's
    // depth and cost are remembered; a few more fragments and the event loop stalls for hours.
    const document = parse(doublingFragments(22));
    const started = performance.now();
    const errors = validate(schema, document, queryLimitRules()).map((e) => e.message);
    expect(performance.now() - started).toBeLessThan(1_000);
    // Not too deep; but it asks for __typename 2^21 times over, which is what its cost says.
    expect(errors).toEqual([
      'The query would cost 1402137664 (fields weighted by depth, lists by the page size asked for); the limit is 50000. Ask for fewer fields or smaller pages.',
    ]);
  });

  it('still counts the depth that fragments add, however many spreads name them', () => {
    let nested = '__typename';
    for (let i = 0; i < 13; i++) nested = `friend { ${nested} }`;
    const document = parse(`{ me { ...Deep } a: me { ...Deep } } fragment Deep on Me { ${nested} }`);
    expect(validate(schema, document, queryLimitRules()).map((e) => e.message)).toEqual(['The query is 15 levels deep; the limit is 12.']);
  });

  it('does not loop on fragments that spread each other (NoFragmentCycles reports those)', () => {
    const document = parse('{ me { ...A } } fragment A on Me { friend { ...B } } fragment B on Me { friend { ...A } }');
    expect(validate(schema, document, queryLimitRules())).toEqual([]);
  });

  it('counts introspection like any other query', () => {
    let nested = 'name';
    for (let i = 0; i < 10; i++) nested = `ofType { ${nested} }`;
    expect(messages(`{ __schema { types { fields { type { ${nested} } } } } }`)).toEqual(['The query is 15 levels deep; the limit is 12.']);
  });
});

describe('the alias limit', () => {
  const aliased = (n: number, field = 'id') => Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ');

  it('refuses the 31st alias, __typename included', () => {
    expect(messages(`{ me { ${aliased(30)} } }`)).toEqual([]);
    expect(messages(`{ me { ${aliased(31)} } }`)).toEqual(['The query uses 31 aliases; the limit is 30.']);
    expect(messages(`{ ${aliased(31, '__typename')} }`)).toEqual(['The query uses 31 aliases; the limit is 30.']);
  });

  it('counts a fragment’s aliases once per spread, as each spread asks for them again', () => {
    expect(messages(`{ me { ...F friend { ...F } } } fragment F on Me { ${aliased(10)} }`)).toEqual([]);
    expect(messages(`{ me { ...F friend { ...F friend { ...F friend { ...F } } } } } fragment F on Me { ${aliased(10)} }`)).toEqual([
      'The query uses 40 aliases; the limit is 30.',
    ]);
  });

  it('counts per operation: only one runs per request', () => {
    expect(messages(`query A { me { ${aliased(20)} } } query B { me { ${aliased(20)} } }`)).toEqual([]);
  });
});

describe('the cost limit', () => {
  it('lets a page of 200 with a few fields through, and refuses pages of pages', () => {
    expect(messages('{ people(first: 200) { edges { node { id name } } } }')).toEqual([]);
    // Inner node 2 + 1.5 + 1.5 = 5; its edges 2 + 1.5 × 5 = 9.5; friends (2 + 1.5 × 9.5) × 200 = 3250; outer node
    // 2 + 1.5 + 1.5 × 3250 = 4878.5; its edges 2 + 1.5 × 4878.5 = 7319.75; people (2 + 1.5 × 7319.75) × 200.
    expect(messages('{ people(first: 200) { edges { node { id friends(first: 200) { edges { node { id name } } } } } } }')).toEqual([
      'The query would cost 2196325 (fields weighted by depth, lists by the page size asked for); the limit is 50000. Ask for fewer fields or smaller pages.',
    ]);
  });
});

describe('the directive limit', () => {
  it('refuses the 51st directive', () => {
    const fields = (n: number) => Array.from({ length: n }, (_, i) => `a${i % 30}: id @include(if: true)`).join(' ');
    expect(messages(`{ me { ${fields(25)} } friend: me { ${fields(25)} } }`).filter((m) => m.includes('directives'))).toEqual([]);
    expect(messages(`{ me { ${Array.from({ length: 51 }, () => 'id @skip(if: false)').join(' ')} } }`)).toEqual(['The query uses 51 directives; the limit is 50.']);
  });
});

describe('documentTooLarge', () => {
  it('passes a document within both limits', () => {
    expect(documentTooLarge('{ me { id } }', DEFAULT_DOCUMENT_LIMITS)).toBeUndefined();
  });

  it('names the token limit for a document with more tokens, and stops counting there', () => {
    const many = `{ ${'id '.repeat(5_000)} }`;
    expect(documentTooLarge(many, { maxBytes: 1_000_000, maxTokens: 2_000 })).toEqual({
      message: 'The GraphQL document has more than 2000 tokens, the limit. Ask for fewer fields in one request, with values in variables.',
      limit: 2_000,
    });
  });

  it('names the byte limit for a longer document, counting UTF-8 bytes', () => {
    // 400 characters, 1,200 bytes.
    const wide = `# ${'€'.repeat(400)}\n{ me { id } }`;
    expect(documentTooLarge(wide, { maxBytes: 1_024, maxTokens: 2_000 })?.message).toMatch(/larger than 1024 bytes, the limit/);
    expect(documentTooLarge(wide, { maxBytes: 2_048, maxTokens: 2_000 })).toBeUndefined();
  });

  it('leaves a document the lexer cannot read to the parser', () => {
    expect(documentTooLarge('{ me { id } "unterminated', DEFAULT_DOCUMENT_LIMITS)).toBeUndefined();
  });
});
