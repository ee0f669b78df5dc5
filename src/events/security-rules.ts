import { LRUCache } from 'lru-cache';
import type { StoredAuditEvent } from './audit-writer.js';
import type { NotificationSeverity } from './event-bus.js';
import { DEFAULT_RULE_SETTINGS, type RuleSettings } from './security-rule-settings.js';

/** What a rule noticed; `key` names the situation, so it is raised once per cooldown, not per event. */
export interface RuleFinding {
  key: string;
  kind: 'AUTH_FAILURES_KEY' | 'AUTH_FAILURES_ADDRESS' | 'DENIAL_BURST' | 'RATE_LIMIT_HIT' | 'UNUSUAL_VOLUME';
  severity: NotificationSeverity;
  agentId: string | null;
  message: string;
  details: Record<string, unknown>;
}

const QUERY_ACTIONS = new Set(['runQuery', 'explainQuery', 'rows', 'askDatabase']);
/** Subjects (keys, addresses, agents) remembered at once; the least recently seen are forgotten first. */
const MAX_SUBJECTS = 10_000;

/**
 * The security rules over the audit stream: pure counting, no I/O, time from the events themselves.
 * Repeated auth failures per key and per address, bursts of denials, rate-limit hits, and a query
 * volume far above an agent's own usual rate.
 */
export class SecurityRules {
  readonly #authByKey = new Windows();
  readonly #authByAddress = new Windows();
  readonly #denials = new Windows();
  readonly #volume = new LRUCache<string, Volume>({ max: MAX_SUBJECTS });

  constructor(private readonly settings: RuleSettings = DEFAULT_RULE_SETTINGS) {}

  observe(event: StoredAuditEvent): RuleFinding[] {
    const at = event.occurredAt.getTime();
    const findings: RuleFinding[] = [];
    const s = this.settings;
    if (event.action === 'authenticate' && event.decision === 'DENIED') {
      const keyId = typeof event.details?.keyId === 'string' ? event.details.keyId : undefined;
      const address = typeof event.details?.remoteAddress === 'string' ? event.details.remoteAddress : undefined;
      if (keyId && this.#authByKey.hit(keyId, at, s.windowMs) >= s.authFailuresPerKey) {
        findings.push({
          key: `AUTH_FAILURES_KEY:${keyId}`,
          kind: 'AUTH_FAILURES_KEY',
          severity: 'HIGH',
          agentId: null,
          message: `${s.authFailuresPerKey} or more refused attempts with API key ${keyId} within ${s.windowMs / 1000} s: someone may be guessing its secret.`,
          details: { keyId, failures: this.#authByKey.count(keyId), windowSeconds: s.windowMs / 1000, lastRemoteAddress: address ?? null },
        });
      }
      if (address && this.#authByAddress.hit(address, at, s.windowMs) >= s.authFailuresPerAddress) {
        findings.push({
          key: `AUTH_FAILURES_ADDRESS:${address}`,
          kind: 'AUTH_FAILURES_ADDRESS',
          severity: 'HIGH',
          agentId: null,
          message: `${s.authFailuresPerAddress} or more refused API keys from ${address} within ${s.windowMs / 1000} s.`,
          details: { remoteAddress: address, failures: this.#authByAddress.count(address), windowSeconds: s.windowMs / 1000 },
        });
      }
      return findings;
    }
    const agentId = event.principalId;
    if (!agentId) return findings;
    const rateLimited = event.reasons?.some((r) => r.code === 'RATE_LIMITED') ?? false;
    if (rateLimited) {
      findings.push({
        key: `RATE_LIMIT_HIT:${agentId}`,
        kind: 'RATE_LIMIT_HIT',
        severity: 'LOW',
        agentId,
        message: `Agent ${agentId} reached its rate limit.`,
        details: { action: event.action, reason: event.reasons?.[0]?.message ?? null },
      });
    } else if (event.decision === 'DENIED' && this.#denials.hit(agentId, at, s.windowMs) >= s.denialBurst) {
      findings.push({
        key: `DENIAL_BURST:${agentId}`,
        kind: 'DENIAL_BURST',
        severity: 'MEDIUM',
        agentId,
        message: `Agent ${agentId} was denied ${s.denialBurst} or more times within ${s.windowMs / 1000} s: it may be probing for data it was not granted.`,
        details: { denials: this.#denials.count(agentId), windowSeconds: s.windowMs / 1000, lastAction: event.action },
      });
    }
    if (QUERY_ACTIONS.has(event.action)) {
      const finding = this.#countVolume(agentId, at);
      if (finding) findings.push(finding);
    }
    return findings;
  }

  #countVolume(agentId: string, at: number): RuleFinding | undefined {
    const s = this.settings;
    const minute = Math.floor(at / 60_000);
    let volume = this.#volume.get(agentId);
    if (!volume) {
      volume = { minute, count: 0, baseline: 0, minutesSeen: 0 };
    } else if (minute > volume.minute) {
      // Fold the finished minute, then any silent minutes since, into the weighted mean.
      const alpha = 2 / (s.baselineMinutes + 1);
      // The first finished minute starts the mean; averaging it in with a zero would make it too low for an hour.
      volume.baseline = volume.minutesSeen === 0 ? volume.count : alpha * volume.count + (1 - alpha) * volume.baseline;
      const silent = Math.min(minute - volume.minute - 1, 10 * s.baselineMinutes);
      volume.baseline *= (1 - alpha) ** silent;
      volume.minutesSeen += minute - volume.minute;
      volume.minute = minute;
      volume.count = 0;
    }
    this.#volume.set(agentId, volume);
    volume.count += 1;
    const threshold = Math.max(s.volumeMinimum, s.volumeFactor * volume.baseline);
    if (volume.minutesSeen < s.warmupMinutes || volume.count <= threshold) return undefined;
    return {
      key: `UNUSUAL_VOLUME:${agentId}`,
      kind: 'UNUSUAL_VOLUME',
      severity: 'MEDIUM',
      agentId,
      message: `Agent ${agentId} ran ${volume.count} queries this minute, against its usual ${volume.baseline.toFixed(1)} a minute.`,
      details: { queriesThisMinute: volume.count, usualPerMinute: Number(volume.baseline.toFixed(2)), factor: s.volumeFactor },
    };
  }
}

interface Volume {
  minute: number;
  count: number;
  baseline: number;
  minutesSeen: number;
}

/** Sliding windows of hit times per subject, bounded in subjects. */
class Windows {
  readonly #hits = new LRUCache<string, number[]>({ max: MAX_SUBJECTS });

  hit(subject: string, at: number, windowMs: number): number {
    const hits = (this.#hits.get(subject) ?? []).filter((t) => t > at - windowMs);
    hits.push(at);
    // Only the count against a threshold matters: past this many, older hits add nothing.
    if (hits.length > 1_000) hits.splice(0, hits.length - 1_000);
    this.#hits.set(subject, hits);
    return hits.length;
  }

  count(subject: string): number {
    return this.#hits.peek(subject)?.length ?? 0;
  }
}
