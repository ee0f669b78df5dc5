import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../../src/errors/app-error.js';
import { isStoreUnavailable, storeUnavailable } from '../../../src/store/store-errors.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('store errors', () => {
  it('calls a refused, cut or timed-out connection, a shutting-down server and a closed PGlite unavailable', () => {
    for (const error of [
      withCode('connect ECONNREFUSED 10.0.0.5:5432', 'ECONNREFUSED'),
      withCode('read ECONNRESET', 'ECONNRESET'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      withCode('terminating connection due to administrator command', '57P01'),
      withCode('sorry, too many clients already', '53300'),
      withCode('connection failure', '08006'),
      new Error('PGlite is closed'),
      new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], ''),
    ]) {
      expect({ message: error.message, unavailable: isStoreUnavailable(error) }).toEqual({ message: error.message, unavailable: true });
    }
  });

  it('leaves errors about the statement itself alone: unique and foreign-key violations, bad input, our own errors', () => {
    for (const error of [
      withCode('duplicate key value violates unique constraint "agents_pkey"', '23505'),
      withCode('insert or update on table "grants" violates foreign key constraint', '23503'),
      withCode('invalid input syntax for type uuid', '22P02'),
      new AppError(ErrorCode.CONFLICT, 'exists'),
      'not an error',
    ]) {
      expect(isStoreUnavailable(error)).toBe(false);
    }
  });

  it('says what happened and to retry, without the address or the driver words', () => {
    const error = storeUnavailable(withCode('connect ECONNREFUSED 10.0.0.5:5432', 'ECONNREFUSED'));
    expect(error.code).toBe(ErrorCode.STORE_UNAVAILABLE);
    expect(error.details).toEqual({ retryable: true, retryAfterSeconds: 2 });
    expect(error.message).not.toMatch(/10\.0\.0\.5|5432|ECONNREFUSED/);
  });
});
