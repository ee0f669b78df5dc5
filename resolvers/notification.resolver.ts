import { Arg, Args, ArgsType, Ctx, Field, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { SecurityNotificationMessage } from '../src/events/event-bus.js';
import { liveOf } from './live.js';
import type { RequestContext } from '../src/server/context.js';
import type { NotificationService } from '../src/services/notification.service.js';
import { NotificationSeverity } from '../schema/enums.js';
import { SecurityNotification, SecurityNotificationConnection } from '../schema/notification.type.js';
import { PageArgs } from '../schema/page.args.js';

@ArgsType()
class SecurityNotificationsArgs extends PageArgs {
  @Field(() => NotificationSeverity, { nullable: true, description: 'Only this severity and above.' })
  minSeverity?: NotificationSeverity | null;

  @Field(() => Boolean, { nullable: true, description: 'true: unread only; false: read only; omitted: both.' })
  unread?: boolean | null;
}

@Resolver(() => SecurityNotification)
export class NotificationResolver {
  constructor(private readonly notificationService: NotificationService) {}

  @Query(() => SecurityNotificationConnection, {
    description: 'Security notifications, newest first. Admins see all; an agent sees those about itself.',
  })
  async securityNotifications(@Ctx() ctx: RequestContext, @Args(() => SecurityNotificationsArgs) args: SecurityNotificationsArgs) {
    return this.notificationService.list(ctx.principal, { minSeverity: args.minSeverity ?? undefined, unread: args.unread ?? undefined }, args.first, args.after);
  }

  @Mutation(() => SecurityNotification, { description: 'Marks a notification read (or unread again with read: false). Admins only.' })
  async markNotificationRead(
    @Ctx() ctx: RequestContext,
    @Arg('id', () => ID) id: string,
    @Arg('read', () => Boolean, { defaultValue: true }) read: boolean,
  ) {
    const by = ctx.principal.kind === 'agent' ? ctx.principal.agentId : 'unknown';
    return this.notificationService.markRead(id, read, by);
  }

  @Subscription(() => SecurityNotification, {
    name: 'securityNotifications',
    description: 'Security notifications as they are raised, at or above minSeverity. Admins see all; an agent those about itself.',
    subscribe: ({ args, context }) => {
      const { feed, viewer } = liveOf(context);
      return feed.securityNotifications(viewer, (args.minSeverity as NotificationSeverity | null | undefined) ?? NotificationSeverity.LOW);
    },
  })
  securityNotificationStream(
    @Root() notification: SecurityNotificationMessage,
    @Arg('minSeverity', () => NotificationSeverity, { nullable: true }) _minSeverity?: NotificationSeverity | null,
  ) {
    return { ...notification, read: false, readAt: null };
  }
}
