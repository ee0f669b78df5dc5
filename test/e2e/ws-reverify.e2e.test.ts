import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceAvailable } from '../helpers/services.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { createTempPostgres, type TempPostgres } from '../helpers/temp-postgres.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { subscribe } from '../helpers/ws-client.js';

const ready = await serviceAvailable('postgres');

const AUDIT = 'subscription { auditEvents { id action principalId } }';
type AuditData = { auditEvents: { id: string; action: string; principalId: string } };
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Two replicas sharing a PostgreSQL store but no Redis: a revocation on one never reaches the other as
 * a message, as when a replica's pubsub subscriber was reconnecting. The periodic re-verification of
 * open connections against the store is what still ends the revoked agent's sockets there.
 */
describe.skipIf(!ready)('re-verifying open subscription connections against the store', () => {
  let store: TempPostgres;
  let proxy: TcpProxy;
  let a: TestServer;
  let b: TestServer;
  const adminKey = `reverify-admin-${randomBytes(16).toString('hex')}`;
  const shared = { WARDEN_SECRET_KEY: randomBytes(32).toString('base64'), WARDEN_WS_REVERIFY_SECONDS: '1' };

  const register = async (name: string) => {
    const res = await a.graphql<{ registerAgent: { key: string; agent: { id: string } } }>(
      'mutation($n: String!) { registerAgent(input: { name: $n }) { key agent { id } } }',
      { n: name },
      adminKey,
    );
    return { id: res.body.data!.registerAgent.agent.id, key: res.body.data!.registerAgent.key };
  };

  beforeAll(async () => {
    store = await createTempPostgres('warden_reverify_store');
    a = await startTestServer({ adminKey, store: { kind: 'postgres', url: store.url }, env: shared });
    // B reaches the store through a proxy the last test cuts.
    proxy = await startTcpProxy(5432);
    b = await startTestServer({ adminKey, store: { kind: 'postgres', url: store.url.replace(':5432/', `:${proxy.port}/`) }, env: shared });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await proxy?.kill();
    await store?.drop();
  });

  it('closes a revoked agent’s socket on the other replica with 4403 at the next re-verification, and keeps the others open', async () => {
    const revoked = await register('reverify-revoked');
    const kept = await register('reverify-kept');
    const gone = subscribe<AuditData>(b.url, AUDIT, { connectionParams: bearer(revoked.key) });
    const stays = subscribe<AuditData>(b.url, AUDIT, { connectionParams: bearer(kept.key) });
    await Promise.all([gone.connected, stays.connected]);

    const started = Date.now();
    const res = await a.graphql('mutation($id: ID!) { revokeAgent(id: $id) { status } }', { id: revoked.id }, adminKey);
    expect(res.body.errors).toBeUndefined();
    const closed = await gone.closed;
    expect(closed.code).toBe(4403);
    // One interval, plus the time a pass takes; never the minutes a missed message would otherwise cost.
    expect(Date.now() - started).toBeLessThan(3_000);

    // The other agent's socket is still open and still delivers.
    await sleep(1_500);
    await b.graphql('mutation { runQuery(databaseId: "db_nothing", sql: "select 1") { rowCount } }', {}, kept.key);
    const [event] = await stays.waitFor(1);
    expect(event!.auditEvents.principalId).toBe(kept.id);
    await stays.dispose();
  });

  it('closes nothing when the store cannot be reached, and says so in the log', async () => {
    const agent = await register('reverify-store-down');
    const live = subscribe<AuditData>(b.url, AUDIT, { connectionParams: bearer(agent.key) });
    await live.connected;
    let closedEarly = false;
    void live.closed.then(() => (closedEarly = true));

    await proxy.kill();
    await sleep(3_500);
    expect(closedEarly).toBe(false);
    expect(b.logs.join('')).toContain('could not re-verify the keys of subscription connections');
    await live.dispose();
  });
});
