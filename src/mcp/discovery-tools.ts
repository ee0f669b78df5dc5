import { z } from 'zod';
import type { JoinSuggestion } from '../services/join-suggestions.js';
import { READ_ONLY, type ToolContext } from './tool-context.js';

/**
 * Discovery tools: schemas, a table's profile, a column's frequent values, how tables join. Thin calls
 * into the DiscoveryService GraphQL uses (same grants, gate and audit). Every word of their definitions
 * is paid for in each tools/list (four tools in about 300 tokens), so they are described tersely, a
 * table is named `table` or `schema.table` (no separate schema argument), names are checked by the
 * service rather than by schema keywords, outputs are described by their top-level keys only,
 * and sample_distinct gives the 20 most frequent values (GraphQL's distinctValues takes a limit).
 */
export function registerDiscoveryTools(context: ToolContext): void {
  const { registry, services, tool } = context;
  const discovery = services.discovery;
  const name = z.string();
  const list = z.array(z.unknown());

  registry.register(
    'list_schemas',
    {
      description: 'Tables you may use by schema.',
      inputSchema: { database_id: name },
      outputSchema: { schemas: list },
      annotations: READ_ONLY,
    },
    tool(async (caller, args: { database_id: string }) => ({ schemas: await discovery.schemas(caller.principal, args.database_id) })),
  );

  registry.register(
    'table_profile',
    {
      description: 'Row count; per column: nulls, distinct, min/max, top values.',
      inputSchema: { database_id: name, table: name, columns: z.array(name).optional() },
      outputSchema: { rowCount: z.number(), columns: list },
      annotations: READ_ONLY,
    },
    tool(async (caller, args: { database_id: string; table: string; columns?: string[] | undefined }) => {
      const { computedAt, ...profile } = await discovery.tableProfile(caller, args.database_id, { table: args.table, columns: args.columns ?? [] });
      return { ...profile, computedAt: computedAt.toISOString() };
    }),
  );

  registry.register(
    'sample_distinct',
    {
      description: "A column's most frequent values.",
      inputSchema: { database_id: name, table: name, column: name },
      outputSchema: { values: list },
      annotations: READ_ONLY,
    },
    tool(async (caller, args: { database_id: string; table: string; column: string }) => ({
      ...(await discovery.distinctValues(caller, args.database_id, { table: args.table, column: args.column })),
    })),
  );

  registry.register(
    'suggest_joins',
    {
      description: 'How tables join, and why.',
      inputSchema: { database_id: name, tables: z.array(name) },
      outputSchema: { joins: list },
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
