import { Field, ObjectType } from 'type-graphql';
import { Agent } from './agent.type.js';
import { ApiKey } from './api-key.type.js';

@ObjectType({ description: 'An agent and a new API key. `key` is shown this once: store it now.' })
export class AgentKeyPayload {
  @Field(() => Agent)
  agent!: Agent;

  @Field(() => ApiKey)
  apiKey!: ApiKey;

  @Field(() => String, { description: 'The full API key. Warden keeps only its hash and cannot show it again.' })
  key!: string;
}
