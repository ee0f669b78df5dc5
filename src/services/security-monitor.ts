import type { StoredAuditEvent } from '../events/audit-writer.js';
import type { Claims } from '../events/claims.js';
import type { EventBus } from '../events/event-bus.js';
import { SoleLeadership, type Leadership } from '../events/leadership.js';
import type { RuleSettings } from '../events/security-rule-settings.js';
import { SecurityRules } from '../events/security-rules.js';
import type { Logger } from '../logger.js';
import type { NotificationService } from './notification.service.js';

/**
 * Runs the security rules over the audit events of every replica and raises what they find. One
 * replica does it, the leader (leadership.ts): the others are not sent the audit stream for it, so what
 * each spends on it does not grow with the number of replicas. A finding is still claimed first (once
 * per cooldown across replicas), for the moments two replicas both think they lead.
 */
export class SecurityMonitor {
  #rules: SecurityRules;
  #unsubscribe: (() => void) | undefined;
  readonly #unfollow: () => void;

  constructor(
    bus: EventBus,
    private readonly notifications: NotificationService,
    private readonly claims: Claims,
    private readonly log: Logger,
    private readonly options: { cooldownMs: number; rules: RuleSettings },
    leadership: Leadership = new SoleLeadership(),
  ) {
    this.#rules = new SecurityRules(options.rules);
    this.#unfollow = leadership.follow((leading) => {
      if (leading && !this.#unsubscribe) {
        // A new leader counts from now: the windows it inherits from nobody start empty.
        this.#rules = new SecurityRules(options.rules);
        this.#unsubscribe = bus.onAudit((event) => this.#observe(event));
      } else if (!leading && this.#unsubscribe) {
        this.#unsubscribe();
        this.#unsubscribe = undefined;
      }
    });
  }

  #observe(event: StoredAuditEvent): void {
    for (const finding of this.#rules.observe(event)) {
      void this.#raise(finding.key, () =>
        this.notifications.raise({ kind: finding.kind, severity: finding.severity, agentId: finding.agentId, message: finding.message, details: finding.details }),
      );
    }
  }

  /** An agent was revoked on this replica (so it is raised here, once). */
  agentRevoked(agentRef: string, name?: string): void {
    void this.#raise(`AGENT_REVOKED:${agentRef}`, () =>
      this.notifications.raise({
        kind: 'AGENT_REVOKED',
        severity: 'MEDIUM',
        agentId: agentRef,
        message: `Agent ${name ?? agentRef} was revoked: its keys and grants no longer work and its live connections were closed.`,
        details: null,
      }),
    );
  }

  stop(): void {
    this.#unfollow();
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  async #raise(key: string, raise: () => Promise<unknown>): Promise<void> {
    try {
      if (!(await this.claims.claim(`notification:${key}`, this.options.cooldownMs))) return;
      await raise();
    } catch (error) {
      this.log.error({ err: error, finding: key.split(':')[0] }, 'could not raise a security notification');
    }
  }
}
