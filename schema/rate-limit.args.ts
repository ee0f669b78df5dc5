import { ArgsType, Field, ID } from 'type-graphql';
import { RateLimitInput } from './rate-limit.input.js';

@ArgsType()
export class SetRateLimitArgs {
  @Field(() => ID)
  agentId!: string;

  @Field(() => RateLimitInput)
  input!: RateLimitInput;
}
