import { Arg, Args, ArgsType, Ctx, Field, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { BoolExp } from '../plugins/drivers/row-query.js';
import type { RequestContext } from '../src/server/context.js';
import type { QueryService } from '../src/services/query.service.js';
import { OrderByInput, QueryPlan, QueryResult } from '../schema/query.type.js';
import { JSONObjectScalar, JSONScalar } from '../schema/scalars.js';

@ArgsType()
class RowsArgs {
  @Field(() => ID)
  databaseId!: string;

  @Field(() => String)
  table!: string;

  @Field(() => String, { nullable: true })
  schema?: string | null;

  @Field(() => [String], { nullable: true, description: 'Default: every column.' })
  columns?: string[] | null;

  @Field(() => JSONObjectScalar, {
    nullable: true,
    description: 'A boolean expression: { _and: [...], _or: [...], _not: {...}, <column>: { _eq, _neq, _gt, _gte, _lt, _lte, _in, _nin, _like, _ilike, _is_null } }.',
  })
  where?: Record<string, unknown> | null;

  @Field(() => [OrderByInput], { nullable: true })
  orderBy?: OrderByInput[] | null;

  @Field(() => Int, { nullable: true, description: 'Default 1000; never more than the grants and the gateway allow.' })
  limit?: number | null;

  @Field(() => Int, { nullable: true })
  offset?: number | null;
}

@Resolver()
export class QueryResolver {
  constructor(private readonly queryService: QueryService) {}

  @Mutation(() => QueryResult, {
    description: 'Runs one SQL statement: parsed, checked against your grants, narrowed by row filters and masks, run read-only when it reads, audited.',
  })
  async runQuery(
    @Ctx() ctx: RequestContext,
    @Arg('databaseId', () => ID) databaseId: string,
    @Arg('sql', () => String) sql: string,
    @Arg('params', () => [JSONScalar], { nullable: true, description: 'Values for $1, $2… (Postgres) or ? (MySQL).' }) params?: unknown[] | null,
    @Arg('maxRows', () => Int, { nullable: true }) maxRows?: number | null,
  ) {
    return this.queryService.runQuery({ principal: ctx.principal, requestId: ctx.requestId }, databaseId, sql, params ?? [], maxRows);
  }

  @Mutation(() => QueryPlan, { description: 'The plan of a read you may run, without running it.' })
  async explainQuery(
    @Ctx() ctx: RequestContext,
    @Arg('databaseId', () => ID) databaseId: string,
    @Arg('sql', () => String) sql: string,
    @Arg('params', () => [JSONScalar], { nullable: true }) params?: unknown[] | null,
  ) {
    return this.queryService.explainQuery({ principal: ctx.principal, requestId: ctx.requestId }, databaseId, sql, params ?? []);
  }

  @Query(() => QueryResult, { description: 'Rows of one table, filtered by a typed boolean expression (no SQL). Same grants and row filters as runQuery.' })
  async rows(@Ctx() ctx: RequestContext, @Args(() => RowsArgs) args: RowsArgs) {
    return this.queryService.rows({ principal: ctx.principal, requestId: ctx.requestId }, args.databaseId, {
      table: args.table,
      schema: args.schema,
      columns: args.columns,
      where: (args.where ?? undefined) as BoolExp | undefined,
      orderBy: args.orderBy?.map((o) => ({ column: o.column, direction: o.direction })),
      limit: args.limit,
      offset: args.offset,
    });
  }
}
