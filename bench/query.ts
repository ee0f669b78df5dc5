/**
 * Query throughput, side by side: the same point lookup and 100-row page on the demo shop schema,
 * loaded into the local PostgreSQL, through
 *   (a) runQuery over HTTP (gate → grants → rewrite → pg),
 *   (b) the typed rows query over HTTP,
 *   (c) the raw `pg` driver, from this process.
 * The gateway runs in its own process (as `npm start` does); load comes from this one.
 * Goal: (a) ≥ 40% of (c) on the point lookup, p99 under 10 ms, at 32 concurrent clients.
 *
 *   npm run bench:query     BENCH_SECONDS (8), BENCH_WARMUP (5), BENCH_CONCURRENCY (32), BENCH_STORE=postgres,
 *                           BENCH_PROFILE=<dir> (CPU profile of the gateway), BENCH_ONLY=point (skip the page)
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { SERVICES } from '../test/helpers/services.js';
import { loadShop } from '../test/helpers/shop-fixture.js';
import { spawnGateway } from '../test/helpers/spawn-gateway.js';
import { createTempPostgres } from '../test/helpers/temp-postgres.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP ?? 5);

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux clock ticks of 1/100 s). */
function cpuSecondsOf(pid: number | undefined): { total: number; system: number } {
  if (!pid) return { total: NaN, system: NaN };
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return { total: (Number(fields[11]) + Number(fields[12])) / 100, system: Number(fields[12]) / 100 };
  } catch {
    return { total: NaN, system: NaN };
  }
}

let gatewayPid: number | undefined;

async function load(name: string, once: (i: number) => Promise<void>, measureGateway = true): Promise<Figures> {
  // Warm up (JIT, pools, caches: the gateway needs a few seconds to reach its stride), then measure.
  const warm = performance.now() + WARMUP_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, i) => {
      while (performance.now() < warm) await once(i).catch(() => undefined);
    }),
  );
  const latencies: number[] = [];
  let errors = 0;
  const cpuBefore = cpuSecondsOf(gatewayPid);
  const ownBefore = process.cpuUsage();
  const until = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      let i = worker;
      while (performance.now() < until) {
        const started = performance.now();
        try {
          await once(i);
          latencies.push(performance.now() - started);
        } catch {
          errors += 1;
        }
        i += CONCURRENCY;
      }
    }),
  );
  const cpuAfter = cpuSecondsOf(gatewayPid);
  const cpuPerRequestMs = ((cpuAfter.total - cpuBefore.total) * 1000) / Math.max(1, latencies.length);
  const systemPerRequestMs = ((cpuAfter.system - cpuBefore.system) * 1000) / Math.max(1, latencies.length);
  const own = process.cpuUsage(ownBefore);
  const clientCpuMs = (own.user + own.system) / 1000 / Math.max(1, latencies.length);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  const figures = { rps: latencies.length / SECONDS, p50: at(0.5), p99: at(0.99), errors };
  const cpu = `${measureGateway ? `   gateway CPU ${cpuPerRequestMs.toFixed(2)} ms/req (kernel ${systemPerRequestMs.toFixed(2)})` : ''}   client CPU ${clientCpuMs.toFixed(2)} ms/req`;
  console.log(`${name.padEnd(30)} ${figures.rps.toFixed(0).padStart(7)} req/s   p50 ${figures.p50.toFixed(2).padStart(6)} ms   p99 ${figures.p99.toFixed(2).padStart(6)} ms${cpu}${errors ? `   errors ${errors}` : ''}`);
  return figures;
}

const target = await createTempPostgres('warden_bench');
const dataDir = await mkdtemp(join(tmpdir(), 'warden-bench-'));
const adminKey = `bench-admin-${Date.now()}-0123456789abcdef`;
// BENCH_PROFILE=dir writes a CPU profile of the gateway there.
const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
// BENCH_STORE=postgres keeps the control plane in PostgreSQL (as in production) instead of PGlite.
const storeDb = process.env.BENCH_STORE === 'postgres' ? await createTempPostgres('warden_bench_store') : undefined;
const gateway = await spawnGateway(
  {
    WARDEN_DATA_DIR: dataDir,
    WARDEN_DEMO: 'false',
    WARDEN_ADMIN_KEY: adminKey,
    ...(storeDb ? { WARDEN_STORE_URL: storeDb.url, WARDEN_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') } : {}),
  },
  { timeoutMs: 60_000, nodeArgs: profile },
);
gatewayPid = gateway.process.pid;
const agentPool = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
const raw = new pg.Pool({ connectionString: SERVICES.postgres.url.replace(/\/postgres$/, `/${target.name}`), max: CONCURRENCY });
try {
  await loadShop('postgres', target.name);
  const url = `${gateway.baseUrl}/graphql`;
  // The load generator must be cheap, or it takes the cores the gateway needs: node:http on kept-alive
  // sockets costs a fraction of what fetch does per request (the bench prints its own CPU per request).
  const { hostname, port } = new URL(url);
  const gql = (query: string, variables: Record<string, unknown>, key: string) =>
    new Promise<Record<string, { id?: string; key?: string; agent?: { id: string } }>>((resolve, reject) => {
      const payload = JSON.stringify({ query, variables });
      const req = http.request(
        { host: hostname, port, path: '/graphql', method: 'POST', agent: agentPool, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), authorization: `Bearer ${key}` } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: Record<string, unknown>; errors?: { message: string }[] };
            if (body.errors) reject(new Error(body.errors[0]?.message));
            else resolve(body.data as Record<string, { id?: string; key?: string; agent?: { id: string } }>);
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  const db = await gql('mutation($i: ConnectDatabaseInput!) { connectDatabase(input: $i) { id } }', {
    i: { name: 'shop', engine: 'postgres', host: '127.0.0.1', port: 5432, database: target.name, user: 'postgres', pool: { maxConnections: CONCURRENCY } },
  }, adminKey);
  const databaseId = db.connectDatabase!.id as string;
  const agent = await gql('mutation { registerAgent(input: { name: "bench" }) { key agent { id } } }', {}, adminKey);
  const key = agent.registerAgent!.key as string;
  await gql('mutation($i: GrantInput!) { grant(input: $i) { id } }', { i: { agentId: agent.registerAgent!.agent!.id, databaseId, scope: 'DATABASE', actions: ['READ'] } }, adminKey);

  const RUN = 'mutation($d: ID!, $sql: String!, $p: [JSON!]) { runQuery(databaseId: $d, sql: $sql, params: $p) { rowCount } }';
  const ROWS = 'query($d: ID!, $w: JSONObject, $l: Int) { rows(databaseId: $d, table: "orders", columns: ["id","customer_id","status","total"], where: $w, limit: $l) { rowCount } }';
  const id = (i: number) => (i % 300) + 1;

  console.log(`\n${CONCURRENCY} concurrent clients, ${SECONDS} s each; target PostgreSQL; gateway store ${storeDb ? 'PostgreSQL' : 'PGlite'}\n`);
  console.log('point lookup: select id, customer_id, status, total from orders where id = $1');
  const a1 = await load('  (a) runQuery via gateway', (i) => gql(RUN, { d: databaseId, sql: 'select id, customer_id, status, total from orders where id = $1', p: [id(i)] }, key).then(() => undefined));
  const b1 = await load('  (b) rows via gateway', (i) => gql(ROWS, { d: databaseId, w: { id: { _eq: id(i) } }, l: 1 }, key).then(() => undefined));
  // What a request costs the gateway before any database work: HTTP, auth, GraphQL, shield.
  await load('  floor: { __typename }', () => gql('{ __typename }', {}, key).then(() => undefined));
  const c1 = await load('  (c) raw pg', (i) => raw.query('select id, customer_id, status, total from orders where id = $1', [id(i)]).then(() => undefined), false);
  if (process.env.BENCH_ONLY === 'point') {
    console.log(`\nratio (a)/(c): point lookup ${((a1.rps / c1.rps) * 100).toFixed(0)}%; (a) p99 ${a1.p99.toFixed(2)} ms; (b)/(c) ${((b1.rps / c1.rps) * 100).toFixed(0)}%`);
    process.exitCode = 0;
  } else {
  console.log('100-row page: … order by id limit 100 offset $1');
  const a2 = await load('  (a) runQuery via gateway', (i) => gql(RUN, { d: databaseId, sql: 'select id, customer_id, status, total from orders order by id limit 100 offset $1', p: [i % 200] }, key).then(() => undefined));
  await load('  (b) rows via gateway', () => gql(ROWS, { d: databaseId, l: 100 }, key).then(() => undefined));
  const c2 = await load('  (c) raw pg', (i) => raw.query('select id, customer_id, status, total from orders order by id limit 100 offset $1', [i % 200]).then(() => undefined), false);
  console.log(`\nratio (a)/(c): point lookup ${((a1.rps / c1.rps) * 100).toFixed(0)}% (goal ≥ 40%), page ${((a2.rps / c2.rps) * 100).toFixed(0)}%`);
  console.log(`(a) point lookup p99 ${a1.p99.toFixed(2)} ms (goal < 10 ms); (b)/(c) ${((b1.rps / c1.rps) * 100).toFixed(0)}%`);
  console.log('gateway CPU per request is the figure that does not depend on what else shares the cores.');
  }
} finally {
  await raw.end();
  agentPool.destroy();
  await gateway.stop();
  await target.drop();
  await storeDb?.drop();
  await rm(dataDir, { recursive: true, force: true });
}
