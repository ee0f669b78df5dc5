import { Field, InputType, Int } from 'type-graphql';

@InputType({
  description:
    'An agent’s limits, replacing any it had: each a whole number from 1 to 1,000,000, or null (or omitted) for no limit. All null removes them. Windows are fixed and count queries let through; a change applies at once to what the agent has run in the current window.',
})
export class RateLimitInput {
  @Field(() => Int, { nullable: true, description: 'Queries (runQuery, explainQuery, rows) a minute.' })
  perMinute?: number | null;

  @Field(() => Int, { nullable: true, description: 'Queries an hour.' })
  perHour?: number | null;

  @Field(() => Int, { nullable: true, description: 'Queries a day.' })
  perDay?: number | null;

  @Field(() => Int, { nullable: true, description: 'Queries running at the same time.' })
  maxConcurrent?: number | null;
}
