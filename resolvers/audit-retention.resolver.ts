import { Arg, FieldResolver, Int, Mutation, Resolver, Root } from 'type-graphql';
import type { AuditService } from '../src/services/audit.service.js';
import type { Agent as AgentModel } from '../src/services/models.js';
import { Agent } from '../schema/agent.type.js';

/** Audit retention (purging old events) and the audit reference of an agent. */
@Resolver(() => Agent)
export class AuditRetentionResolver {
  constructor(private readonly auditService: AuditService) {}

  @Mutation(() => Int, {
    description:
      'Deletes audit events older than the given number of days (1 to 36500) and returns how many. Events past WARDEN_AUDIT_RETENTION_DAYS are purged hourly anyway. Admins only.',
  })
  async purgeAuditEvents(@Arg('olderThanDays', () => Int) olderThanDays: number): Promise<number> {
    return this.auditService.purgeOlderThan(olderThanDays);
  }

  @FieldResolver(() => String, {
    description:
      "What audit events carry as this agent's principalId: its pseudonym when WARDEN_AUDIT_PSEUDONYMISE is on, else its id. Filter auditEvents by it, or by the id.",
  })
  auditRef(@Root() agent: AgentModel): string {
    return this.auditService.auditRef(agent.id);
  }
}
