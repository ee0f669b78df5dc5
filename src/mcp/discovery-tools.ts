import { z } from 'zod';
import type { JoinSuggestion } from '../services/join-suggestions.js';
import { READ_ONLY, toolArgs, type ToolContext } from './tool-context.js';

/**
 * Discovery tools: schemas, a table's profile, a column's frequent values, how tables join. Thin calls
 * into the DiscoveryService GraphQL uses (same grants, gate and audit). Every word of their definitions
 * is paid for in each tools/list, so they are described tersely and their outputs loosely.
 */
export function registerDiscoveryTools(context: ToolContext): void {
  const { server, services, tool } = context;
  const { databaseId, table, schema } = toolArgs;
  const discovery = services.discovery;

  server.registerTool(
    'list_schemas',
    {
      description: 'Schemas with how many tables you may use in each.',
      inputSchema: { database_id: databaseId },
      outputSchema: { schemas: z.array(z.unknown()) },
      annotations: READ_ONLY,
    },
    tool(async (caller, args: { database_id: string }) => ({ schemas: await discovery.schemas(caller.principal, args.database_id) })),
  );

  server.registerTool(
    'table_profile',
    {
      description: 'Row count you may see; with columns, their nulls, distinct count, min/max and top values from a sample.',
      inputSchema: { database_id: databaseId, table, schema, columns: z.array(z.string()).optional() },
      outputSchema: { rowCount: z.number().nullable(), columns: z.array(z.unknown()) },
      annotations: READ_ONLY,
    },
    tool(async (caller, args: { database_id: string; table: string; schema?: string | undefined; columns?: string[] | undefined }) => {
      const profile = await discovery.tableProfile(caller, args.database_id, { table: args.table, schema: args.schema, columns: args.columns ?? [] });
      const { computedAt, ...rest } = profile;
      return { ...rest, computedAt: computedAt.toISOString() };
    }),
  );

  server.registerTool(
    'sample_distinct',
    {
      description: "A column's most frequent values with counts.",
      inputSchema: { database_id: databaseId, table, schema, column: z.string(), limit: z.number().int().min(1).max(100).optional() },
      outputSchema: { values: z.array(z.unknown()), truncated: z.boolean() },
      annotations: READ_ONLY,
    },
    tool(async (caller, args: { database_id: string; table: string; schema?: string | undefined; column: string; limit?: number | undefined }) => ({
      ...(await discovery.distinctValues(caller, args.database_id, { table: args.table, schema: args.schema, column: args.column, limit: args.limit })),
    })),
  );

  server.registerTool(
    'suggest_joins',
    {
      description: 'How tables join (foreign keys, name and type matches), with reasons.',
      inputSchema: { database_id: databaseId, tables: z.array(z.string()).min(1).max(20) },
      outputSchema: { joins: z.array(z.unknown()) },
      annotations: READ_ONLY,
    },
    tool(async (caller, args: { database_id: string; tables: string[] }) => ({
      joins: (await discovery.suggestJoins(caller.principal, args.database_id, args.tables)).map(compactJoin),
    })),
  );
}

/** A suggestion without what says nothing: no `via` when direct. */
function compactJoin(join: JoinSuggestion): Record<string, unknown> {
  const { via, ...rest } = join;
  return via === null ? rest : { ...rest, via };
}
