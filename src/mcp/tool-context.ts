import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { Caller } from '../services/query.service.js';
import type { McpServices } from './mcp-services.js';
import type { ToolRegistry } from './tool-registry.js';

/** A table as the caller may see it (only the columns it may use). */
export type VisibleTable = Awaited<ReturnType<McpServices['grants']['visibleTables']>>[number];

/**
 * What a file of tools gets to register its tools with: the registry, the services, and the one wrapper
 * every tool body runs in (it finds the caller, turns the answer into text and structured content, and
 * every failure into an isError result with our code).
 */
export interface ToolContext {
  registry: ToolRegistry;
  services: McpServices;
  tool<A>(body: (caller: Caller, args: A) => Promise<Record<string, unknown>>): (args: A) => Promise<CallToolResult>;
  /** The tables of a database the caller may touch, columns narrowed to those it may touch. */
  visibleTables(caller: Caller, databaseId: string): Promise<VisibleTable[]>;
  /** The one visible table of that name (BAD_USER_INPUT when several schemas have it), with all visible ones. */
  findTable(caller: Caller, databaseId: string, name: string, schema: string | undefined): Promise<{ table: VisibleTable | undefined; visible: VisibleTable[] }>;
}

/** Arguments many tools share, described once (each description costs every tools/list its tokens). */
export const toolArgs = {
  /** From list_databases (the server's instructions say so once, rather than every tool's schema); an unknown one is NOT_FOUND. */
  databaseId: z.string(),
  table: z.string().min(1),
  schema: z.string().min(1).optional(),
};

/**
 * The hint of a tool that only reads. No tool touches anything outside the gateway, but
 * `openWorldHint: false` on each would cost every tools/list its tokens; the server's instructions say it once.
 */
export const READ_ONLY = { readOnlyHint: true } as const;
