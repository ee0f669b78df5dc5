import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICES, serviceAvailable } from '../helpers/services.js';
import { entryOf, REPO_ROOT, spawnGateway, type SpawnedGateway } from '../helpers/spawn-gateway.js';
import { createTempPostgres, type TempPostgres } from '../helpers/temp-postgres.js';
import { errorCode, postGraphQL, type GraphQLResponse } from '../helpers/test-server.js';

const ready = (await serviceAvailable('postgres')) && (await serviceAvailable('redis'));
const KEY_PATTERN = /wdn_[a-z2-7]{12}_[A-Za-z0-9_-]{43}/g;
const ME = '{ me { id } }';

/** The gateway's workers: its child processes running the gateway (src/main.ts or dist/src/main.js; tsx's esbuild is a child too). */
async function workersOf(gateway: SpawnedGateway): Promise<number[]> {
  const workers: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces, so read after its closing parenthesis.
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) !== gateway.process.pid || state === 'Z') continue;
      if ((await readFile(`/proc/${entry}/cmdline`, 'utf8')).match(/src\/main\.(ts|js)\b/)) workers.push(Number(entry));
    } catch {
      // Gone while we looked.
    }
  }
  return workers.sort((a, b) => a - b);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * postGraphQL on a connection of its own. fetch keeps one connection open, and the primary hands out
 * connections, not requests: every request would reach the same worker. Gives up after `timeoutMs`: a
 * connection the primary handed to a worker as it died is never answered.
 */
function postOnNewConnection<T>(url: string, query: string, variables: Record<string, unknown> = {}, key?: string, timeoutMs = 5_000): Promise<GraphQLResponse<T>> {
  const payload = JSON.stringify({ query, variables });
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...(key ? { authorization: `Bearer ${key}` } : {}) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') headers.set(name, value);
          try {
            resolve({ status: res.statusCode ?? 0, headers, text, body: JSON.parse(text) as GraphQLResponse<T>['body'] });
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Worker ids (the `worker` field of their JSON log lines) that logged `message`. */
function workersThatLogged(gateway: SpawnedGateway, message: string): Set<number> {
  const ids = new Set<number>();
  for (const line of gateway.stdout().split('\n')) {
    if (!line.startsWith('{')) continue;
    const record = JSON.parse(line) as { msg?: string; worker?: number };
    if (record.msg === message && record.worker !== undefined) ids.add(record.worker);
  }
  return ids;
}

/** `attempt` until it resolves, for up to `timeoutMs`: a worker killed mid-request drops that connection. */
async function retrying<T>(attempt: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function sharedEnv(store: TempPostgres, dataDir: string): Record<string, string> {
  return {
    WARDEN_STORE_URL: store.url,
    WARDEN_SECRET_KEY: randomBytes(32).toString('base64'),
    WARDEN_REDIS_URL: SERVICES.redis.url,
    // Its own channel names, so other suites sharing this Redis never reach these workers.
    WARDEN_REDIS_PREFIX: `warden-test-${randomBytes(4).toString('hex')}:`,
    WARDEN_WORKERS: '2',
    WARDEN_DEMO: 'false',
    WARDEN_DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
  };
}

describe.skipIf(!ready)('WARDEN_WORKERS=2 on a PostgreSQL store and Redis', () => {
  let store: TempPostgres;
  let dataDir: string;
  let gateway: SpawnedGateway;
  const adminKey = `workers-admin-${randomBytes(16).toString('hex')}`;
  const graphql = () => `${gateway.baseUrl}/graphql`;

  beforeAll(async () => {
    store = await createTempPostgres('warden_workers_store');
    dataDir = await mkdtemp(join(tmpdir(), 'warden-workers-'));
    gateway = await spawnGateway({ ...sharedEnv(store, dataDir), WARDEN_ADMIN_KEY: adminKey }, { timeoutMs: 120_000 });
  }, 150_000);

  afterAll(async () => {
    if (gateway?.process.exitCode === null) await gateway.stop();
    await store?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('serves from two worker processes, and says so once every worker listens', async () => {
    expect(await workersOf(gateway)).toHaveLength(2);
    expect(gateway.stdout().match(/serving GraphQL at http:\/\/[^\s"]+\/graphql with 2 workers/g)).toHaveLength(1);
    for (let i = 0; i < 20; i++) {
      const res = await postOnNewConnection<{ me: { id: string } }>(graphql(), ME, {}, adminKey);
      expect(res.body.errors).toBeUndefined();
    }
  });

  it('refuses an agent revoked through one worker on the next 20 requests, whichever worker takes them', async () => {
    const registered = await postGraphQL<{ registerAgent: { key: string; agent: { id: string } } }>(
      graphql(),
      'mutation { registerAgent(input: { name: "spread" }) { key agent { id } } }',
      {},
      adminKey,
    );
    const { key, agent } = registered.body.data!.registerAgent;
    // Both workers check the key now and keep it in their caches.
    for (let i = 0; i < 20; i++) expect(errorCode(await postOnNewConnection(graphql(), ME, {}, key))).toBeUndefined();

    const revoked = await postOnNewConnection(graphql(), 'mutation($id: ID!) { revokeAgent(id: $id) { id } }', { id: agent.id }, adminKey);
    expect(revoked.body.errors).toBeUndefined();
    const codes: unknown[] = [];
    for (let i = 0; i < 20; i++) codes.push(errorCode(await postOnNewConnection(graphql(), ME, {}, key)));
    expect(codes).toEqual(Array(20).fill('UNAUTHENTICATED'));
    expect([...workersThatLogged(gateway, 'refused an API key')].sort()).toEqual([1, 2]);
  });

  it('replaces a worker killed with SIGKILL, and requests keep succeeding meanwhile', async () => {
    const [killed, survivor] = await workersOf(gateway);
    process.kill(killed!, 'SIGKILL');
    for (let i = 0; i < 20; i++) {
      const res = await retrying(() => postOnNewConnection<{ me: { id: string } }>(graphql(), ME, {}, adminKey, 2_000));
      expect(res.body.errors).toBeUndefined();
    }
    await expect.poll(() => workersOf(gateway), { timeout: 60_000, interval: 250 }).toHaveLength(2);
    const now = await workersOf(gateway);
    expect(now).toContain(survivor);
    expect(now).not.toContain(killed);
    expect(gateway.stdout()).toContain('a worker stopped unexpectedly (signal SIGKILL); starting another');
    await expect.poll(() => gateway.stdout().includes('a new worker is serving'), { timeout: 60_000, interval: 250 }).toBe(true);
    for (let i = 0; i < 20; i++) expect((await postOnNewConnection(graphql(), ME, {}, adminKey)).body.errors).toBeUndefined();
  }, 90_000);

  it('on SIGTERM stops every worker, then exits 0', async () => {
    const workers = await workersOf(gateway);
    expect(workers).toHaveLength(2);
    expect(await gateway.stop()).toBe(0);
    expect(workers.filter(alive)).toEqual([]);
    expect(workersThatLogged(gateway, 'stopped').size).toBe(2);
  });
});

describe.skipIf(!ready)('WARDEN_WORKERS=2 on a first start without WARDEN_ADMIN_KEY', () => {
  let store: TempPostgres;
  let dataDir: string;
  let gateway: SpawnedGateway | undefined;

  beforeAll(async () => {
    store = await createTempPostgres('warden_workers_first');
    dataDir = await mkdtemp(join(tmpdir(), 'warden-workers-first-'));
  });
  afterAll(async () => {
    await gateway?.stop();
    await store?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('prints one admin key, which every worker takes', async () => {
    // The demo left at its default (on): with workers it is not loaded, and the primary says why.
    const { WARDEN_DEMO: _demo, ...env } = sharedEnv(store, dataDir);
    gateway = await spawnGateway(env, { timeoutMs: 120_000 });
    const keys = gateway.stdout().match(KEY_PATTERN) ?? [];
    expect(keys).toHaveLength(1);
    expect(gateway.stdout()).toContain('the demo database is not loaded');
    for (let i = 0; i < 6; i++) {
      const res = await postOnNewConnection<{ me: { id: string } }>(`${gateway.baseUrl}/graphql`, ME, {}, keys[0]);
      expect(res.body.errors).toBeUndefined();
    }
  }, 150_000);
});

describe('WARDEN_WORKERS=2 without a PostgreSQL store', () => {
  it('stops the start with exit code 2, saying what workers need', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'warden-workers-embedded-'));
    try {
      const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = execFile(process.execPath, entryOf('main'), {
          cwd: REPO_ROOT,
          env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', WARDEN_DATA_DIR: dataDir, WARDEN_WORKERS: '2', WARDEN_REDIS_URL: SERVICES.redis.url },
        });
        let err = '';
        child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
        child.once('exit', (exitCode) => resolve({ code: exitCode, stderr: err }));
      });
      expect(code).toBe(2);
      expect(stderr).toContain(
        'WARDEN_WORKERS > 1 needs WARDEN_STORE_URL (the embedded store belongs to one process) and WARDEN_REDIS_URL (workers share events, invalidations and limits through it, as replicas do)',
      );
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
