/**
 * What the audit events of the other replicas cost a replica, as replicas are added.
 *
 * N replicas each serving R queries a second put R × N audit events a second on the shared Redis
 * channel. Two real gateways share a PostgreSQL store and Redis; this process publishes R × N events a
 * second straight to their audit channel (as N replicas would) for N = 1, 2, 4, 8, 16, and reads each
 * gateway's CPU from /proc. Of the two, one holds the security-rules lease (it runs the rules over every
 * replica's events, so its cost grows with N by design) and one does not: with nobody watching on it,
 * its cost must stay flat. A last step opens one live subscription on each gateway, to show what
 * watching costs (every event is then received and checked against the subscriber's filter).
 *
 *   npm run bench:replicas     BENCH_RATE (events/s per replica, 250), BENCH_STEP_SECONDS (5),
 *                              BENCH_REPLICAS (1,2,4,8,16)
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { auditEvent } from '../test/helpers/audit-event.js';
import { SERVICES } from '../test/helpers/services.js';
import { replicaEnv, spawnGateway, type SpawnedGateway } from '../test/helpers/spawn-gateway.js';
import { createTempPostgres } from '../test/helpers/temp-postgres.js';

const RATE = Number(process.env.BENCH_RATE ?? 250);
const STEP_SECONDS = Number(process.env.BENCH_STEP_SECONDS ?? 5);
const REPLICAS = (process.env.BENCH_REPLICAS ?? '1,2,4,8,16').split(',').map(Number);

function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const prefix = `warden-bench-${randomBytes(4).toString('hex')}:`;
const adminKey = `replicas-admin-${randomBytes(16).toString('hex')}`;
const store = await createTempPostgres('warden_bench_replicas');
const dataDirs = await Promise.all([0, 1].map((i) => mkdtemp(join(tmpdir(), `warden-replica-${i}-`))));
// One process each: the figure is per replica.
const shared = replicaEnv({ storeUrl: store.url, secretKey: randomBytes(32).toString('base64'), adminKey, redisUrl: SERVICES.redis.url, redisPrefix: prefix });
const gateways: SpawnedGateway[] = [];
const redis = new Redis(SERVICES.redis.url);
const sockets: WebSocket[] = [];
try {
  for (const dir of dataDirs) gateways.push(await spawnGateway({ ...shared, WARDEN_DATA_DIR: dir }, { timeoutMs: 90_000 }));
  const leaseHolder = await redis.get(`${prefix}lease:security-monitor`);
  console.log(`\n2 gateways on one PostgreSQL store and Redis; ${RATE} events/s per replica; ${STEP_SECONDS} s a step`);
  console.log(leaseHolder ? 'the security rules run on the lease holder only' : 'no lease in Redis: every replica runs the security rules');

  let n = 0;
  const event = JSON.stringify({ ...auditEvent({ id: 'evt_bench' }), action: 'bench', principalId: 'agt_bench' });
  /** Publishes `rate` events a second for `seconds`, in 10 ms slices; returns each gateway's CPU ms per second. */
  const step = async (rate: number): Promise<number[]> => {
    await settle(500);
    const before = gateways.map((g) => cpuSecondsOf(g.process.pid!));
    const started = performance.now();
    let sent = 0;
    while (performance.now() - started < STEP_SECONDS * 1000) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate);
      const pipeline = redis.pipeline();
      for (; sent < due; sent++) pipeline.publish(`${prefix}AUDIT_EVENT`, event.replace('evt_bench', `evt_bench${n++}`));
      await pipeline.exec();
      await settle(10);
    }
    await settle(300);
    const seconds = (performance.now() - started) / 1000;
    return gateways.map((g, i) => ((cpuSecondsOf(g.process.pid!) - before[i]!) * 1000) / seconds);
  };

  const idle = await step(0);
  console.log(`\n${'replicas'.padStart(8)} ${'events/s'.padStart(9)}   gateway A CPU ms/s   gateway B CPU ms/s`);
  console.log(`${'idle'.padStart(8)} ${'0'.padStart(9)}   ${idle[0]!.toFixed(1).padStart(18)}   ${idle[1]!.toFixed(1).padStart(18)}`);
  const rows: number[][] = [];
  for (const replicas of REPLICAS) {
    const cpu = await step(RATE * replicas);
    rows.push(cpu);
    console.log(`${String(replicas).padStart(8)} ${String(RATE * replicas).padStart(9)}   ${cpu[0]!.toFixed(1).padStart(18)}   ${cpu[1]!.toFixed(1).padStart(18)}`);
  }

  // One live subscriber on each: from now on both are sent every event and check it against the filter.
  for (const gateway of gateways) {
    const socket = new WebSocket(`${gateway.baseUrl.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.on('message', (raw: Buffer) => {
        if ((JSON.parse(raw.toString()) as { type: string }).type === 'connection_ack') resolve();
      });
      socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${adminKey}` } })));
    });
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { auditEvents(filter: { action: "none" }) { id } }' } }));
  }
  const last = REPLICAS[REPLICAS.length - 1]!;
  const watched = await step(RATE * last);
  console.log(`${`${last}, watched`.padStart(8)} ${String(RATE * last).padStart(9)}   ${watched[0]!.toFixed(1).padStart(18)}   ${watched[1]!.toFixed(1).padStart(18)}`);

  // Single steps are noisy (other work of the gateway lands in one or another): the median over the steps is the figure.
  const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
  const [a, b] = [median(rows.map((r) => r[0]!)), median(rows.map((r) => r[1]!))];
  console.log(`\nmedian over the steps, CPU ms/s above idle: gateway A ${(a - idle[0]!).toFixed(1)}, gateway B ${(b - idle[1]!).toFixed(1)}`);
  console.log('without the lease and without subscribers, a replica should stay at idle whatever the number of replicas.');
} finally {
  for (const socket of sockets) socket.terminate();
  await Promise.all(gateways.map((g) => g.stop()));
  redis.disconnect();
  await store.drop();
  await Promise.all(dataDirs.map((dir) => rm(dir, { recursive: true, force: true })));
}
