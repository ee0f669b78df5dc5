import { Arg, Args, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { PageArgs } from '../schema/page.args.js';
import { connectionFromArray } from '../src/services/connection.js';
import type { DatabaseService } from '../src/services/database.service.js';
import type { Database as DatabaseModel } from '../src/services/models.js';
import type { RequestContext } from '../src/server/context.js';
import { Database, DatabaseConnection, DatabaseStatus } from '../schema/database.type.js';

@Resolver(() => Database)
export class DatabaseResolver {
  constructor(private readonly databaseService: DatabaseService) {}

  @Query(() => DatabaseConnection, {
    description: 'Databases you can see: all of them for an admin, those you hold a grant on for an agent.',
  })
  async databases(@Ctx() ctx: RequestContext, @Args(() => PageArgs) page: PageArgs) {
    return connectionFromArray(await this.databaseService.list(ctx.principal), page.first, page.after);
  }

  @Query(() => Database, { description: 'One database you can see.' })
  async database(@Ctx() ctx: RequestContext, @Arg('id', () => ID) id: string): Promise<DatabaseModel> {
    return this.databaseService.get(ctx.principal, id);
  }

  @FieldResolver(() => DatabaseStatus, { description: 'Checked now, with a round trip to the database.' })
  async status(@Root() database: DatabaseModel) {
    return this.databaseService.status(database.id);
  }
}
