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
