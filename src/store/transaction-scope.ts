import { AsyncLocalStorage } from 'node:async_hooks';
import type { Repositories } from './repositories/index.js';

/**
 * Work that must land in the same store transaction as a change made on behalf of a caller (its
 * audit record): the first transaction `Store.transaction` starts inside `runInTransactionScope` runs
 * `beforeCommit` with its own repositories just before it commits, then `afterCommit` once it has.
 * Later transactions in the same scope, and those of a scope that is over, are left alone.
 */
export interface TransactionScope {
  /** True once, for the transaction that takes part; false for every other. */
  claim(): boolean;
  beforeCommit(repos: Repositories): Promise<void>;
  afterCommit(): void;
}

const current = new AsyncLocalStorage<TransactionScope>();

export function runInTransactionScope<T>(scope: TransactionScope, work: () => T): T {
  return current.run(scope, work);
}

/** The scope the caller runs in, when its transaction is to take part (claimed here). */
export function claimTransactionScope(): TransactionScope | undefined {
  const scope = current.getStore();
  return scope?.claim() ? scope : undefined;
}
