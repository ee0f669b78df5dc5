import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Agent as AgentModel } from '../src/services/models.js';
import type { AgentService } from '../src/services/agent.service.js';
import type { RequestContext } from '../src/server/context.js';
import { PageArgs } from '../schema/page.args.js';
import { AgentFilter, RegisterAgentInput } from '../schema/agent.input.js';
import { AgentKeyPayload } from '../schema/agent.payload.js';
import { Agent, AgentConnection } from '../schema/agent.type.js';
import { ApiKey } from '../schema/api-key.type.js';
import { Grant } from '../schema/grant.type.js';

@ArgsType()
class AgentsArgs extends PageArgs {
  @Field(() => AgentFilter, { nullable: true })
  filter?: AgentFilter | null;
}

@ArgsType()
class RotateAgentKeyArgs {
  @Field(() => ID)
  agentId!: string;

  @Field(() => Boolean, { defaultValue: true, description: "Stop the agent's other keys now (default). False keeps them, for a gradual switch." })
  revokePrevious!: boolean;
}

@Resolver(() => Agent)
export class AgentResolver {
  constructor(private readonly agentService: AgentService) {}

  @Query(() => Agent, { description: 'The agent the API key belongs to.' })
  async me(@Ctx() ctx: RequestContext): Promise<AgentModel> {
    if (ctx.principal.kind !== 'agent') throw new Error('unreachable: shield admits only signed-in principals');
    return this.agentService.get(ctx.principal.agentId);
  }

  @Query(() => AgentConnection, { description: 'Registered agents, oldest first. Admins only.' })
  async agents(@Args(() => AgentsArgs) args: AgentsArgs) {
    const filter = args.filter ?? {};
    return this.agentService.list(
      { status: filter.status ?? undefined, role: filter.role ?? undefined, nameContains: filter.nameContains ?? undefined },
      args.first,
      args.after,
    );
  }

  @Query(() => Agent, { description: 'One agent. Admins only.' })
  async agent(@Arg('id', () => ID) id: string): Promise<AgentModel> {
    return this.agentService.get(id);
  }

  @Mutation(() => AgentKeyPayload, { description: 'Registers an agent and returns its first API key, once.' })
  async registerAgent(@Arg('input', () => RegisterAgentInput) input: RegisterAgentInput) {
    return this.agentService.register(input);
  }

  @Mutation(() => AgentKeyPayload, {
    description:
      'Issues a new API key for the agent and returns it, once. By default every other key of the agent stops working at once. Admins, or the agent itself.',
  })
  async rotateAgentKey(@Args(() => RotateAgentKeyArgs) args: RotateAgentKeyArgs) {
    return this.agentService.rotateKey(args.agentId, args.revokePrevious);
  }

  @Mutation(() => Agent, { description: 'Revokes the agent: its keys and grants stop working at once. Admins only.' })
  async revokeAgent(@Arg('id', () => ID) id: string): Promise<AgentModel> {
    return this.agentService.revoke(id);
  }

  @FieldResolver(() => [ApiKey], { description: 'Every key the agent has had, revoked ones included.' })
  async keys(@Root() agent: AgentModel, @Ctx() ctx: RequestContext) {
    return ctx.loaders.keysByAgent.load(agent.id);
  }

  @FieldResolver(() => [Grant], { description: 'Grants in force: not revoked, not expired.' })
  async grants(@Root() agent: AgentModel, @Ctx() ctx: RequestContext) {
    return ctx.loaders.grantsByAgent.load(agent.id);
  }
}
