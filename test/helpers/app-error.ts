import { expect } from 'vitest';
import { AppError } from '../../src/errors/app-error.js';

/** The AppError a call fails with; the test fails when it does not fail, or fails with something else. */
export async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected the call to fail');
}

/** The AppError a synchronous call throws; anything else thrown is rethrown, and not throwing fails. */
export function refusal(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected the call to throw an AppError');
}
