/**
 * Fan-out of live audit events: how many event deliveries a second one gateway process makes to
 * 1,000 concurrent graphql-ws subscribers, and what an idle subscription connection costs in memory.
 *
 * The gateway runs in its own process with Redis as its pubsub (as when scaled out). Events are
 * published straight to its Redis channel, so the figure is the fan-out alone: receive, check each
 * subscriber (still allowed, may see it, matches its filter), execute the subscription's selection and
 * write the frame. The subscribers are plain `ws` sockets in this process, speaking graphql-transport-ws.
 *
 *   npm run bench:fanout     BENCH_SUBSCRIBERS (1000), BENCH_EVENTS (2000), BENCH_RATE (events/s, 500)
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { SERVICES } from '../test/helpers/services.js';
import { spawnGateway } from '../test/helpers/spawn-gateway.js';
import { createTempPostgres } from '../test/helpers/temp-postgres.js';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 2000);
const RATE = Number(process.env.BENCH_RATE ?? 500);

function rssMbOf(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  return kb / 1024;
}

function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const dataDir = await mkdtemp(join(tmpdir(), 'warden-fanout-'));
const adminKey = `fanout-admin-${randomBytes(16).toString('hex')}`;
const prefix = `warden-bench-${randomBytes(4).toString('hex')}:`;
// The store in PostgreSQL, as when scaled out (and so the gateway's memory is its own, not an embedded database's).
const store = await createTempPostgres('warden_bench_fanout');
const gateway = await spawnGateway({
  WARDEN_STORE_URL: store.url,
  WARDEN_SECRET_KEY: randomBytes(32).toString('base64'),
  WARDEN_DATA_DIR: dataDir,
  WARDEN_DEMO: 'false',
  WARDEN_ADMIN_KEY: adminKey,
  WARDEN_REDIS_URL: SERVICES.redis.url,
  WARDEN_REDIS_PREFIX: prefix,
  NODE_ENV: 'production',
});
const pid = gateway.process.pid!;
const redis = new Redis(SERVICES.redis.url);
const sockets: WebSocket[] = [];
let delivered = 0;
let lastDeliveryAt = 0;

try {
  const url = `${gateway.baseUrl.replace(/^http/, 'ws')}/graphql`;
  // Start-up garbage settles in a few seconds; the baseline is taken once RSS stops moving.
  let rssBefore = rssMbOf(pid);
  for (let i = 0; i < 20; i++) {
    await settle(500);
    const now = rssMbOf(pid);
    if (Math.abs(now - rssBefore) < 0.5) break;
    rssBefore = now;
  }
  const query = 'subscription { auditEvents(filter: { action: "bench" }) { id action decision durationMs } }';
  const opened = performance.now();
  for (let i = 0; i < SUBSCRIBERS; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, SUBSCRIBERS - i) }, () => {
        const socket = new WebSocket(url, 'graphql-transport-ws');
        sockets.push(socket);
        return new Promise<void>((resolve, reject) => {
          socket.once('error', reject);
          socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${adminKey}` } })));
          socket.on('message', (raw: Buffer) => {
            const text = raw.toString('utf8');
            if (text.startsWith('{"type":"next"') || text.includes('"type":"next"')) {
              delivered += 1;
              lastDeliveryAt = performance.now();
            } else if (text.includes('"connection_ack"')) {
              socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
              resolve();
            } else if (text.includes('"type":"error"')) {
              reject(new Error(text));
            }
          });
        });
      }),
    );
  }
  const connectMs = performance.now() - opened;
  await settle(2_000);
  const rssIdle = rssMbOf(pid);
  console.log(`\n${SUBSCRIBERS} subscribers connected in ${(connectMs / 1000).toFixed(1)} s`);
  console.log(`gateway RSS: ${rssBefore.toFixed(0)} MB before, ${rssIdle.toFixed(0)} MB with ${SUBSCRIBERS} idle subscriptions → ${(((rssIdle - rssBefore) * 1024) / SUBSCRIBERS).toFixed(1)} KB per idle connection`);

  const event = (n: number) =>
    JSON.stringify({
      id: `evt_bench${n}`,
      occurredAt: new Date().toISOString(),
      requestId: null,
      principalId: 'agt_bench',
      principalKind: 'agent',
      action: 'bench',
      databaseId: null,
      decision: 'ALLOWED',
      reasons: null,
      statementFingerprint: null,
      tables: null,
      durationMs: 1,
      rowCount: 1,
      details: null,
    });
  const cpuBefore = cpuSecondsOf(pid);
  const started = performance.now();
  const interval = 1000 / RATE;
  for (let n = 0; n < EVENTS; n++) {
    await redis.publish(`${prefix}AUDIT_EVENT`, event(n));
    const due = started + (n + 1) * interval;
    const wait = due - performance.now();
    if (wait > 1) await settle(wait);
  }
  const expected = EVENTS * SUBSCRIBERS;
  const deadline = performance.now() + 60_000;
  while (delivered < expected && performance.now() < deadline) await settle(50);
  const seconds = (lastDeliveryAt - started) / 1000;
  const cpu = cpuSecondsOf(pid) - cpuBefore;
  console.log(`\n${EVENTS} events published at ${RATE}/s to ${SUBSCRIBERS} subscribers: ${delivered.toLocaleString()} of ${expected.toLocaleString()} deliveries in ${seconds.toFixed(1)} s`);
  console.log(`→ ${Math.round(delivered / seconds).toLocaleString()} deliveries/s (${(delivered / seconds / SUBSCRIBERS).toFixed(0)} events/s reaching every subscriber); gateway CPU ${((cpu * 1e6) / Math.max(1, delivered)).toFixed(1)} µs per delivery`);
  console.log(`gateway RSS after: ${rssMbOf(pid).toFixed(0)} MB`);
} finally {
  for (const socket of sockets) socket.terminate();
  redis.disconnect();
  await gateway.stop();
  await store.drop();
  await rm(dataDir, { recursive: true, force: true });
}
