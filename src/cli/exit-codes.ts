/**
 * How the `warden` command ends: one exit code per kind of outcome, fixed, so scripts can branch on it.
 * Error codes are the gateway's `extensions.code`; this list is printed by `warden --help` and repeated
 * in README.md (a test keeps the three in step, and fails when the gateway gains a code not listed).
 */
export const EXIT_CODES = [
  { exit: 0, codes: [], meaning: 'done' },
  { exit: 1, codes: ['INTERNAL'], meaning: 'an unexpected failure (its requestId is in the gateway log), or a code not listed' },
  { exit: 2, codes: [], meaning: 'usage: an unknown command or flag, a missing argument, no WARDEN_KEY, a bad WARDEN_URL' },
  { exit: 3, codes: ['UNAUTHENTICATED'], meaning: 'the key is missing, wrong, revoked or expired' },
  { exit: 4, codes: ['FORBIDDEN'], meaning: 'the key may not do this (the denied resources are listed)' },
  {
    exit: 5,
    codes: ['BAD_USER_INPUT', 'SQL_SYNTAX', 'SQL_NOT_ALLOWED', 'CONFLICT', 'NEEDS_CLARIFICATION'],
    meaning: 'refused as written: fix the arguments, the SQL or the question',
  },
  { exit: 6, codes: ['NOT_FOUND'], meaning: 'no such agent, database, grant…' },
  { exit: 7, codes: ['RATE_LIMITED', 'QUERY_TOO_EXPENSIVE', 'ROW_LIMIT'], meaning: 'a limit refused it (RATE_LIMITED: retry after the time it says)' },
  {
    exit: 8,
    codes: ['DATABASE_UNAVAILABLE', 'QUERY_TIMEOUT', 'STORE_UNAVAILABLE', 'DELIVERY_FAILED'],
    meaning: 'something behind the gateway did not answer (also `db test` of a database it cannot reach)',
  },
  { exit: 9, codes: ['LLM_UNAVAILABLE', 'LLM_BAD_OUTPUT'], meaning: 'the language model failed or is not configured' },
  { exit: 10, codes: [], meaning: 'the gateway at WARDEN_URL could not be reached, or answered without a GraphQL response' },
] as const satisfies readonly { exit: number; codes: readonly string[]; meaning: string }[];

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_UNREACHABLE = 10;

const BY_CODE = new Map<string, number>(EXIT_CODES.flatMap((row) => row.codes.map((code) => [code, row.exit] as const)));

/** The exit code for a gateway error code; 1 for one not listed. */
export function exitCodeFor(errorCode: string): number {
  return BY_CODE.get(errorCode) ?? EXIT_FAILURE;
}
