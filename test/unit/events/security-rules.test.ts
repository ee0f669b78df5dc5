import { describe, expect, it } from 'vitest';
import type { StoredAuditEvent } from '../../../src/events/audit-writer.js';
import { DEFAULT_RULE_SETTINGS } from '../../../src/events/security-rule-settings.js';
import { SecurityRules } from '../../../src/events/security-rules.js';
import { auditEvent } from '../../helpers/audit-event.js';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
let seq = 0;

function event(over: Partial<StoredAuditEvent> & { at: number }): StoredAuditEvent {
  const { at, ...rest } = over;
  return auditEvent({ id: `evt_${seq++}`, occurredAt: new Date(at), ...rest });
}

const authFailure = (at: number, keyId: string, remoteAddress: string) =>
  event({ at, action: 'authenticate', decision: 'DENIED', principalId: null, principalKind: 'anonymous', details: { keyId, remoteAddress } });

describe('security rules over the audit stream', () => {
  it('flags the fifth refused attempt with one key inside a minute, not the fourth', () => {
    const rules = new SecurityRules();
    const found = [0, 1, 2, 3, 4].map((i) => rules.observe(authFailure(T0 + i * 1_000, 'key_abc', `10.0.0.${i}`)));
    expect(found.slice(0, 4).flat()).toEqual([]);
    expect(found[4]).toEqual([expect.objectContaining({ kind: 'AUTH_FAILURES_KEY', severity: 'HIGH', key: 'AUTH_FAILURES_KEY:key_abc' })]);
  });

  it('does not count refusals that fell out of the window', () => {
    const rules = new SecurityRules();
    for (let i = 0; i < 4; i++) rules.observe(authFailure(T0 + i * 1_000, 'key_abc', '10.0.0.1'));
    expect(rules.observe(authFailure(T0 + 70_000, 'key_abc', '10.0.0.1'))).toEqual([]);
  });

  it('flags many refused keys from one address even when each key is new', () => {
    const rules = new SecurityRules();
    const found = Array.from({ length: 10 }, (_, i) => rules.observe(authFailure(T0 + i * 100, `key_${i}`, '192.0.2.7'))).flat();
    expect(found).toEqual([expect.objectContaining({ kind: 'AUTH_FAILURES_ADDRESS', details: expect.objectContaining({ remoteAddress: '192.0.2.7', failures: 10 }) })]);
  });

  it('flags a burst of denials for one agent, and not for another agent’s allowed queries', () => {
    const rules = new SecurityRules();
    for (let i = 0; i < 50; i++) expect(rules.observe(event({ at: T0 + i, principalId: 'agt_b' }))).toEqual([]);
    const denied = Array.from({ length: 10 }, (_, i) => rules.observe(event({ at: T0 + i * 10, decision: 'DENIED', reasons: [{ code: 'FORBIDDEN', message: 'no' }] })));
    expect(denied.slice(0, 9).flat()).toEqual([]);
    expect(denied[9]).toEqual([expect.objectContaining({ kind: 'DENIAL_BURST', agentId: 'agt_a', severity: 'MEDIUM' })]);
  });

  it('reports every rate-limit hit as LOW (the monitor raises it once per cooldown)', () => {
    const rules = new SecurityRules();
    const hit = rules.observe(event({ at: T0, decision: 'DENIED', reasons: [{ code: 'RATE_LIMITED', message: '3 a minute' }] }));
    expect(hit).toEqual([expect.objectContaining({ kind: 'RATE_LIMIT_HIT', severity: 'LOW', agentId: 'agt_a' })]);
  });

  it('flags a minute far above the agent’s own usual rate, once it has a baseline', () => {
    const rules = new SecurityRules();
    // Twenty minutes of 20 queries a minute: a steady baseline, never flagged.
    for (let minute = 0; minute < 20; minute++) {
      for (let i = 0; i < 20; i++) expect(rules.observe(event({ at: T0 + minute * 60_000 + i * 1_000 }))).toEqual([]);
    }
    // Then a minute of 150: above both 5 × ~20 and the floor of 60.
    const spike = Array.from({ length: 150 }, (_, i) => rules.observe(event({ at: T0 + 20 * 60_000 + i * 100 }))).flat();
    expect(spike.length).toBeGreaterThan(0);
    expect(spike[0]).toMatchObject({ kind: 'UNUSUAL_VOLUME', agentId: 'agt_a' });
    expect(spike[0]!.details.queriesThisMinute).toBeGreaterThan(5 * 18);
  });

  it('does not flag a busy agent that has always been busy', () => {
    const rules = new SecurityRules();
    const found = [];
    for (let minute = 0; minute < 30; minute++) {
      for (let i = 0; i < 200; i++) found.push(...rules.observe(event({ at: T0 + minute * 60_000 + i * 250 })));
    }
    expect(found.filter((f) => f.kind === 'UNUSUAL_VOLUME').length).toBeLessThan(DEFAULT_RULE_SETTINGS.warmupMinutes);
    expect(found.filter((f) => f.kind === 'UNUSUAL_VOLUME' && f.details.queriesThisMinute !== undefined && Number(f.details.usualPerMinute) > 150)).toEqual([]);
  });

  it('lets the usual rate decay over silent minutes, so a return to work after a quiet hour is judged against the quiet', () => {
    const rules = new SecurityRules();
    for (let minute = 0; minute < 15; minute++) rules.observe(event({ at: T0 + minute * 60_000 }));
    const later = Array.from({ length: 100 }, (_, i) => rules.observe(event({ at: T0 + 120 * 60_000 + i * 100 }))).flat();
    expect(later.some((f) => f.kind === 'UNUSUAL_VOLUME')).toBe(true);
  });
});
