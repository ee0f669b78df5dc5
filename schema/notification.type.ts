import { Field, ID, ObjectType } from 'type-graphql';
import { ConnectionType } from './connection.js';
import { NotificationSeverity } from './enums.js';
import { Node } from './node.interface.js';
import { DateTimeScalar, JSONScalar } from './scalars.js';

@ObjectType({ implements: Node, description: 'Something a security rule noticed in the event stream.' })
export class SecurityNotification implements Node {
  @Field(() => ID)
  id!: string;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => String, {
    description: 'AUTH_FAILURES_KEY, AUTH_FAILURES_ADDRESS, DENIAL_BURST, RATE_LIMIT_HIT, UNUSUAL_VOLUME, AGENT_REVOKED, REDIS_UNAVAILABLE or REDIS_RECOVERED.',
  })
  kind!: string;

  @Field(() => NotificationSeverity)
  severity!: NotificationSeverity;

  @Field(() => ID, { nullable: true, description: 'The agent it concerns, when it concerns one.' })
  agentId!: string | null;

  @Field(() => String)
  message!: string;

  @Field(() => JSONScalar, { nullable: true, description: 'Counts, windows and thresholds behind it.' })
  details!: Record<string, unknown> | null;

  @Field(() => Boolean)
  read!: boolean;

  @Field(() => DateTimeScalar, { nullable: true })
  readAt!: Date | null;
}

@ObjectType()
export class SecurityNotificationConnection extends ConnectionType('SecurityNotification', SecurityNotification) {}
