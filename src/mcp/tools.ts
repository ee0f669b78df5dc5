import { McpServer, type RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { AppError, ErrorCode } from '../errors/app-error.js';
import type { Caller, QueryOutcome } from '../services/query.service.js';
import type { McpServices } from './mcp-services.js';
import { WARDEN_VERSION } from '../version.js';
import { registerCatalogTools } from './catalog-tools.js';
import { READ_ONLY, toolArgs, type VisibleTable } from './tool-context.js';
import { registerDiscoveryTools } from './discovery-tools.js';
import { ToolRegistry } from './tool-registry.js';
import { toolError, toolResult } from './tool-result.js';

export const MCP_SERVER_INFO = { name: 'warden', version: WARDEN_VERSION } as const;

/** Rows a tool returns unless asked for fewer or more: enough to read, few enough for a model's context. */
const DEFAULT_MAX_ROWS = 100;
const MAX_ROWS = 1_000;
const MAX_SAMPLE_ROWS = 20;

/**
 * The caller of one tool call. Over HTTP the key was checked for this request; over stdio it is checked
 * again on every call, so a revoked key stops working at once. Throws UNAUTHENTICATED when it fails.
 */
export type CallerOf = () => Promise<Caller>;

export interface McpServerOptions {
  /**
   * Whether a language model provider is configured, so that tools/list shows ask_database; asked before
   * each tools/list is answered. A call to ask_database is served either way: without a provider it
   * answers LLM_UNAVAILABLE naming what to set.
   */
  askDatabase: () => Promise<boolean>;
  /**
   * For a session that lasts (stdio): decide before the client first lists, ask again after each tool
   * call, and declare `tools.listChanged`, so that the client hears (notifications/tools/list_changed)
   * when ask_database comes or goes. A stateless HTTP request has no one to tell.
   */
  notifyToolListChanges?: boolean;
}

/**
 * An MCP server whose tools act for one principal. Each tool is a thin call into the same services the
 * GraphQL resolvers use (same gate, grants, rate limits, audit actions); there is no second permission path.
 */
export async function createMcpServer(services: McpServices, callerOf: CallerOf, options: McpServerOptions): Promise<McpServer> {
  const server = new McpServer(MCP_SERVER_INFO, {
    instructions:
      'Start with list_databases (its ids are the database_id of every other tool) and list_tables. Everything runs under your grants, touches nothing outside this gateway, and is audited.',
  });
  const { databases, catalog, grants, queries } = services;

  /**
   * ask_database's handle is enabled while a provider is configured. Enabling or disabling it is what
   * makes the SDK announce notifications/tools/list_changed (on a connected server; a stateless HTTP
   * transport has nowhere to send it). One check at a time, so one change is announced once.
   */
  let ask: RegisteredTool | undefined;
  let offerChecked = Promise.resolve();
  const syncAskDatabase = () =>
    (offerChecked = offerChecked.then(async () => {
      // Unsure (the check itself failed): offered, and a call then says what is wrong.
      const offered = await options.askDatabase().catch(() => true);
      if (ask && offered !== ask.enabled) {
        if (offered) ask.enable();
        else ask.disable();
      }
    }));
  // Bounds the work a single call can ask of argument validation (params arrays, mostly).
  const registry = new ToolRegistry(server, { maxInputElements: 1_000, beforeList: syncAskDatabase, log: services.log });

  /** Runs a tool body for the current caller; every failure becomes an isError result with our code. */
  const tool =
    <A>(body: (caller: Caller, args: A) => Promise<Record<string, unknown>>) =>
    async (args: A): Promise<CallToolResult> => {
      let requestId: string | null = null;
      try {
        const caller = await callerOf();
        requestId = caller.requestId;
        return toolResult(await body(caller, args));
      } catch (error) {
        return toolError(error, requestId, services.log);
      } finally {
        if (options.notifyToolListChanges) void syncAskDatabase();
      }
    };

  /** The tables of a database the caller may touch, columns narrowed to those it may touch. */
  const visibleTables = async (caller: Caller, databaseId: string): Promise<VisibleTable[]> => {
    await databases.get(caller.principal, databaseId);
    return grants.visibleTables(caller.principal, databaseId, (await catalog.get(databaseId)).tables);
  };

  const findTable = async (caller: Caller, databaseId: string, name: string, schema: string | undefined): Promise<{ table: VisibleTable | undefined; visible: VisibleTable[] }> => {
    const visible = await visibleTables(caller, databaseId);
    const matches = visible.filter((t) => t.name === name && (!schema || t.schema === schema));
    if (matches.length > 1) {
      throw new AppError(ErrorCode.BAD_USER_INPUT, `"${name}" is in several schemas (${matches.map((t) => t.schema).join(', ')}); give the schema.`, {
        field: 'schema',
      });
    }
    return { table: matches[0], visible };
  };

  const { databaseId, table, schema } = toolArgs;
  const sql = z.string().min(1).describe('One statement.');
  const params = z.array(z.unknown()).optional().describe('Bound to $1… or ?.');
  const readOnly = READ_ONLY;

  registry.register(
    'list_databases',
    {
      description: 'Databases you may query: id, name, engine.',
      inputSchema: {},
      outputSchema: { databases: z.array(z.unknown()) },
      annotations: readOnly,
    },
    tool(async (caller) => ({
      databases: (await databases.list(caller.principal)).map((d) => ({ id: d.id, name: d.name, engine: d.engine, ...(d.description ? { description: d.description } : {}) })),
    })),
  );

  registry.register(
    'list_tables',
    {
      description: 'Tables you may use, with kind and estimated rows.',
      inputSchema: { database_id: databaseId },
      outputSchema: { tables: z.array(z.unknown()) },
      annotations: readOnly,
    },
    tool(async (caller, args: { database_id: string }) => ({
      tables: (await visibleTables(caller, args.database_id)).map((t) => ({
        schema: t.schema,
        name: t.name,
        kind: t.kind,
        ...(t.rowEstimate !== null ? { rows: t.rowEstimate } : {}),
        ...(t.comment ? { comment: t.comment } : {}),
      })),
    })),
  );

  registry.register(
    'describe_table',
    {
      description: 'Columns, primary key and foreign keys of a table, as far as you may see them.',
      inputSchema: { database_id: databaseId, table, schema },
      outputSchema: { columns: z.array(z.unknown()), primaryKey: z.array(z.string()), foreignKeys: z.array(z.unknown()) },
      annotations: readOnly,
    },
    tool(async (caller, args: { database_id: string; table: string; schema?: string | undefined }) => {
      const { table: found, visible } = await findTable(caller, args.database_id, args.table, args.schema);
      if (!found) throw notVisible(args.table, args.schema);
      const columns = new Set(found.columns.map((c) => c.name));
      const primaryKey = found.primaryKey.every((c) => columns.has(c)) ? found.primaryKey : [];
      const foreignKeys = found.foreignKeys.filter(
        (fk) =>
          fk.columns.every((c) => columns.has(c)) &&
          visible.some((t) => t.schema === fk.referencedSchema && t.name === fk.referencedTable && fk.referencedColumns.every((c) => t.columns.some((col) => col.name === c))),
      );
      return {
        schema: found.schema,
        name: found.name,
        kind: found.kind,
        ...(found.comment ? { comment: found.comment } : {}),
        columns: found.columns.map((c) => ({
          name: c.name,
          type: c.dataType,
          nullable: c.nullable,
          ...(c.defaultValue !== null ? { default: c.defaultValue } : {}),
          ...(c.comment ? { comment: c.comment } : {}),
        })),
        primaryKey,
        foreignKeys: foreignKeys.map((fk) => ({ columns: fk.columns, references: `${fk.referencedSchema}.${fk.referencedTable}`, referencedColumns: fk.referencedColumns })),
      };
    }),
  );

  registry.register(
    'sample_rows',
    {
      description: 'A few rows of a table, filtered and masked as your grants say.',
      inputSchema: { database_id: databaseId, table, schema, limit: z.number().int().min(1).max(MAX_SAMPLE_ROWS).optional().describe('Default 5.') },
      outputSchema: ROWS_SHAPE,
      annotations: readOnly,
    },
    tool(async (caller, args: { database_id: string; table: string; schema?: string | undefined; limit?: number | undefined }) => {
      // Only the columns the caller may use; a table it may not use goes to the gate, which refuses it (and audits that).
      const { table: found } = await findTable(caller, args.database_id, args.table, args.schema);
      const outcome = await queries.rows(caller, args.database_id, {
        table: found?.name ?? args.table,
        schema: found?.schema ?? args.schema,
        columns: found?.columns.map((c) => c.name),
        limit: args.limit ?? 5,
      });
      return rowsOf(outcome);
    }),
  );

  registry.register(
    'run_sql',
    {
      description: 'Runs one SQL statement, checked and narrowed by your grants; reads run read-only.',
      inputSchema: {
        database_id: databaseId,
        sql,
        params,
        max_rows: z.number().int().min(1).max(MAX_ROWS).optional().describe(`Default ${DEFAULT_MAX_ROWS}.`),
      },
      outputSchema: ROWS_SHAPE,
    },
    tool(async (caller, args: { database_id: string; sql: string; params?: unknown[] | undefined; max_rows?: number | undefined }) =>
      rowsOf(await queries.runQuery(caller, args.database_id, args.sql, args.params ?? [], args.max_rows ?? DEFAULT_MAX_ROWS)),
    ),
  );

  registry.register(
    'explain_sql',
    {
      description: 'The plan of a read you may run, without running it.',
      inputSchema: { database_id: databaseId, sql, params },
      outputSchema: { plan: z.unknown(), tables: z.array(z.string()) },
      annotations: readOnly,
    },
    tool(async (caller, args: { database_id: string; sql: string; params?: unknown[] | undefined }) =>
      queries.explainQuery(caller, args.database_id, args.sql, args.params ?? []),
    ),
  );

  registerDiscoveryTools({ registry, services, tool, visibleTables, findTable });
  registerCatalogTools({ registry, services, tool, visibleTables, findTable });

  ask = registry.register(
    ASK_DATABASE,
    {
      description: 'Answers a question in plain words with SQL a language model writes over tables you may read.',
      inputSchema: { database_id: databaseId, question: z.string().min(1).max(2_000) },
      outputSchema: { sql: z.string(), ...ROWS_SHAPE },
      annotations: readOnly,
    },
    tool(async (caller, args: { database_id: string; question: string }) => {
      const outcome = await services.ask.ask(caller, args.database_id, args.question, { maxRows: DEFAULT_MAX_ROWS });
      return { sql: outcome.sql, summary: outcome.explanation.summary, ...rowsOf(outcome.result) };
    }),
  );

  // The SDK declares tools.listChanged as soon as a tool is registered; only a server that sends the
  // notification (a lasting session, as over stdio) may say so. A stateless HTTP request cannot.
  if (options.notifyToolListChanges) await syncAskDatabase();
  else server.server.registerCapabilities({ tools: { listChanged: false } });
  return server;
}

const ASK_DATABASE = 'ask_database';

/** Whether a language model provider is configured, so ask_database is worth offering. */
export async function askDatabaseAvailable(services: Pick<McpServices, 'providers' | 'log'>): Promise<boolean> {
  try {
    await services.providers.clientFor();
    return true;
  } catch (error) {
    if (error instanceof AppError && error.code === ErrorCode.LLM_UNAVAILABLE) return false;
    // Misconfigured rather than absent: offer the tool, whose calls then say what is wrong.
    if (!(error instanceof AppError)) services.log.warn({ err: error }, 'could not tell whether a language model is configured');
    return true;
  }
}

/** What run_sql, sample_rows and ask_database answer with. */
const ROWS_SHAPE = { rowCount: z.number(), truncated: z.boolean(), rows: z.array(z.unknown()) };

function rowsOf(outcome: QueryOutcome) {
  return {
    statementType: outcome.statementType,
    rowCount: outcome.rowCount,
    truncated: outcome.truncated,
    ...(outcome.truncatedReason ? { truncatedReason: outcome.truncatedReason } : {}),
    columns: outcome.columns.map((c) => c.name),
    rows: outcome.rows,
  };
}

function notVisible(table: string, schema: string | undefined): AppError {
  return new AppError(ErrorCode.NOT_FOUND, `No table "${schema ? `${schema}.` : ''}${table}" that you may use is in this database; list_tables shows those you may.`, {
    field: 'table',
  });
}
