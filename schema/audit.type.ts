import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { ConnectionType } from './connection.js';
import { Node } from './node.interface.js';
import { DateTimeScalar, JSONScalar } from './scalars.js';

@ObjectType({ implements: Node, description: 'One decision or query, as the audit log keeps it (append-only).' })
export class AuditEvent implements Node {
  @Field(() => ID)
  id!: string;

  @Field(() => DateTimeScalar)
  occurredAt!: Date;

  @Field(() => String, { nullable: true })
  requestId!: string | null;

  @Field(() => ID, { nullable: true })
  principalId!: string | null;

  @Field(() => String)
  principalKind!: string;

  @Field(() => String, { description: 'runQuery, explainQuery, rows, …' })
  action!: string;

  @Field(() => ID, { nullable: true })
  databaseId!: string | null;

  @Field(() => String, { nullable: true, description: 'ALLOWED, DENIED or FAILED.' })
  decision!: string | null;

  @Field(() => [JSONScalar], { description: 'Why it was denied or failed: code, message, denied resources.' })
  reasons!: unknown[];

  @Field(() => String, { nullable: true, description: 'Same for the same statement shape, whatever its literals.' })
  statementFingerprint!: string | null;

  @Field(() => [String])
  tables!: string[];

  @Field(() => Float, { nullable: true })
  durationMs!: number | null;

  @Field(() => Int, { nullable: true })
  rowCount!: number | null;
}

@ObjectType()
export class AuditEventConnection extends ConnectionType('AuditEvent', AuditEvent) {}

@InputType({ description: 'Which live audit events to receive; omitted fields match everything.' })
export class AuditEventStreamFilter {
  @Field(() => ID, { nullable: true, description: 'An agent id (or the pseudonym audit events carry for it).' })
  principalId?: string | null;

  @Field(() => ID, { nullable: true })
  databaseId?: string | null;

  @Field(() => String, { nullable: true })
  action?: string | null;

  @Field(() => String, { nullable: true, description: 'ALLOWED, DENIED or FAILED.' })
  decision?: string | null;
}

@InputType({ description: 'Which audit events to list; omitted fields match everything.' })
export class AuditEventFilter extends AuditEventStreamFilter {
  @Field(() => DateTimeScalar, { nullable: true })
  since?: Date | null;

  @Field(() => DateTimeScalar, { nullable: true })
  until?: Date | null;
}
