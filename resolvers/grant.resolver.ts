import { Arg, Args, ArgsType, Ctx, Field, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../src/server/context.js';
import type { GrantService } from '../src/services/grant.service.js';
import { TableAccess } from '../schema/access-preview.type.js';
import { GrantInput } from '../schema/grant.input.js';
import { Grant, GrantConnection } from '../schema/grant.type.js';
import { PageArgs } from '../schema/page.args.js';

@ArgsType()
class GrantsArgs extends PageArgs {
  @Field(() => ID, { nullable: true })
  agentId?: string | null;

  @Field(() => ID, { nullable: true })
  databaseId?: string | null;
}

@Resolver(() => Grant)
export class GrantResolver {
  constructor(private readonly grantService: GrantService) {}

  @Mutation(() => Grant, { description: 'Grants an agent access to part of a database. Admins only.' })
  async grant(@Ctx() ctx: RequestContext, @Arg('input', () => GrantInput) input: GrantInput) {
    const by = ctx.principal.kind === 'agent' ? ctx.principal.agentId : 'unknown';
    return this.grantService.grant(input, by);
  }

  @Mutation(() => Grant, { description: 'Ends a grant at once. Admins only.' })
  async revokeGrant(@Arg('id', () => ID) id: string) {
    return this.grantService.revoke(id);
  }

  @Query(() => GrantConnection, { description: 'Grants in force, by agent and/or database. Admins only.' })
  async grants(@Args(() => GrantsArgs) args: GrantsArgs) {
    return this.grantService.list({ agentId: args.agentId ?? undefined, databaseId: args.databaseId ?? undefined }, args.first, args.after);
  }

  @Query(() => [TableAccess], {
    description:
      'The database as the agent would find it: actions per column, row filter, masks, cap, and what views read. Admins see every table; an agent previewing itself sees only the tables and columns it may use.',
  })
  async accessPreview(@Ctx() ctx: RequestContext, @Arg('agentId', () => ID) agentId: string, @Arg('databaseId', () => ID) databaseId: string) {
    return this.grantService.preview(ctx.principal, agentId, databaseId);
  }
}
