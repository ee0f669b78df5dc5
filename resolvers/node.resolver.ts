import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { AppError, ErrorCode } from '../src/errors/app-error.js';
import { nodeTypeOf } from '../src/ids.js';
import type { AgentService } from '../src/services/agent.service.js';
import type { DatabaseService } from '../src/services/database.service.js';
import type { SemanticCatalogService } from '../src/services/semantic-catalog.service.js';
import type { RequestContext } from '../src/server/context.js';
import { Node } from '../schema/node.interface.js';

@Resolver()
export class NodeResolver {
  constructor(
    private readonly agents: AgentService,
    private readonly databases: DatabaseService,
    private readonly semanticCatalog: SemanticCatalogService,
  ) {}

  @Query(() => Node, { nullable: true, description: 'Any object by its global id, if you may see it.' })
  async node(@Ctx() ctx: RequestContext, @Arg('id', () => ID) id: string): Promise<Node | null> {
    try {
      switch (nodeTypeOf(id)) {
        case 'Agent':
          return this.agents.canView(ctx.principal, id) ? await this.agents.get(id) : null;
        case 'Database':
          return await this.databases.get(ctx.principal, id);
        case 'CatalogTerm':
          return await this.semanticCatalog.get({ principal: ctx.principal, requestId: ctx.requestId }, id);
        default:
          return null;
      }
    } catch (error) {
      if (error instanceof AppError && error.code === ErrorCode.NOT_FOUND) return null;
      throw error;
    }
  }
}
