import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { CatalogTable } from '../plugins/drivers/catalog.js';
import { AppError, ErrorCode } from '../src/errors/app-error.js';
import type { RequestContext } from '../src/server/context.js';
import type { CatalogService } from '../src/services/catalog.service.js';
import { connectionFromArray } from '../src/services/connection.js';
import type { DatabaseService } from '../src/services/database.service.js';
import type { GrantService } from '../src/services/grant.service.js';
import type { Database as DatabaseModel } from '../src/services/models.js';
import { Table } from '../schema/catalog.type.js';
import { ConnectDatabaseInput, ConnectionInput, UpdateDatabaseInput } from '../schema/database.input.js';
import { ConnectionTestResult, Database, DatabaseConnection, DatabaseStatus } from '../schema/database.type.js';
import { PageArgs } from '../schema/page.args.js';

@Resolver(() => Database)
export class DatabaseResolver {
  constructor(
    private readonly databaseService: DatabaseService,
    private readonly catalogService: CatalogService,
    private readonly grantService: GrantService,
  ) {}

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

  @Mutation(() => Database, {
    description: 'Registers a database. The connection is tested first; a database Warden cannot reach is not saved. Admins only.',
  })
  async connectDatabase(@Arg('input', () => ConnectDatabaseInput) input: ConnectDatabaseInput): Promise<DatabaseModel> {
    return this.databaseService.connect(input);
  }

  @Mutation(() => ConnectionTestResult, {
    description: 'Tests a connection (given, or the stored one of databaseId) without saving anything. Admins only.',
  })
  async testConnection(
    @Arg('input', () => ConnectionInput, { nullable: true }) input?: ConnectionInput | null,
    @Arg('databaseId', () => ID, { nullable: true }) databaseId?: string | null,
  ) {
    return this.databaseService.testConnection(input, databaseId);
  }

  @Mutation(() => Database, { description: 'Changes a database; new connection settings are tested before they are saved. Admins only.' })
  async updateDatabase(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateDatabaseInput) input: UpdateDatabaseInput,
  ): Promise<DatabaseModel> {
    return this.databaseService.update(id, input);
  }

  @Mutation(() => Database, { description: 'Unregisters a database and drops its grants. Returns it as it was. Admins only.' })
  async removeDatabase(@Arg('id', () => ID) id: string): Promise<DatabaseModel> {
    return this.databaseService.remove(id);
  }

  @Mutation(() => Database, { description: "Reads the database's catalog again (after a schema change). Admins only." })
  async refreshCatalog(@Ctx() ctx: RequestContext, @Arg('databaseId', () => ID) databaseId: string): Promise<DatabaseModel> {
    const database = await this.databaseService.get(ctx.principal, databaseId);
    await this.catalogService.refresh(databaseId);
    ctx.loaders.catalogByDatabase.clear(databaseId);
    return database;
  }

  @FieldResolver(() => DatabaseStatus, { description: 'Checked now, with a round trip to the database.' })
  async status(@Root() database: DatabaseModel) {
    return this.databaseService.status(database.id);
  }

  @FieldResolver(() => [Table], { description: 'Tables, views and collections, from the cached catalog (refreshCatalog reads it again).' })
  async tables(
    @Root() database: DatabaseModel,
    @Ctx() ctx: RequestContext,
    @Arg('schema', () => String, { nullable: true }) schema?: string | null,
  ): Promise<CatalogTable[]> {
    const catalog = await ctx.loaders.catalogByDatabase.load(database.id);
    const tables = schema ? catalog.tables.filter((t) => t.schema === schema) : catalog.tables;
    return this.grantService.visibleTables(ctx.principal, database.id, tables);
  }

  @FieldResolver(() => Table, { nullable: true, description: 'One table by name (and schema, when the name is in several).' })
  async table(
    @Root() database: DatabaseModel,
    @Ctx() ctx: RequestContext,
    @Arg('name', () => String) name: string,
    @Arg('schema', () => String, { nullable: true }) schema?: string | null,
  ): Promise<CatalogTable | null> {
    const catalog = await ctx.loaders.catalogByDatabase.load(database.id);
    const visible = await this.grantService.visibleTables(ctx.principal, database.id, catalog.tables);
    const matches = visible.filter((t) => t.name === name && (!schema || t.schema === schema));
    if (matches.length > 1) {
      throw new AppError(ErrorCode.BAD_USER_INPUT, `"${name}" is in several schemas (${matches.map((t) => t.schema).join(', ')}); give the schema.`, {
        field: 'schema',
      });
    }
    return matches[0] ?? null;
  }
}
