import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StoreConfig } from '../../src/config.js';
import { openStore } from '../../src/store/open-store.js';
import { serviceAvailable } from '../helpers/services.js';
import { spawnGateway, type SpawnedGateway } from '../helpers/spawn-gateway.js';
import { createTempPostgres, type TempPostgres } from '../helpers/temp-postgres.js';

const pgUp = await serviceAvailable('postgres');

const REGISTER = 'mutation($n: String!) { registerAgent(input: { name: $n }) { agent { id name } } }';
const BURST = 200;
const IN_FLIGHT = 8;
/** Killed once this many registrations have been answered: mid-burst, with more in flight. */
const KILL_AFTER = 60;

/**
 * Fires registerAgent calls (each with its own request id, which its audit event carries), a few in
 * flight at once, and SIGKILLs the gateway once KILL_AFTER have been answered. Returns what was answered.
 */
async function burstThenKill(gateway: SpawnedGateway, adminKey: string): Promise<Map<string, string>> {
  const acknowledged = new Map<string, string>(); // request id → agent id
  let next = 0;
  let killed = false;
  const exited = new Promise<void>((resolve) => gateway.process.once('exit', () => resolve()));
  const worker = async () => {
    while (!killed && next < BURST) {
      const i = next++;
      const requestId = `crash-${i}`;
      try {
        const response = await fetch(`${gateway.baseUrl}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}`, 'x-request-id': requestId },
          body: JSON.stringify({ query: REGISTER, variables: { n: `burst-${i}` } }),
        });
        const body = (await response.json()) as { data?: { registerAgent: { agent: { id: string } } } | null };
        if (body.data?.registerAgent) acknowledged.set(requestId, body.data.registerAgent.agent.id);
      } catch {
        // Cut off by the kill: not acknowledged.
      }
      if (!killed && acknowledged.size >= KILL_AFTER) {
        killed = true;
        gateway.process.kill('SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  await exited;
  return acknowledged;
}

/** After the crash, what the store holds: registered agents by id, and registerAgent audit events (ALLOWED) by request id. */
async function reopen(config: StoreConfig): Promise<{ agentIds: Set<string>; agentNames: Map<string, string>; audited: Set<string> }> {
  const store = await openStore(config);
  try {
    const agents = await store.db.selectFrom('agents').select(['id', 'name']).where('name', 'like', 'burst-%').execute();
    const events = await store.db
      .selectFrom('audit_events')
      .select(['requestId'])
      .where('action', '=', 'registerAgent')
      .where('decision', '=', 'ALLOWED')
      .execute();
    return {
      agentIds: new Set(agents.map((a) => a.id)),
      agentNames: new Map(agents.map((a) => [a.name, a.id])),
      audited: new Set(events.map((e) => e.requestId ?? '')),
    };
  } finally {
    await store.close();
  }
}

function expectEveryChangeAudited(acknowledged: Map<string, string>, found: Awaited<ReturnType<typeof reopen>>): void {
  expect(acknowledged.size).toBeGreaterThanOrEqual(KILL_AFTER);
  // Every answered registration: its agent and its audit event are there.
  const missingAgents = [...acknowledged].filter(([, agentId]) => !found.agentIds.has(agentId)).map(([requestId]) => requestId);
  const missingEvents = [...acknowledged.keys()].filter((requestId) => !found.audited.has(requestId));
  expect({ missingAgents, missingEvents }).toEqual({ missingAgents: [], missingEvents: [] });
  // Whatever landed (answered or not), its agent and its audit event landed together.
  const agentsWithoutEvent = [...found.agentNames.keys()].map((name) => name.replace('burst-', 'crash-')).filter((requestId) => !found.audited.has(requestId));
  const eventsWithoutAgent = [...found.audited].filter((requestId) => !found.agentNames.has(requestId.replace('crash-', 'burst-')));
  expect({ agentsWithoutEvent, eventsWithoutAgent }).toEqual({ agentsWithoutEvent: [], eventsWithoutAgent: [] });
}

describe('a gateway killed (SIGKILL) during a burst of registerAgent', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it('keeps, on the embedded store, an audit event for every registration it answered, and no event without its agent', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'warden-crash-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const adminKey = `crash-admin-${randomBytes(16).toString('hex')}`;
    const gateway = await spawnGateway({ WARDEN_DATA_DIR: dataDir, WARDEN_ADMIN_KEY: adminKey, WARDEN_DEMO: 'false', LOG_LEVEL: 'info' });
    const acknowledged = await burstThenKill(gateway, adminKey);
    expectEveryChangeAudited(acknowledged, await reopen({ kind: 'pglite', dataDir: join(dataDir, 'store') }));
  }, 180_000);

  it.skipIf(!pgUp)('keeps the same on a PostgreSQL store', async () => {
    const store: TempPostgres = await createTempPostgres();
    cleanups.push(() => store.drop());
    const dataDir = await mkdtemp(join(tmpdir(), 'warden-crash-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const adminKey = `crash-admin-${randomBytes(16).toString('hex')}`;
    const gateway = await spawnGateway({
      WARDEN_DATA_DIR: dataDir,
      WARDEN_STORE_URL: store.url,
      WARDEN_SECRET_KEY: randomBytes(32).toString('base64'),
      WARDEN_ADMIN_KEY: adminKey,
      WARDEN_DEMO: 'false',
      LOG_LEVEL: 'info',
    });
    const acknowledged = await burstThenKill(gateway, adminKey);
    expectEveryChangeAudited(acknowledged, await reopen({ kind: 'postgres', url: store.url }));
  }, 180_000);
});
