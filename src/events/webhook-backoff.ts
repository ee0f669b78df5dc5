/** Retry schedule for webhook deliveries: exponential backoff with full jitter. */
export interface BackoffPolicy {
  /** The ceiling of the first retry's delay; doubles with every attempt. */
  baseMs: number;
  /** No delay is longer than this. */
  capMs: number;
}

export const DEFAULT_BACKOFF_CAP_MS = 60 * 60 * 1000;

/**
 * The delay before retrying after failed attempt number `attempt` (1-based): uniformly random in
 * [0, min(cap, base × 2^(attempt−1))]. Full jitter spreads the retries of many deliveries that failed
 * together (a receiver that was down), so they do not all come back at once.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  return Math.floor(random() * backoffCeilingMs(attempt, policy));
}

/** The upper bound of `backoffDelayMs` for an attempt. */
export function backoffCeilingMs(attempt: number, { baseMs, capMs }: BackoffPolicy): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 52);
  return Math.min(capMs, baseMs * 2 ** exponent);
}
