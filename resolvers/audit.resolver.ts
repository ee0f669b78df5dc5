import { Args, ArgsType, Field, Query, Resolver } from 'type-graphql';
import type { AuditService } from '../src/services/audit.service.js';
import { AuditEvent, AuditEventConnection, AuditEventFilter } from '../schema/audit.type.js';
import { PageArgs } from '../schema/page.args.js';

@ArgsType()
class AuditEventsArgs extends PageArgs {
  @Field(() => AuditEventFilter, { nullable: true })
  filter?: AuditEventFilter | null;
}

@Resolver(() => AuditEvent)
export class AuditResolver {
  constructor(private readonly auditService: AuditService) {}

  @Query(() => AuditEventConnection, { description: 'The audit log, newest first. Admins only.' })
  async auditEvents(@Args(() => AuditEventsArgs) args: AuditEventsArgs) {
    const f = args.filter ?? {};
    return this.auditService.list(
      {
        principalId: f.principalId ?? undefined,
        databaseId: f.databaseId ?? undefined,
        action: f.action ?? undefined,
        decision: f.decision ?? undefined,
        since: f.since ?? undefined,
        until: f.until ?? undefined,
      },
      args.first,
      args.after,
    );
  }
}
