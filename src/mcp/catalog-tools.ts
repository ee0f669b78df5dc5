import { z } from 'zod';
import { AppError, ErrorCode } from '../errors/app-error.js';
import type { Caller } from '../services/query.service.js';
import type { CatalogTermView } from '../services/semantic-catalog.service.js';
import { READ_ONLY, type ToolContext } from './tool-context.js';

/** Terms one catalog_search answers with at most. */
const SEARCH_LIMIT = 50;

/**
 * The semantic catalog over MCP: `catalog_search` (one term by id, the terms a query matches, or all) and
 * `catalog_upsert` (an agent proposes, an admin saves). Both call SemanticCatalogService, as GraphQL
 * does, so an agent finds only the terms whose every object it may read. Merging, approving and deleting
 * are GraphQL only: they are admins' work, and every tool listed costs each agent's context its tokens.
 */
export function registerCatalogTools(context: ToolContext): void {
  const { registry, services, tool } = context;

  registry.register(
    'catalog_search',
    {
      description: 'Glossary terms: by query, by id, or all.',
      inputSchema: { database_id: z.string(), query: z.string().optional(), id: z.string().optional() },
      outputSchema: { terms: z.array(z.unknown()) },
      annotations: READ_ONLY,
    },
    tool(async (caller, args: { database_id: string; query?: string | undefined; id?: string | undefined }) => {
      if (args.id) {
        const term = await services.semanticCatalog.get(caller, args.id);
        if (term.databaseId !== args.database_id) throw new AppError(ErrorCode.NOT_FOUND, `No catalog term with the id "${args.id}" is visible to you in this database.`);
        return { terms: [compact(term)] };
      }
      const page = await services.semanticCatalog.list(caller, args.database_id, { search: args.query, first: SEARCH_LIMIT });
      return { terms: page.edges.map((e) => compact(e.node)), ...(page.pageInfo.hasNextPage ? { total: page.totalCount } : {}) };
    }),
  );

  registry.register(
    'catalog_upsert',
    {
      description: 'Saves a glossary term by name (agents: for approval). links: [schema.]table[.column]; examples: {question: sql}.',
      // The lists are checked here and lengths and counts by the service (BAD_USER_INPUT naming the field):
      // spelling them out in the schema would cost every tools/list its tokens.
      inputSchema: {
        database_id: z.string(),
        term: z.string(),
        definition: z.string(),
        synonyms: z.array(z.unknown()).optional(),
        links: z.array(z.unknown()).optional(),
        examples: z.unknown().optional(),
      },
      outputSchema: { id: z.string() },
    },
    tool(
      async (
        caller,
        args: { database_id: string; term: string; definition: string; synonyms?: unknown[] | undefined; links?: unknown[] | undefined; examples?: unknown },
      ) => {
        // An upsert by name: the term of that name the caller may see is changed; otherwise a new one is saved
        // (and one it may not see keeps its name: CONFLICT).
        const existing = await findByName(context, caller, args.database_id, args.term);
        const saved = await services.semanticCatalog.save(caller, {
          id: existing?.id,
          expectedVersion: existing?.version,
          databaseId: args.database_id,
          term: args.term,
          definition: args.definition,
          synonyms: checked(STRINGS, args.synonyms ?? [], 'synonyms', 'a list of words'),
          links: checked(STRINGS, args.links ?? [], 'links', 'a list of [schema.]table[.column]').map(parseLink),
          examples: Object.entries(checked(EXAMPLES, args.examples ?? {}, 'examples', 'an object of questions, each with the SQL that answers it: {"How many orders?": "select count(*) from orders"}')).map(
            ([question, sql]) => ({ question, sql }),
          ),
        });
        return { id: saved.id, status: saved.status, version: saved.version };
      },
    ),
  );
}

/** The term of this name (any case) the caller may see, if there is one. */
async function findByName(context: ToolContext, caller: Caller, databaseId: string, term: string): Promise<CatalogTermView | undefined> {
  const name = term.trim().toLowerCase();
  const page = await context.services.semanticCatalog.list(caller, databaseId, { search: term, first: SEARCH_LIMIT });
  return page.edges.map((e) => e.node).find((t) => t.term.toLowerCase() === name);
}

/** A term as a tool shows it: links as `schema.table[.column]`, examples without what they read, status only when not approved. */
function compact(term: CatalogTermView): Record<string, unknown> {
  return {
    id: term.id,
    term: term.term,
    definition: term.definition,
    ...(term.synonyms.length > 0 ? { synonyms: term.synonyms } : {}),
    ...(term.links.length > 0 ? { links: term.links.map((l) => [l.schema, l.table, ...(l.column === undefined ? [] : [l.column])].join('.')) } : {}),
    ...(term.examples.length > 0 ? { examples: term.examples.map((e) => ({ question: e.question, sql: e.sql })) } : {}),
    ...(term.status !== 'APPROVED' ? { status: term.status, ...(term.rejectedReason ? { rejectedReason: term.rejectedReason } : {}) } : {}),
    version: term.version,
  };
}

const STRINGS = z.array(z.string());
const EXAMPLES = z.record(z.string(), z.string());

/** The value as `schema` has it, or BAD_USER_INPUT saying what `field` should be. */
function checked<T>(schema: z.ZodType<T>, value: unknown, field: string, shape: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new AppError(ErrorCode.BAD_USER_INPUT, `${field} is ${shape}.`, { field });
  return parsed.data;
}

/** `table`, `schema.table` or `schema.table.column`. */
function parseLink(link: string): { schema: string | null; table: string; column: string | null } {
  const parts = link.split('.').map((p) => p.trim());
  if (parts.length > 3 || parts.some((p) => p === '')) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, `"${link}" is not a link: write table, schema.table or schema.table.column.`, { field: 'links' });
  }
  if (parts.length === 1) return { schema: null, table: parts[0]!, column: null };
  return { schema: parts[0]!, table: parts[1]!, column: parts[2] ?? null };
}
