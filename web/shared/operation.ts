/**
 * A GraphQL operation as a page sends it: the document text, with the shapes of its answer and its
 * variables carried in the type only. No runtime dependency, so the operations can be checked against
 * the schema by a test that imports them.
 */
export interface Operation<TData, TVariables> {
  readonly document: string;
  /** Never set: only here so the data and variables types travel with the document. */
  readonly types?: { data: TData; variables: TVariables };
}

export type NoVariables = Record<string, never>;

export function operation<TData, TVariables = NoVariables>(document: string): Operation<TData, TVariables> {
  return { document };
}
