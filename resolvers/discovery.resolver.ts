import { Arg, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../src/server/context.js';
import type { DiscoveryService } from '../src/services/discovery.service.js';
import { DistinctValues, JoinSuggestion, SchemaSummary, TableProfile } from '../schema/discovery.type.js';

@Resolver()
export class DiscoveryResolver {
  constructor(private readonly discoveryService: DiscoveryService) {}

  @Query(() => [SchemaSummary], { description: 'Schemas of a database holding tables you may use, with how many.' })
  async schemas(@Ctx() ctx: RequestContext, @Arg('databaseId', () => ID) databaseId: string) {
    return this.discoveryService.schemas(ctx.principal, databaseId);
  }

  @Query(() => TableProfile, {
    description:
      "A table's row count (through your row filter) and its columns' statistics from a bounded sample of the rows you may read (masked columns as masked). Runs like runQuery: your grants, audited; cached per catalog and grants.",
  })
  async tableProfile(
    @Ctx() ctx: RequestContext,
    @Arg('databaseId', () => ID) databaseId: string,
    @Arg('table', () => String) table: string,
    @Arg('schema', () => String, { nullable: true }) schema?: string | null,
    @Arg('columns', () => [String], { nullable: true, description: 'Default: every column you may read; [] for the row count only.' }) columns?: string[] | null,
  ) {
    return this.discoveryService.tableProfile({ principal: ctx.principal, requestId: ctx.requestId }, databaseId, { table, schema, columns });
  }

  @Query(() => DistinctValues, { description: "A column's most frequent values with their counts, over the rows you may see, masked as you see them." })
  async distinctValues(
    @Ctx() ctx: RequestContext,
    @Arg('databaseId', () => ID) databaseId: string,
    @Arg('table', () => String) table: string,
    @Arg('column', () => String) column: string,
    @Arg('schema', () => String, { nullable: true }) schema?: string | null,
    @Arg('limit', () => Int, { nullable: true, description: 'Default 20; 1 to 100.' }) limit?: number | null,
  ) {
    return this.discoveryService.distinctValues({ principal: ctx.principal, requestId: ctx.requestId }, databaseId, { table, schema, column, limit });
  }

  @Query(() => [JoinSuggestion], {
    description:
      'How the given tables (name or schema.table) join: declared foreign keys, and columns whose name and type point at another table, each with its reason; one bridging table when two do not join. With one table: how it joins the others. Only tables and columns you may see.',
  })
  async suggestJoins(@Ctx() ctx: RequestContext, @Arg('databaseId', () => ID) databaseId: string, @Arg('tables', () => [String]) tables: string[]) {
    return this.discoveryService.suggestJoins(ctx.principal, databaseId, tables);
  }
}
