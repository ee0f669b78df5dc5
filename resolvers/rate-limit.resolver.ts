import { Args, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../src/server/context.js';
import type { Agent as AgentModel } from '../src/services/models.js';
import type { RateLimitService, RateLimitSetting } from '../src/services/rate-limit.service.js';
import { Agent } from '../schema/agent.type.js';
import { SetRateLimitArgs } from '../schema/rate-limit.args.js';
import { RateLimit } from '../schema/rate-limit.type.js';

@Resolver(() => Agent)
export class RateLimitResolver {
  constructor(private readonly rateLimitService: RateLimitService) {}

  @Mutation(() => RateLimit, {
    description:
      'Sets an agent’s rate limits, replacing any it had (all null removes them). Beyond one, its queries get RATE_LIMITED with retryAfterSeconds. Takes effect at once. Admins only.',
  })
  async setRateLimit(@Ctx() ctx: RequestContext, @Args(() => SetRateLimitArgs) args: SetRateLimitArgs): Promise<RateLimitSetting> {
    const by = ctx.principal.kind === 'agent' ? ctx.principal.agentId : null;
    return this.rateLimitService.set(args.agentId, args.input, by);
  }

  @FieldResolver(() => RateLimit, { nullable: true, description: 'Its rate limits; null when it has none.' })
  async rateLimit(@Root() agent: AgentModel): Promise<RateLimitSetting | null> {
    return this.rateLimitService.get(agent.id);
  }
}
