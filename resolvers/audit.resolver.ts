import { Arg, Args, ArgsType, Field, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { StoredAuditEvent } from '../src/events/audit-writer.js';
import { liveOf } from './live.js';
import type { AuditService } from '../src/services/audit.service.js';
import { AuditEvent, AuditEventConnection, AuditEventFilter, AuditEventStreamFilter } from '../schema/audit.type.js';
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

  @Subscription(() => AuditEvent, {
    name: 'auditEvents',
    description:
      'Audit events as they happen, on every replica. Admins see all; an agent only its own. Over WebSocket (graphql-ws) at /graphql.',
    subscribe: ({ args, context }) => {
      const { feed, viewer } = liveOf(context);
      const f = (args.filter ?? {}) as AuditEventStreamFilter;
      return feed.auditEvents(viewer, {
        principalId: f.principalId ?? undefined,
        databaseId: f.databaseId ?? undefined,
        action: f.action ?? undefined,
        decision: f.decision ?? undefined,
      });
    },
  })
  auditEventStream(@Root() event: StoredAuditEvent, @Arg('filter', () => AuditEventStreamFilter, { nullable: true }) _filter?: AuditEventStreamFilter | null) {
    return { ...event, reasons: event.reasons ?? [], tables: event.tables ?? [] };
  }
}
