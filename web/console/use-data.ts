import { useCallback, useEffect, useRef, useState } from 'react';
import { asRequestError, type GraphQLRequestError } from '../shared/graphql-client.js';
import type { Operation } from '../shared/operation.js';
import { useSession } from './session.js';

export interface Data<T> {
  data: T | undefined;
  error: GraphQLRequestError | undefined;
  loading: boolean;
  /** Asks again; what is shown stays until the new answer comes. */
  reload(): void;
}

/**
 * Runs a query with the admin key when the page opens and whenever its variables change (compared as
 * JSON); only the latest answer is kept, so a slow earlier one never overwrites a newer one.
 */
export function useData<TData, TVariables>(op: Operation<TData, TVariables>, variables: TVariables, enabled = true): Data<TData> {
  const { call } = useSession();
  const [data, setData] = useState<TData>();
  const [error, setError] = useState<GraphQLRequestError>();
  const [loading, setLoading] = useState(enabled);
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);
  const variablesJson = JSON.stringify(variables);

  useEffect(() => {
    if (!enabled) {
      setData(undefined);
      setLoading(false);
      return;
    }
    const ticket = ++latest.current;
    setLoading(true);
    call(op, JSON.parse(variablesJson) as TVariables).then(
      (answer) => {
        if (ticket !== latest.current) return;
        setData(answer);
        setError(undefined);
        setLoading(false);
      },
      (failure: unknown) => {
        if (ticket !== latest.current) return;
        setError(asRequestError(failure));
        setLoading(false);
      },
    );
  }, [call, op, variablesJson, enabled, generation]);

  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { data, error, loading, reload };
}
