import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../../src/errors/app-error.js';
import { formatError, INTERNAL_MESSAGE } from '../../../src/errors/format-error.js';

function asResolverError(original: Error): GraphQLError {
  return new GraphQLError(original.message, { path: ['x'], originalError: original });
}

describe('formatError', () => {
  it('keeps an AppError’s code, message and details', () => {
    const error = new AppError(ErrorCode.FORBIDDEN, 'You may not read orders.', {
      denied: [{ resource: 'public.orders', needed: 'READ', reason: 'no grant' }],
    });
    const formatted = formatError({ message: error.message, path: ['x'] }, asResolverError(error));
    expect(formatted).toEqual({
      message: 'You may not read orders.',
      path: ['x'],
      extensions: { code: 'FORBIDDEN', denied: [{ resource: 'public.orders', needed: 'READ', reason: 'no grant' }] },
    });
  });

  it('masks anything else, whatever it says', () => {
    const leak = new Error('connect ECONNREFUSED 10.0.0.5:5432 password=hunter2');
    const formatted = formatError({ message: leak.message, extensions: { stacktrace: ['at x'] } }, asResolverError(leak));
    expect(formatted).toEqual({ message: INTERNAL_MESSAGE, extensions: { code: 'INTERNAL' } });
  });

  it('masks an AppError that is itself INTERNAL', () => {
    const error = new AppError(ErrorCode.INTERNAL, 'secret detail');
    expect(formatError({ message: 'secret detail' }, asResolverError(error)).message).toBe(INTERNAL_MESSAGE);
  });

  it('reports GraphQL request errors as BAD_USER_INPUT, with the original code as the reason', () => {
    const error = new GraphQLError('Syntax Error: Expected Name, found <EOF>.', { extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
    expect(formatError({ message: error.message, extensions: { code: 'GRAPHQL_PARSE_FAILED' } }, error)).toEqual({
      message: 'Syntax Error: Expected Name, found <EOF>.',
      extensions: { code: 'BAD_USER_INPUT', reason: 'GRAPHQL_PARSE_FAILED' },
    });
  });
});
