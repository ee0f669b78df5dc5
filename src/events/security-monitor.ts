import type { Logger } from '../logger.js';
import type { NotificationService } from '../services/notification.service.js';
import type { Claims } from './claims.js';
import type { EventBus } from './event-bus.js';
import { SecurityRules, type RuleSettings } from './security-rules.js';

/**
 * Runs the security rules over the audit events of every replica and raises what they find. Each
 * replica sees the same stream, so a finding is claimed first (once per cooldown across replicas) and
 * then raised by whichever replica got the claim.
 */
export class SecurityMonitor {
  readonly #rules: SecurityRules;
  readonly #unsubscribe: () => void;

  constructor(
    bus: EventBus,
    private readonly notifications: NotificationService,
    private readonly claims: Claims,
    private readonly log: Logger,
    private readonly options: { cooldownMs: number; rules: RuleSettings },
  ) {
    this.#rules = new SecurityRules(options.rules);
    this.#unsubscribe = bus.onAudit((event) => {
      for (const finding of this.#rules.observe(event)) {
        void this.#raise(finding.key, () =>
          this.notifications.raise({ kind: finding.kind, severity: finding.severity, agentId: finding.agentId, message: finding.message, details: finding.details }),
        );
      }
    });
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
    this.#unsubscribe();
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
