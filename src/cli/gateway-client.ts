import { createWardenClient, WardenError, type WardenClient } from '../../sdk/client.js';
import { UsageError } from './cli-errors.js';

export const DEFAULT_GATEWAY_URL = 'http://127.0.0.1:4000';

/**
 * The typed client for the gateway at WARDEN_URL (its base address, or its /graphql endpoint), acting
 * with the key in WARDEN_KEY. The key is only ever read from the environment.
 */
export function clientFromEnvironment(env: NodeJS.ProcessEnv = process.env): WardenClient {
  const key = env.WARDEN_KEY?.trim();
  if (!key) {
    throw new UsageError(
      "WARDEN_KEY is not set. Export the API key to act with: an admin's key (printed at the gateway's first start) " +
        "to manage agents, databases and grants; an agent's key to query as that agent.",
    );
  }
  return createWardenClient({ url: graphqlEndpoint(env.WARDEN_URL), apiKey: key });
}

export function graphqlEndpoint(configured: string | undefined): string {
  const raw = configured?.trim() || DEFAULT_GATEWAY_URL;
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new UsageError('WARDEN_URL must be the gateway\'s http:// or https:// address, e.g. http://127.0.0.1:4000.');
  }
  if (url.username !== '' || url.password !== '') {
    throw new UsageError('WARDEN_URL must hold no user name or password: the key goes in WARDEN_KEY.');
  }
  if (!url.pathname.endsWith('/graphql')) url.pathname = `${url.pathname.replace(/\/+$/, '')}/graphql`;
  return url.href;
}

interface Page<T> {
  edges: readonly { node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** Every item of a cursor connection, page by page (200 at a time, the most the gateway gives). */
export async function allPages<T>(fetchPage: (page: { first: number; after: string | null }) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  for (let after: string | null = null; ; ) {
    const page: Page<T> = await fetchPage({ first: 200, after });
    items.push(...page.edges.map((edge) => edge.node));
    if (!page.pageInfo.hasNextPage || page.pageInfo.endCursor === null) return items;
    after = page.pageInfo.endCursor;
  }
}

/** An agent's id from its name or id: the active agent of that name first, then a revoked one. */
export async function agentIdOf(client: WardenClient, ref: string): Promise<string> {
  const agents = await allPages(async (page) => (await client.Agents({ ...page, filter: { nameContains: ref } })).agents);
  const named = agents.filter((agent) => agent.name === ref);
  const agent = named.find((a) => a.status === 'ACTIVE') ?? named[0];
  if (agent) return agent.id;
  if (ref.startsWith('agt_')) return ref;
  throw new WardenError(`No agent is named "${ref}". warden agent list shows them.`, 'NOT_FOUND', {}, []);
}

/**
 * A database's id from its name or id. Without one, the only database the key can see, if there is
 * just one.
 */
export async function databaseIdOf(client: WardenClient, ref: string | undefined): Promise<string> {
  const databases = await allPages(async (page) => (await client.Databases(page)).databases);
  if (ref === undefined) {
    const only = databases.length === 1 ? databases[0] : undefined;
    if (only) return only.id;
    throw new UsageError(
      databases.length === 0
        ? 'This key sees no database: connect one (warden db connect), or grant the agent one.'
        : `Name the database with --database: ${databases.map((d) => d.name).join(', ')}.`,
    );
  }
  const database = databases.find((d) => d.name === ref) ?? databases.find((d) => d.id === ref);
  if (database) return database.id;
  throw new WardenError(`No database "${ref}" that this key can see. warden db list shows them.`, 'NOT_FOUND', {}, []);
}
