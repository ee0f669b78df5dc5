import { useCallback, useState } from 'react';
import { asRequestError, type GraphQLRequestError } from '../shared/graphql-client.js';

export interface Action<TArgs extends unknown[], TResult> {
  run(...args: TArgs): Promise<TResult | undefined>;
  busy: boolean;
  error: GraphQLRequestError | undefined;
  clearError(): void;
}

/**
 * A button's work: busy while it runs, the failure kept to be shown (with its code), undefined as the
 * result when it failed, so a caller only goes on after success.
 */
export function useAction<TArgs extends unknown[], TResult>(work: (...args: TArgs) => Promise<TResult>): Action<TArgs, TResult> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<GraphQLRequestError>();
  const run = useCallback(
    async (...args: TArgs) => {
      setBusy(true);
      setError(undefined);
      try {
        return await work(...args);
      } catch (failure) {
        setError(asRequestError(failure));
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [work],
  );
  const clearError = useCallback(() => setError(undefined), []);
  return { run, busy, error, clearError };
}
