/* eslint-disable @typescript-eslint/no-explicit-any -- the answers of every server in the bench, parsed from JSON and checked by hand in verdict() */
/**
 * Warden next to its peers: the same point lookup and 100-row page on the demo shop's orders table,
 * loaded into the local PostgreSQL, served by
 *   raw node:http + pg          bench/peers/raw-http-pg.ts: POST {"id"} / {"first"}, one pg query, JSON out
 *   Apollo 5 + express 5        bench/peers/apollo-express.ts: order(id:) / orders(first:), same pg query
 *   Apollo 5 on node:http       bench/peers/apollo-http.ts: the same schema through executeHTTPGraphQLRequest
 *   PostGraphile v4             bench/peers/postgraphile.ts: orderById(id:) / allOrders(first: 100, orderBy: ID_ASC)
 *   Warden runQuery             the gateway (as `npm start` runs it): runQuery with the same SQL
 *   Warden rows                 the gateway: rows(table: "orders", where: {id: {_eq}}) / rows(orderBy: id, limit: 100)
 * Each server runs in its own process, so its CPU (user + system, from /proc/<pid>/stat, summed over
 * its child processes too: the gateway's workers) is its own; load comes from this process, over
 * kept-alive node:http sockets. Every response is checked (the right id, 100 rows in order, no errors).
 * Rounds are interleaved (each candidate runs once per round, the start rotating), so a slow spell of
 * the machine does not land on one candidate: req/s is the median of the rounds, p50/p99 are over all
 * the rounds' requests, server CPU per request is the rounds' CPU (read 0.3 s after each pass, so work a
 * server defers still counts) over their requests. A last pass at BENCH_P99_CLIENTS clients gives the p99.
 *
 * Goals: Warden runQuery point lookup ≥ 40% of raw node:http + pg and above PostGraphile; gateway CPU
 * ≤ 0.25 ms per point lookup; p99 < 10 ms at 8 clients; rows within 10% of runQuery; Warden's 100-row
 * page ≥ PostGraphile's allOrders(first: 100).
 *
 *   npm run bench:peers     BENCH_ROUNDS (3), BENCH_SECONDS (5) per candidate per round, BENCH_WARMUP (3)
 *                           per candidate in the first round (1 s in later ones), BENCH_CONCURRENCY (32),
 *                           BENCH_P99_CLIENTS (8; 0 skips the pass at few clients), BENCH_POOL (10
 *                           connections per server), BENCH_STORE=pglite (the gateway's store embedded; default PostgreSQL,
 *                           as in production), BENCH_NODE_ENV (production), BENCH_TSX=1 (all from source), BENCH_WARDEN_ENV='{"LOG_LEVEL":"warn"}'
 *                           (more env for the gateway), BENCH_WARDEN_WORKERS (its WARDEN_WORKERS),
 *                           BENCH_ONLY=raw,warden-run,… (candidates by key), BENCH_SCALING=1,2 (runQuery point
 *                           lookups on gateways of 1 and 2 workers too, with Redis: candidates warden-run-w1, -w2)
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVICES } from '../test/helpers/services.js';
import { loadShop } from '../test/helpers/shop-fixture.js';
import { REPO_ROOT, spawnGateway, type SpawnedGateway } from '../test/helpers/spawn-gateway.js';
import { createTempPostgres } from '../test/helpers/temp-postgres.js';
import { drive, JsonPoster, median, processTree, quantile, stillRunning, treeCpuSeconds } from './load.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const REWARM = Math.min(1, WARMUP);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const P99_CLIENTS = Number(process.env.BENCH_P99_CLIENTS ?? 8);
const POOL = Number(process.env.BENCH_POOL ?? 10);
const WORKERS = process.env.BENCH_WARDEN_WORKERS;
/** Worker counts to run the runQuery point lookup at as well (candidates warden-run-w<N>), e.g. 1,2. */
const SCALING = (process.env.BENCH_SCALING ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const WARDEN_ENV = parseWardenEnv(process.env.BENCH_WARDEN_ENV);
const ONLY = process.env.BENCH_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
/** Every server, peers and gateway alike, runs under this NODE_ENV (production: what performance is claimed for). */
const NODE_ENV = process.env.BENCH_NODE_ENV ?? 'production';
/** Every server runs compiled (`npm run build`, plain node) unless BENCH_TSX=1 runs them all from source through tsx. */
const COMPILED = process.env.BENCH_TSX !== '1';

function parseWardenEnv(text: string | undefined): Record<string, string> {
  if (!text) return {};
  const parsed = JSON.parse(text) as unknown;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('BENCH_WARDEN_ENV: expected a JSON object of variables');
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
}

type Scenario = 'point' | 'page';
const SCENARIOS: Scenario[] = ['point', 'page'];
const SCENARIO_TITLE: Record<Scenario, string> = {
  point: 'point lookup by primary key (ids 1..300)',
  page: '100-row page (order by id limit 100)',
};
const POINT_SQL = 'select id, customer_id, status, total from orders where id = $1';
const PAGE_SQL = 'select id, customer_id, status, total from orders order by id limit 100';
const idOf = (i: number) => (i % 300) + 1;
/** How long after a pass its server's CPU is read. */
const SETTLE_MS = 300;

interface Candidate {
  key: string;
  label: string;
  pid: () => number | undefined;
  url: string;
  headers?: Record<string, string>;
  /** The request body for the i-th request of a scenario. */
  payload: Record<Scenario, (i: number) => string>;
  /** Where the row is in a point lookup's answer, and the rows in a page's. */
  pointRow: (json: any) => any;
  pageRows: (json: any) => any;
}

/** The 300 point-lookup bodies, made once: the load generator should spend its CPU on sending them. */
function pointPayloads(make: (id: number) => unknown): (i: number) => string {
  const bodies = Array.from({ length: 300 }, (_, k) => JSON.stringify(make(k + 1)));
  return (i) => bodies[i % 300] as string;
}

/** Why an answer is wrong, or undefined when it is right. */
function verdict(candidate: Candidate, scenario: Scenario, i: number, status: number, body: string): string | undefined {
  if (status !== 200) return `HTTP ${status}: ${body.slice(0, 300)}`;
  let json: any;
  try {
    json = JSON.parse(body);
  } catch {
    return `not JSON: ${body.slice(0, 300)}`;
  }
  if (json?.errors) return `errors: ${JSON.stringify(json.errors).slice(0, 300)}`;
  if (scenario === 'point') {
    const row = candidate.pointRow(json);
    if (Number(row?.id) !== idOf(i)) return `expected order ${idOf(i)}, got ${body.slice(0, 300)}`;
    if (row.total === undefined || row.status === undefined) return `columns missing: ${body.slice(0, 300)}`;
    return undefined;
  }
  const rows = candidate.pageRows(json);
  if (!Array.isArray(rows) || rows.length !== 100) return `expected 100 rows, got ${Array.isArray(rows) ? rows.length : body.slice(0, 300)}`;
  if (Number(rows[0]?.id) !== 1 || Number(rows[99]?.id) !== 100) return `rows not ordered by id: first ${rows[0]?.id}, last ${rows[99]?.id}`;
  return undefined;
}

// ---- processes, and taking everything down again, also on failure and on Ctrl-C ----

const cleanups: { name: string; run: () => Promise<unknown> }[] = [];
let cleaning: Promise<void> | undefined;
let interrupted = false;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const step of cleanups.reverse()) {
      try {
        await step.run();
      } catch (error) {
        console.error(`cleanup (${step.name}): ${(error as Error).message}`);
      }
    }
  })();
  return cleaning;
}

function abort(reason: string): void {
  if (interrupted) return;
  interrupted = true;
  try {
    console.error(`\n${reason}: stopping the servers and dropping the bench databases`);
  } catch {
    // stderr may be the pipe that broke
  }
  void cleanup().finally(() => process.exit(130));
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => abort(signal));
// Output piped into `head` that has had enough: clean up all the same.
process.stdout.on('error', () => abort('stdout closed'));
process.stderr.on('error', () => abort('stderr closed'));

/** SIGTERM, then SIGKILL if the process has not exited within `graceMs`. */
async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** A peer server under bench/peers/, in its own process; resolves with its URL once it listens. */
async function spawnPeer(name: string, file: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const entry = COMPILED ? [join('dist', file.replace(/\.ts$/, '.js'))] : ['--import', 'tsx', file];
  const child = spawn(process.execPath, entry, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV, ...env },
    // stdin stays open: the server ends itself when this process goes away, however it goes.
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  cleanups.push({ name, run: () => stopChild(child) });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 60 s:\n${out}\n${err}`)), 60_000);
    child.stdout?.on('data', () => {
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before listening:\n${out}\n${err}`));
    });
  });
  return { child, url };
}

/** Our own child processes that run the gateway: for when spawnGateway gives up before handing one back. */
function gatewayChildren(): { pid: number; startTime: number }[] {
  return processTree(process.pid)
    .slice(1)
    .filter(({ pid }) => {
      try {
        const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return command.includes('src/main.ts') || command.includes('dist/src/main.js');
      } catch {
        return false;
      }
    });
}

// ---- measuring ----

interface Tally {
  rps: number[];
  latencies: number[];
  cpuSeconds: number;
  requests: number;
  errors: number;
  warmupErrors: number;
  firstError?: string;
}

interface PassFigures {
  rps: number;
  p50: number;
  p99: number;
  cpuMsPerRequest: number;
  clientMsPerRequest: number;
  errors: number;
  warmupErrors: number;
  firstError?: string;
  latencies: number[];
  cpuSeconds: number;
  requests: number;
}

async function pass(candidate: Candidate, scenario: Scenario, clients: number, warmSeconds: number, seconds: number): Promise<PassFigures> {
  const poster = new JsonPoster(candidate.url, clients, candidate.headers);
  try {
    const once = async (i: number) => {
      const reply = await poster.post(candidate.payload[scenario](i));
      const wrong = verdict(candidate, scenario, i, reply.status, reply.body);
      if (wrong) throw new Error(wrong);
    };
    const warm = await drive(clients, warmSeconds, once, () => interrupted);
    const cpuBefore = treeCpuSeconds(candidate.pid());
    const ownBefore = process.cpuUsage();
    const run = await drive(clients, seconds, once, () => interrupted);
    const own = process.cpuUsage(ownBefore);
    // Read the server's CPU a moment after the last answer, so work it defers (the gateway writes its
    // audit events in batches, every 200 ms) counts for the requests that caused it.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const cpuSeconds = treeCpuSeconds(candidate.pid()) - cpuBefore;
    if (interrupted) throw new Error('interrupted');
    const requests = run.latencies.length;
    const sorted = [...run.latencies].sort((a, b) => a - b);
    return {
      rps: requests / run.elapsedSeconds,
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      cpuMsPerRequest: (cpuSeconds * 1000) / Math.max(1, requests),
      clientMsPerRequest: (own.user + own.system) / 1000 / Math.max(1, requests),
      errors: run.errors,
      warmupErrors: warm.errors,
      firstError: warm.firstError ?? run.firstError,
      latencies: run.latencies,
      cpuSeconds,
      requests,
    };
  } finally {
    poster.close();
  }
}

const ms = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const pct = (value: number) => (Number.isFinite(value) ? `${(value * 100).toFixed(0)}%` : '–');
const times = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '–');

function passLine(prefix: string, label: string, f: PassFigures): string {
  const errors = f.errors || f.warmupErrors ? `   errors ${f.errors} (warmup ${f.warmupErrors}): ${f.firstError ?? ''}` : '';
  return `${prefix}${label.padEnd(24)} ${f.rps.toFixed(0).padStart(6)} req/s   p50 ${ms(f.p50).padStart(6)}   p99 ${ms(f.p99).padStart(6)} ms   server CPU ${ms(f.cpuMsPerRequest, 3)} ms/req   client CPU ${ms(f.clientMsPerRequest, 3)} ms/req${errors}`;
}

// ---- the bench ----

try {
  if (COMPILED) {
    // The gateway and the peers, compiled once, so none of them pays for a TypeScript loader at run time.
    // tsconfig.bench.json: the product's build plus the peer servers under bench/peers.
    execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.bench.json'], { cwd: REPO_ROOT, stdio: 'inherit' });
    process.env.WARDEN_SPAWN_BUILT = '1';
  }
  const target = await createTempPostgres('warden_peers');
  cleanups.push({ name: 'bench database', run: () => target.drop() });
  await loadShop('postgres', target.name);
  const targetUrl = SERVICES.postgres.url.replace(/\/postgres$/, `/${target.name}`);
  const peerEnv = { PEER_DATABASE_URL: targetUrl, PEER_POOL_MAX: String(POOL) };

  const wanted = (key: string) => !ONLY || ONLY.includes(key);
  const candidates: Candidate[] = [];
  const failed: string[] = [];

  const peer = async (key: string, label: string, file: string, make: (url: string, pid: () => number | undefined) => Candidate) => {
    if (!wanted(key)) return;
    try {
      const { child, url } = await spawnPeer(label, file, peerEnv);
      candidates.push(make(url, () => child.pid));
    } catch (error) {
      failed.push(`${label}: did not start: ${(error as Error).message}`);
    }
  };

  const APOLLO_POINT = 'query($id: Int!) { order(id: $id) { id customerId status total } }';
  const APOLLO_PAGE = JSON.stringify({ query: '{ orders(first: 100) { id customerId status total } }' });
  const PG_POINT = 'query($id: Int!) { orderById(id: $id) { id customerId status total } }';
  const PG_PAGE = JSON.stringify({ query: '{ allOrders(first: 100, orderBy: ID_ASC) { nodes { id customerId status total } } }' });

  await peer('raw', 'raw node:http + pg', 'bench/peers/raw-http-pg.ts', (url, pid) => ({
    key: 'raw',
    label: 'raw node:http + pg',
    pid,
    url,
    payload: { point: pointPayloads((id) => ({ id })), page: () => '{"first":100}' },
    pointRow: (j) => j.order,
    pageRows: (j) => j.orders,
  }));
  // The same schema and resolvers, behind express and straight on node:http.
  for (const [key, label, file] of [
    ['apollo-express', 'Apollo 5 + express 5', 'bench/peers/apollo-express.ts'],
    ['apollo-http', 'Apollo 5 on node:http', 'bench/peers/apollo-http.ts'],
  ] as const) {
    await peer(key, label, file, (url, pid) => ({
      key,
      label,
      pid,
      url: `${url}/graphql`,
      payload: { point: pointPayloads((id) => ({ query: APOLLO_POINT, variables: { id } })), page: () => APOLLO_PAGE },
      pointRow: (j) => j.data?.order,
      pageRows: (j) => j.data?.orders,
    }));
  }
  await peer('postgraphile', 'PostGraphile v4', 'bench/peers/postgraphile.ts', (url, pid) => ({
    key: 'postgraphile',
    label: 'PostGraphile v4',
    pid,
    url: `${url}/graphql`,
    payload: { point: pointPayloads((id) => ({ query: PG_POINT, variables: { id } })), page: () => PG_PAGE },
    pointRow: (j) => j.data?.orderById,
    pageRows: (j) => j.data?.allOrders?.nodes,
  }));

  let storeKind = 'PGlite';
  /**
   * A gateway, set up as bench/query.ts does (the shop database connected, one agent with DATABASE READ),
   * added as the candidates `run` and `rows` name (either may be left out).
   */
  const addWarden = async (keys: { run?: string; rows?: string }, suffix: string, workers: string | undefined, extraEnv: Record<string, string>) => {
    if (!(keys.run && wanted(keys.run)) && !(keys.rows && wanted(keys.rows))) return;
    try {
      const dataDir = await mkdtemp(join(tmpdir(), 'warden-peers-'));
      cleanups.push({ name: 'gateway data dir', run: () => rm(dataDir, { recursive: true, force: true }) });
      const storeDb = process.env.BENCH_STORE === 'pglite' ? undefined : await createTempPostgres('warden_peers_store');
      if (storeDb) {
        cleanups.push({ name: 'gateway store database', run: () => storeDb.drop() });
        storeKind = 'PostgreSQL';
      }
      const adminKey = `bench-admin-${Date.now()}-0123456789abcdef`;
      let gateway: SpawnedGateway;
      try {
        gateway = await spawnGateway({
          WARDEN_DATA_DIR: dataDir,
          WARDEN_DEMO: 'false',
          WARDEN_ADMIN_KEY: adminKey,
          NODE_ENV,
          // The servers share one PostgreSQL (100 connections): the store needs few, for audit batches.
          WARDEN_STORE_POOL_MAX: '4',
          ...(storeDb ? { WARDEN_STORE_URL: storeDb.url, WARDEN_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') } : {}),
          ...(workers ? { WARDEN_WORKERS: workers } : {}),
          ...extraEnv,
          ...WARDEN_ENV,
        });
      } catch (error) {
        // spawnGateway leaves a gateway that did not start in time running: end it here.
        for (const p of gatewayChildren()) if (stillRunning(p)) process.kill(p.pid, 'SIGKILL');
        throw error;
      }
      const gatewayPid = gateway.process.pid;
      cleanups.push({
        name: 'gateway',
        run: async () => {
          // Its workers, if any, should go with it; any left behind are ended by pid.
          const tree = processTree(gatewayPid).slice(1);
          await stopChild(gateway.process, 10_000);
          await new Promise((resolve) => setTimeout(resolve, 200));
          for (const p of tree) if (stillRunning(p)) process.kill(p.pid, 'SIGKILL');
        },
      });
      const graphqlUrl = `${gateway.baseUrl}/graphql`;
      const admin = new JsonPoster(graphqlUrl, 1, { authorization: `Bearer ${adminKey}` });
      const gql = async (query: string, variables: Record<string, unknown>) => {
        const reply = await admin.post(JSON.stringify({ query, variables }));
        const body = JSON.parse(reply.body) as { data?: any; errors?: { message: string }[] };
        if (body.errors || !body.data) throw new Error(`gateway setup: ${body.errors?.[0]?.message ?? reply.body.slice(0, 300)}`);
        return body.data;
      };
      try {
        const db = await gql('mutation($i: ConnectDatabaseInput!) { connectDatabase(input: $i) { id } }', {
          i: {
            name: 'shop',
            engine: 'postgres',
            host: '127.0.0.1',
            port: 5432,
            database: target.name,
            user: 'postgres',
            pool: { maxConnections: POOL, idleTimeoutMs: 600_000 },
          },
        });
        const databaseId = db.connectDatabase.id as string;
        const agent = await gql('mutation { registerAgent(input: { name: "bench" }) { key agent { id } } }', {});
        await gql('mutation($i: GrantInput!) { grant(input: $i) { id } }', {
          i: { agentId: agent.registerAgent.agent.id, databaseId, scope: 'DATABASE', actions: ['READ'] },
        });
        const headers = { authorization: `Bearer ${agent.registerAgent.key as string}` };
        const RUN = 'mutation($d: ID!, $sql: String!, $p: [JSON!]) { runQuery(databaseId: $d, sql: $sql, params: $p) { rows } }';
        const COLUMNS = 'columns: ["id", "customer_id", "status", "total"]';
        const ROWS_POINT = `query($d: ID!, $w: JSONObject) { rows(databaseId: $d, table: "orders", ${COLUMNS}, where: $w, limit: 1) { rows } }`;
        const ROWS_PAGE = `query($d: ID!) { rows(databaseId: $d, table: "orders", ${COLUMNS}, orderBy: [{ column: "id", direction: ASC }], limit: 100) { rows } }`;
        if (keys.run && wanted(keys.run)) {
          const page = JSON.stringify({ query: RUN, variables: { d: databaseId, sql: PAGE_SQL, p: [] } });
          candidates.push({
            key: keys.run,
            label: `Warden runQuery${suffix}`,
            pid: () => gatewayPid,
            url: graphqlUrl,
            headers,
            payload: { point: pointPayloads((id) => ({ query: RUN, variables: { d: databaseId, sql: POINT_SQL, p: [id] } })), page: () => page },
            pointRow: (j) => j.data?.runQuery?.rows?.[0],
            pageRows: (j) => j.data?.runQuery?.rows,
          });
        }
        if (keys.rows && wanted(keys.rows)) {
          const page = JSON.stringify({ query: ROWS_PAGE, variables: { d: databaseId } });
          candidates.push({
            key: keys.rows,
            label: `Warden rows${suffix}`,
            pid: () => gatewayPid,
            url: graphqlUrl,
            headers,
            payload: { point: pointPayloads((id) => ({ query: ROWS_POINT, variables: { d: databaseId, w: { id: { _eq: id } } } })), page: () => page },
            pointRow: (j) => j.data?.rows?.rows?.[0],
            pageRows: (j) => j.data?.rows?.rows,
          });
        }
      } finally {
        admin.close();
      }
    } catch (error) {
      failed.push(`Warden${suffix}: ${(error as Error).message}`);
    }
  };

  await addWarden({ run: 'warden-run', rows: 'warden-rows' }, '', WORKERS, {});
  // Workers 1 and 2 (BENCH_SCALING=1,2): the same gateway with Redis, which more than one worker needs.
  for (const workers of SCALING) {
    const prefix = `warden-peers-${process.pid}-${workers}:`;
    await addWarden({ run: `warden-run-w${workers}` }, `, ${workers} worker${workers === '1' ? '' : 's'}`, workers, { WARDEN_REDIS_URL: SERVICES.redis.url, WARDEN_REDIS_PREFIX: prefix });
  }

  // One request of each kind to each candidate first: a candidate that answers wrongly is left out of that scenario.
  const skip = new Set<string>();
  for (const candidate of candidates) {
    for (const scenario of SCENARIOS) {
      const poster = new JsonPoster(candidate.url, 1, candidate.headers);
      try {
        const reply = await poster.post(candidate.payload[scenario](6));
        const wrong = verdict(candidate, scenario, 6, reply.status, reply.body);
        if (wrong) throw new Error(wrong);
      } catch (error) {
        skip.add(`${candidate.key}/${scenario}`);
        failed.push(`${candidate.label}, ${scenario}: ${(error as Error).message}`);
      } finally {
        poster.close();
      }
    }
  }

  console.log(
    `\n${candidates.length} candidates, ${CONCURRENCY} concurrent clients, ${ROUNDS} round(s) of ${SECONDS} s each (warmup ${WARMUP} s, then ${REWARM} s);` +
      ` ${cpus().length} cores; ${POOL} connections per server; NODE_ENV=${NODE_ENV}, ${COMPILED ? 'compiled' : 'through tsx'}; gateway store ${storeKind}${WORKERS ? `, WARDEN_WORKERS=${WORKERS}` : ''}` +
      `${Object.keys(WARDEN_ENV).length ? `, gateway env ${JSON.stringify(WARDEN_ENV)}` : ''}`,
  );
  for (const line of failed) console.log(`  left out: ${line}`);

  const tallies = new Map<string, Tally>();
  const tallyOf = (key: string, scenario: Scenario) => {
    const id = `${key}/${scenario}`;
    let tally = tallies.get(id);
    if (!tally) tallies.set(id, (tally = { rps: [], latencies: [], cpuSeconds: 0, requests: 0, errors: 0, warmupErrors: 0 }));
    return tally;
  };

  for (let round = 0; round < ROUNDS; round += 1) {
    for (const scenario of SCENARIOS) {
      console.log(`\nround ${round + 1}/${ROUNDS}, ${SCENARIO_TITLE[scenario]}`);
      const order = candidates.slice(round % Math.max(1, candidates.length)).concat(candidates.slice(0, round % Math.max(1, candidates.length)));
      for (const candidate of order) {
        if (skip.has(`${candidate.key}/${scenario}`)) continue;
        const f = await pass(candidate, scenario, CONCURRENCY, round === 0 ? WARMUP : REWARM, SECONDS);
        const tally = tallyOf(candidate.key, scenario);
        tally.rps.push(f.rps);
        for (const latency of f.latencies) tally.latencies.push(latency);
        tally.cpuSeconds += f.cpuSeconds;
        tally.requests += f.requests;
        tally.errors += f.errors;
        tally.warmupErrors += f.warmupErrors;
        tally.firstError ??= f.firstError;
        console.log(passLine('  ', candidate.label, f));
      }
    }
  }

  const few = new Map<string, PassFigures>();
  if (P99_CLIENTS > 0) {
    console.log(`\n${P99_CLIENTS} clients, point lookup (${REWARM} s warmup, ${SECONDS} s)`);
    for (const candidate of candidates) {
      if (skip.has(`${candidate.key}/point`)) continue;
      const f = await pass(candidate, 'point', P99_CLIENTS, REWARM, SECONDS);
      few.set(candidate.key, f);
      console.log(passLine('  ', candidate.label, f));
    }
  }

  // ---- figures ----

  interface Summary {
    rps: number;
    p50: number;
    p99: number;
    cpu: number;
    errors: number;
    warmupErrors: number;
  }
  const summaryOf = (key: string, scenario: Scenario): Summary | undefined => {
    const tally = tallies.get(`${key}/${scenario}`);
    if (!tally || !tally.requests) return undefined;
    const sorted = tally.latencies.sort((a, b) => a - b);
    return {
      rps: median(tally.rps),
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      cpu: (tally.cpuSeconds * 1000) / tally.requests,
      errors: tally.errors,
      warmupErrors: tally.warmupErrors,
    };
  };
  const figures = new Map<string, Summary>();
  for (const candidate of candidates) {
    for (const scenario of SCENARIOS) {
      const s = summaryOf(candidate.key, scenario);
      if (s) figures.set(`${candidate.key}/${scenario}`, s);
    }
  }
  const fig = (key: string, scenario: Scenario) => figures.get(`${key}/${scenario}`);

  for (const scenario of SCENARIOS) {
    console.log(`\n${SCENARIO_TITLE[scenario]}, ${CONCURRENCY} clients: req/s median of ${ROUNDS} round(s); p50, p99 over all of them; server CPU per request`);
    console.log(`  ${''.padEnd(24)} ${'req/s'.padStart(7)} ${'vs raw'.padStart(7)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'CPU ms/req'.padStart(11)} ${'vs raw'.padStart(7)}   errors`);
    const raw = fig('raw', scenario);
    for (const candidate of candidates) {
      const s = fig(candidate.key, scenario);
      if (!s) {
        console.log(`  ${candidate.label.padEnd(24)} (left out)`);
        continue;
      }
      console.log(
        `  ${candidate.label.padEnd(24)} ${s.rps.toFixed(0).padStart(7)} ${pct(s.rps / (raw?.rps ?? NaN)).padStart(7)} ${ms(s.p50).padStart(8)} ${ms(s.p99).padStart(8)} ${ms(s.cpu, 3).padStart(11)} ${times(s.cpu / (raw?.cpu ?? NaN)).padStart(7)}   ${s.errors}${s.warmupErrors ? ` (+${s.warmupErrors} in warmup)` : ''}`,
      );
    }
    const run = fig('warden-run', scenario);
    const rows = fig('warden-rows', scenario);
    const pgl = fig('postgraphile', scenario);
    if (run && pgl) console.log(`  Warden runQuery vs PostGraphile: ${pct(run.rps / pgl.rps)} of its req/s, ${times(run.cpu / pgl.cpu)} its CPU per request`);
    if (rows && pgl) console.log(`  Warden rows vs PostGraphile:     ${pct(rows.rps / pgl.rps)} of its req/s, ${times(rows.cpu / pgl.cpu)} its CPU per request`);
    if (rows && run) console.log(`  Warden rows vs runQuery:         ${pct(rows.rps / run.rps)} of its req/s, ${times(rows.cpu / run.cpu)} its CPU per request`);
  }

  if (few.size) {
    console.log(`\npoint lookup, ${P99_CLIENTS} clients (one pass of ${SECONDS} s)`);
    for (const candidate of candidates) {
      const f = few.get(candidate.key);
      if (f) console.log(`  ${candidate.label.padEnd(24)} ${f.rps.toFixed(0).padStart(7)} req/s   p50 ${ms(f.p50).padStart(6)}   p99 ${ms(f.p99).padStart(6)} ms   CPU ${ms(f.cpuMsPerRequest, 3)} ms/req${f.errors ? `   errors ${f.errors}` : ''}`);
    }
  }

  // ---- goals ----

  const goals: { goal: string; met: boolean | undefined; figure: string }[] = [];
  const goal = (text: string, met: boolean | undefined, figure: string) => goals.push({ goal: text, met, figure });
  const rawPoint = fig('raw', 'point');
  const runPoint = fig('warden-run', 'point');
  const rowsPoint = fig('warden-rows', 'point');
  const pglPoint = fig('postgraphile', 'point');
  const runPage = fig('warden-run', 'page');
  const rowsPage = fig('warden-rows', 'page');
  const pglPage = fig('postgraphile', 'page');
  const known = (...values: (Summary | undefined)[]) => values.every(Boolean);
  goal(
    'runQuery point lookup ≥ 40% of raw node:http + pg (req/s)',
    known(runPoint, rawPoint) ? runPoint!.rps >= 0.4 * rawPoint!.rps : undefined,
    known(runPoint, rawPoint) ? `${pct(runPoint!.rps / rawPoint!.rps)} (${runPoint!.rps.toFixed(0)} vs ${rawPoint!.rps.toFixed(0)} req/s)` : 'not measured',
  );
  goal(
    'runQuery point lookup above PostGraphile orderById (req/s)',
    known(runPoint, pglPoint) ? runPoint!.rps > pglPoint!.rps : undefined,
    known(runPoint, pglPoint) ? `${pct(runPoint!.rps / pglPoint!.rps)} (${runPoint!.rps.toFixed(0)} vs ${pglPoint!.rps.toFixed(0)} req/s)` : 'not measured',
  );
  goal(
    'gateway CPU ≤ 0.25 ms per runQuery point lookup',
    runPoint ? runPoint.cpu <= 0.25 : undefined,
    runPoint ? `${ms(runPoint.cpu, 3)} ms/req (rows ${ms(rowsPoint?.cpu ?? NaN, 3)}; raw node:http + pg ${ms(rawPoint?.cpu ?? NaN, 3)})` : 'not measured',
  );
  const runFew = few.get('warden-run');
  goal(
    `runQuery point lookup p99 < 10 ms at ${P99_CLIENTS} clients`,
    runFew ? runFew.p99 < 10 : undefined,
    runFew ? `${ms(runFew.p99)} ms (rows ${ms(few.get('warden-rows')?.p99 ?? NaN)} ms; at ${CONCURRENCY} clients ${ms(runPoint?.p99 ?? NaN)} ms)` : 'not measured',
  );
  for (const [scenario, rows, run] of [
    ['point lookup', rowsPoint, runPoint],
    ['100-row page', rowsPage, runPage],
  ] as const) {
    goal(
      `rows within 10% of runQuery, ${scenario} (req/s)`,
      known(rows, run) ? rows!.rps >= 0.9 * run!.rps : undefined,
      known(rows, run) ? `${pct(rows!.rps / run!.rps)} (${rows!.rps.toFixed(0)} vs ${run!.rps.toFixed(0)} req/s)` : 'not measured',
    );
  }
  for (const [label, warden] of [
    ['runQuery', runPage],
    ['rows', rowsPage],
  ] as const) {
    goal(
      `Warden ${label} 100-row page ≥ PostGraphile allOrders(first: 100) (req/s)`,
      known(warden, pglPage) ? warden!.rps >= pglPage!.rps : undefined,
      known(warden, pglPage) ? `${pct(warden!.rps / pglPage!.rps)} (${warden!.rps.toFixed(0)} vs ${pglPage!.rps.toFixed(0)} req/s)` : 'not measured',
    );
  }
  const totalErrors = [...figures.values()].reduce((sum, s) => sum + s.errors, 0) + [...few.values()].reduce((sum, f) => sum + f.errors, 0);
  console.log('\ngoals');
  for (const g of goals) console.log(`  ${(g.met === undefined ? '[n/a]' : g.met ? '[met]' : '[NOT met]').padEnd(10)} ${g.goal}: ${g.figure}`);
  console.log(`  ${totalErrors ? `${totalErrors} wrong or failed answers while measuring` : 'every answer measured was checked and right'}${failed.length ? `; left out: ${failed.length}` : ''}`);
  console.log('server CPU per request is the figure that least depends on what else shares the cores (the load generator and PostgreSQL do).');
} catch (error) {
  if (!interrupted) {
    console.error(error);
    process.exitCode = 1;
  }
} finally {
  await cleanup();
}
