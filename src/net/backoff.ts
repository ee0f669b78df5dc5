/**
 * The one retry schedule for what Warden retries itself (webhook and export deliveries, Redis
 * reconnects; the `openai` client retries language model calls on its own): exponential, capped, with
 * jitter. Retry number `attempt` (1 for the first retry) has the ceiling min(cap, base × 2^(attempt−1)).
 *
 * - full jitter: uniformly random in [0, ceiling]. Spreads the retries of many deliveries that failed
 *   together (a receiver that was down), so they do not all come back at once.
 * - equal jitter: uniformly random in [ceiling/2, ceiling]. Spread out as well, but never retrying at
 *   once: for a connection where an immediate retry would only fail again.
 */
export interface BackoffPolicy {
  /** The ceiling of the first retry's delay; doubles with every attempt. */
  baseMs: number;
  /** No delay is longer than this. */
  capMs: number;
  /** Default full. */
  jitter?: 'full' | 'equal';
}

/** The delay before retry number `attempt` (1-based), in whole milliseconds; `random` is in [0, 1). */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = backoffCeilingMs(attempt, policy);
  return policy.jitter === 'equal' ? Math.round(ceiling / 2 + random() * (ceiling / 2)) : Math.floor(random() * ceiling);
}

/** The upper bound of `backoffDelayMs` for an attempt. */
export function backoffCeilingMs(attempt: number, { baseMs, capMs }: BackoffPolicy): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 52);
  return Math.min(capMs, baseMs * 2 ** exponent);
}
