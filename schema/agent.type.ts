import { Field, ID, ObjectType } from 'type-graphql';
import { ConnectionType } from './connection.js';
import { AgentRole, AgentStatus } from './enums.js';
import { Node } from './node.interface.js';
import { DateTimeScalar } from './scalars.js';

@ObjectType({ implements: Node, description: 'A principal that calls Warden with an API key: an AI agent or an admin.' })
export class Agent implements Node {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => AgentRole)
  role!: AgentRole;

  @Field(() => AgentStatus)
  status!: AgentStatus;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  revokedAt!: Date | null;
}

@ObjectType()
export class AgentConnection extends ConnectionType('Agent', Agent) {}
