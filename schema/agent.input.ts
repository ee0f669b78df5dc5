import { Field, InputType } from 'type-graphql';
import { AgentRole, AgentStatus } from './enums.js';

@InputType({ description: 'A new agent. Its first API key comes back once in the payload.' })
export class RegisterAgentInput {
  @Field(() => String, { description: '1–63 letters, digits, spaces, dots, dashes or underscores; unique among active agents.' })
  name!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => AgentRole, { nullable: true, defaultValue: AgentRole.AGENT })
  role?: AgentRole | null;
}

@InputType()
export class AgentFilter {
  @Field(() => AgentStatus, { nullable: true })
  status?: AgentStatus | null;

  @Field(() => AgentRole, { nullable: true })
  role?: AgentRole | null;

  @Field(() => String, { nullable: true, description: 'Case-insensitive part of the name.' })
  nameContains?: string | null;
}
