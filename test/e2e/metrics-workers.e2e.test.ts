import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition, total } from '../helpers/prometheus-text.js';
import { SERVICES, serviceAvailable } from '../helpers/services.js';
import { replicaEnv, spawnGateway, type SpawnedGateway } from '../helpers/spawn-gateway.js';
import { createTempPostgres, type TempPostgres } from '../helpers/temp-postgres.js';

const ready = (await serviceAvailable('postgres')) && (await serviceAvailable('redis'));

/**
 * One request on a connection of its own: the primary hands out connections round-robin, so requests
 * sent this way reach both workers (fetch would keep one connection, and one worker).
 */
function once(url: string, method: 'GET' | 'POST', body?: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, headers: { ...headers, ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('no answer in 10 s')));
    req.on('error', reject);
    req.end(body);
  });
}

describe.skipIf(!ready)('/metrics with WARDEN_WORKERS=2', () => {
  let store: TempPostgres;
  let dataDir: string;
  let gateway: SpawnedGateway;
  const adminKey = `metrics-admin-${randomBytes(16).toString('hex')}`;

  beforeAll(async () => {
    store = await createTempPostgres('warden_metrics_workers');
    dataDir = await mkdtemp(join(tmpdir(), 'warden-metrics-workers-'));
    const replica = replicaEnv({
      storeUrl: store.url,
      secretKey: randomBytes(32).toString('base64'),
      adminKey,
      redisUrl: SERVICES.redis.url,
      redisPrefix: `warden-test-${randomBytes(4).toString('hex')}:`,
    });
    gateway = await spawnGateway({ ...replica, WARDEN_WORKERS: '2', WARDEN_DATA_DIR: dataDir }, { timeoutMs: 120_000 });
  }, 150_000);

  afterAll(async () => {
    if (gateway?.process.exitCode === null) await gateway.stop();
    await store?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('answers for both workers together, whichever takes the scrape', async () => {
    // On connections of their own, handed out round-robin: half to each worker.
    const requests = 12;
    for (let i = 0; i < requests; i++) {
      const res = await once(`${gateway.baseUrl}/graphql`, 'POST', JSON.stringify({ query: '{ me { id } }' }), { authorization: `Bearer ${adminKey}` });
      expect(res.status).toBe(200);
    }
    const me = { operation_type: 'query', root_field: 'me', outcome: 'ok' };
    for (let i = 0; i < 4; i++) {
      const scrape = await once(`${gateway.baseUrl}/metrics`, 'GET');
      expect(scrape.status).toBe(200);
      const samples = parseExposition(scrape.text);
      // One worker alone has about half of them; the sum is every request.
      expect(total(samples, 'warden_graphql_requests_total', me)).toBe(requests);
      expect(total(samples, 'warden_graphql_request_duration_seconds_count', { operation_type: 'query', root_field: 'me' })).toBe(requests);
      // Both workers' store pools, at most WARDEN_STORE_POOL_MAX (20) each.
      expect(total(samples, 'warden_store_pool_connections', { state: 'max' })).toBe(40);
      // Read from the one store by each worker, reported once.
      expect(samples.filter((s) => s.name === 'warden_webhook_deliveries' && s.labels.status === 'pending')).toHaveLength(1);
    }
  });
});
