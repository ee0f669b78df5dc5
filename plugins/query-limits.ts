import { GraphQLError, Kind, Lexer, Source, TokenKind, type ASTVisitor, type SelectionSetNode, type ValidationContext } from 'graphql';

export interface QueryLimits {
  /** Deepest nesting of selections allowed. */
  maxDepth: number;
  /** Most aliased fields in one document (aliases are how one request asks for the same costly field many times). */
  maxAliases: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = { maxDepth: 12, maxAliases: 30 };

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

/** Validation rules that refuse documents too deep or too aliased, before anything runs. */
export function queryLimitRules(limits: QueryLimits = DEFAULT_QUERY_LIMITS) {
  return [depthLimit(limits.maxDepth), aliasLimit(limits.maxAliases)];
}

function depthLimit(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map(context.getDocument().definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d]] : [])));
    // Each fragment's depth is worked out once, however many spreads name it: without this, fragments that
    // spread the next one twice make the walk exponential in their number. A fragment met again while its
    // own depth is being worked out is a cycle, which the NoFragmentCycles rule reports; it counts as 0 here.
    const fragmentDepths = new Map<string, number>();
    const depthOf = (set: SelectionSetNode): number => {
      let deepest = 0;
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) {
          deepest = Math.max(deepest, selection.selectionSet ? 1 + depthOf(selection.selectionSet) : 1);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          deepest = Math.max(deepest, depthOf(selection.selectionSet));
        } else {
          deepest = Math.max(deepest, fragmentDepth(selection.name.value));
        }
      }
      return deepest;
    };
    const fragmentDepth = (name: string): number => {
      const known = fragmentDepths.get(name);
      if (known !== undefined) return known;
      const fragment = fragments.get(name);
      if (!fragment) return 0;
      fragmentDepths.set(name, 0);
      const depth = depthOf(fragment.selectionSet);
      fragmentDepths.set(name, depth);
      return depth;
    };
    return {
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet);
        if (depth > maxDepth) {
          context.reportError(new GraphQLError(`The query is ${depth} levels deep; the limit is ${maxDepth}.`, { nodes: [node] }));
        }
      },
    };
  };
}

function aliasLimit(maxAliases: number) {
  return (context: ValidationContext): ASTVisitor => {
    let aliases = 0;
    return {
      Field(node) {
        if (node.alias) aliases += 1;
      },
      Document: {
        leave(node) {
          if (aliases > maxAliases) {
            context.reportError(new GraphQLError(`The query uses ${aliases} aliases; the limit is ${maxAliases}.`, { nodes: [node] }));
          }
        },
      },
    };
  };
}
