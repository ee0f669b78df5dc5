import { createContext, useCallback, useContext, useMemo, type ReactNode } from 'react';
import { GraphQLRequestError, request } from '../shared/graphql-client.js';
import type { Operation } from '../shared/operation.js';
import type { Me } from './operations.js';

/** The signed-in admin: the key (kept in this tab's sessionStorage), who it is, and how to call the API with it. */
export interface Session {
  key: string;
  me: Me;
  /** Sends an operation with the admin key; a refused key ends the session and sends the user back to sign-in. */
  call<TData, TVariables>(op: Operation<TData, TVariables>, variables: TVariables): Promise<TData>;
  signOut(reason?: string): void;
}

const SessionContext = createContext<Session | undefined>(undefined);

export function SessionProvider(props: { keyValue: string; me: Me; onSignOut(reason?: string): void; children: ReactNode }) {
  const { keyValue, me, onSignOut } = props;
  const call = useCallback(
    async <TData, TVariables>(op: Operation<TData, TVariables>, variables: TVariables): Promise<TData> => {
      try {
        return await request(op, variables, keyValue);
      } catch (error) {
        if (error instanceof GraphQLRequestError && error.code === 'UNAUTHENTICATED') {
          onSignOut(`The gateway no longer accepts this key (${error.message}). Sign in again.`);
        }
        throw error;
      }
    },
    [keyValue, onSignOut],
  );
  const session = useMemo<Session>(() => ({ key: keyValue, me, call, signOut: onSignOut }), [keyValue, me, call, onSignOut]);
  return <SessionContext.Provider value={session}>{props.children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in console');
  return session;
}
