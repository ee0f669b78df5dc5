/**
 * The thresholds of the security rules (security-rules.ts) and their defaults, which config.ts also
 * reads for its WARDEN_ALERT_* defaults. No imports: config.ts reaches nothing else through this file.
 */

export interface RuleSettings {
  /** Refused keys with the same key id within `windowMs`. */
  authFailuresPerKey: number;
  /** Refused keys from one remote address within `windowMs`. */
  authFailuresPerAddress: number;
  /** Denied queries of one agent within `windowMs`. */
  denialBurst: number;
  windowMs: number;
  /** A minute with more than `volumeFactor` × the agent's usual queries a minute (and at least `volumeMinimum`). */
  volumeFactor: number;
  volumeMinimum: number;
  /** Minutes the usual rate averages over (an exponentially weighted mean), and minutes seen before it counts. */
  baselineMinutes: number;
  warmupMinutes: number;
}

export const DEFAULT_RULE_SETTINGS: RuleSettings = {
  authFailuresPerKey: 5,
  authFailuresPerAddress: 10,
  denialBurst: 10,
  windowMs: 60_000,
  volumeFactor: 5,
  volumeMinimum: 60,
  baselineMinutes: 60,
  warmupMinutes: 10,
};
