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
/** Scopes not yet over. */
let open = 0;

/**
 * Runs `work` in the scope. On Node 20, an AsyncLocalStorage in use makes every promise the process
 * creates pay for a hook; so it is switched off again whenever no scope is open (a read through the gate
 * never opens one), and `run` switches it back on. Work of a scope that is over only ever asks for a
 * scope to claim, and a scope that is over is claimed by nobody, so nothing is lost by that.
 */
export async function runInTransactionScope<T>(scope: TransactionScope, work: () => Promise<T>): Promise<T> {
  open += 1;
  try {
    return await current.run(scope, work);
  } finally {
    open -= 1;
    if (open === 0) current.disable();
  }
}

/** The scope the caller runs in, when its transaction is to take part (claimed here). */
export function claimTransactionScope(): TransactionScope | undefined {
  const scope = current.getStore();
  return scope?.claim() ? scope : undefined;
}
