import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, Lexer, Source, TokenKind, type ValidationContext, type ValidationRule } from 'graphql';

export interface QueryLimits {
  /** Deepest nesting of selections allowed (fragments add none of their own). */
  maxDepth: number;
  /** Most aliased fields in one operation (aliases are how one request asks for the same costly field many times). */
  maxAliases: number;
  /**
   * Highest cost of one operation, as graphql-armor reckons it: 1 a scalar field, 2 an object field,
   * each level down weighing 1.5 times the one above, and a list multiplied by a literal `first`/`last`.
   */
  maxCost: number;
  /** Most directives (`@include`, `@skip`…) in one operation. */
  maxDirectives: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = { maxDepth: 12, maxAliases: 30, maxCost: 50_000, maxDirectives: 50 };

export interface DocumentLimits {
  /** Longest document, in bytes (UTF-8). */
  maxBytes: number;
  /** Most lexical tokens (names, punctuation, values) in one document. */
  maxTokens: number;
}

export const DEFAULT_DOCUMENT_LIMITS: DocumentLimits = { maxBytes: 102_400, maxTokens: 2_000 };

/**
 * Why a document is too large to parse, or undefined when it is not. Checked before parsing (and so before
 * validation, where the cost of a large document grows faster than its size): the bytes first, then the
 * tokens, counted by graphql-js's own lexer and given up on at the first one over the limit. A document
 * the lexer cannot read is left to the parser, which says where.
 */
export function documentTooLarge(query: string, limits: DocumentLimits): { message: string; limit: number } | undefined {
  // A UTF-8 character is at least one byte, so a short string is known to fit without counting.
  if (query.length > limits.maxBytes || (query.length * 3 > limits.maxBytes && Buffer.byteLength(query, 'utf8') > limits.maxBytes)) {
    return {
      message: `The GraphQL document is larger than ${limits.maxBytes} bytes, the limit. Send a smaller document, with values in variables.`,
      limit: limits.maxBytes,
    };
  }
  // Every token is at least one character: a document no longer than the token limit cannot exceed it.
  if (query.length <= limits.maxTokens) return undefined;
  const lexer = new Lexer(new Source(query));
  let tokens = 0;
  try {
    while (lexer.advance().kind !== TokenKind.EOF) {
      if (++tokens > limits.maxTokens) {
        return {
          message: `The GraphQL document has more than ${limits.maxTokens} tokens, the limit. Ask for fewer fields in one request, with values in variables.`,
          limit: limits.maxTokens,
        };
      }
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * Validation rules that refuse an operation too deep, too aliased, too costly or with too many directives,
 * before anything runs: graphql-armor's, with our own words for the refusal. graphql-armor's token limit
 * and its hiding of "Did you mean" are not used: documentTooLarge counts tokens before a document is
 * parsed at all, and the schema hints plugin decides who sees suggestions (admins do).
 */
export function queryLimitRules(limits: QueryLimits = DEFAULT_QUERY_LIMITS): ValidationRule[] {
  const armor = new ApolloArmor({
    blockFieldSuggestion: { enabled: false },
    maxTokens: { enabled: false },
    maxDepth: {
      n: limits.maxDepth,
      // An inline fragment or a spread is no level of its own; introspection is no exception.
      flattenFragments: true,
      ignoreIntrospection: false,
      ...refusedAs((limit, found) => `The query is ${found} levels deep; the limit is ${limit}.`),
    },
    maxAliases: {
      n: limits.maxAliases,
      // Every alias counts, __typename's too.
      allowList: [],
      ...refusedAs((limit, found) => `The query uses ${found} aliases; the limit is ${limit}.`),
    },
    costLimit: {
      maxCost: limits.maxCost,
      flattenFragments: true,
      ...refusedAs(
        (limit, found) =>
          `The query would cost ${found} (fields weighted by depth, lists by the page size asked for); the limit is ${limit}. Ask for fewer fields or smaller pages.`,
      ),
    },
    maxDirectives: {
      n: limits.maxDirectives,
      ...refusedAs((limit, found) => `The query uses ${found} directives; the limit is ${limit}.`),
    },
  });
  return armor.protect().validationRules;
}

/** A count as words show it: whole, and in powers of ten past a quadrillion (a cost can grow exponentially). */
function figureOf(value: number): string {
  return Number.isFinite(value) && value < 1e15 ? String(Math.ceil(value)) : value.toExponential(1);
}

/**
 * Reports a refusal in our words instead of graphql-armor's ("Syntax Error: Query depth limit of 12
 * exceeded, found 15."), reading the limit and the count from its message; a message not in that form
 * is passed on without its misleading "Syntax Error" prefix.
 */
function refusedAs(message: (limit: number, found: string) => string) {
  return {
    exposeLimits: true,
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) => {
        const figures = /limit of (\d+) exceeded, found (\S+?)\.?$/.exec(error.message);
        const found = Number(figures?.[2]);
        const text = figures && !Number.isNaN(found) ? message(Number(figures[1]), figureOf(found)) : error.message.replace(/^Syntax Error: /, '');
        context?.reportError(new GraphQLError(text));
      },
    ],
  };
}
