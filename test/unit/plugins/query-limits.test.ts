import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DOCUMENT_LIMITS, documentTooLarge, queryLimitRules } from '../../../plugins/query-limits.js';

const schema = buildSchema('type Query { me: Me } type Me { id: ID, friend: Me }');

/** `count` fragments, each spreading the next one twice; the last selects one field. */
function doublingFragments(count: number): string {
  const fragments = Array.from({ length: count }, (_, i) =>
    i === count - 1 ? `fragment F${i} on Query { __typename }` : `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`,
  );
  return `{ ...F0 } ${fragments.join(' ')}`;
}

describe('the depth limit', () => {
  it('works out each fragment once: 22 fragments that each spread the next twice validate at once', () => {
    // Walking every spread visits 2^21 fragments: seconds (minutes on a busy machine) before each fragment's
    // depth was remembered; a few more fragments and the event loop stalls for hours.
    const document = parse(doublingFragments(22));
    const started = performance.now();
    expect(validate(schema, document, queryLimitRules())).toEqual([]);
    expect(performance.now() - started).toBeLessThan(1_000);
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
