/**
 * Fan-out of live audit events: the highest rate one gateway process delivers to every one of 1,000
 * concurrent graphql-ws subscribers without losing a delivery or falling behind, what a delivery costs
 * the gateway in CPU, and what an idle subscription connection costs in memory.
 *
 * The gateway runs in its own process with Redis as its pubsub (as when scaled out). Events are
 * published straight to its Redis channel, so the figure is the fan-out alone: receive, check each
 * subscriber (still allowed, may see it, matches its filter), execute the subscription's selection and
 * write one frame per subscriber. The subscribers are plain `ws` sockets in this process, speaking
 * graphql-transport-ws; each counts what it receives and how long after publication it arrived.
 *
 * The rate is searched for, not assumed: steps of rising rates until one loses deliveries or falls
 * behind (p99 lag over BENCH_LAG_MS, or a lag that grows from the step's first quarter to its last), a
 * bisection between the last clean step and that one, and a confirming run twice as long at the best
 * clean rate. Then one step well beyond it, to show what overload looks like. Every step prints what
 * was sent, what arrived, what was lost and which sockets were closed and why: a gateway that cannot
 * keep up falls behind (the backlog waits in the live feed's inbox, sent a share per event-loop turn),
 * a subscription 1,000 events behind is closed with 4429, and when the gateway as a whole is 10 s behind
 * every audit subscription is closed with 4429 and the backlog dropped, so queries and /healthz are still
 * served (src/services/live-feed.service.ts).
 *
 *   npm run bench:fanout     BENCH_SUBSCRIBERS (1000), BENCH_STEP_SECONDS (4), BENCH_LAG_MS (1000),
 *                            BENCH_OVERLOAD_RATE (events/s, 500; 0: none),
 *                            BENCH_RATE=<events/s> (one step at that rate, no search)
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
import { replicaEnv, spawnGateway } from '../test/helpers/spawn-gateway.js';
import { createTempPostgres } from '../test/helpers/temp-postgres.js';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000);
const STEP_SECONDS = Number(process.env.BENCH_STEP_SECONDS ?? 4);
const LAG_MS = Number(process.env.BENCH_LAG_MS ?? 1000);
const ONE_RATE = process.env.BENCH_RATE ? Number(process.env.BENCH_RATE) : undefined;
const OVERLOAD_RATE = Number(process.env.BENCH_OVERLOAD_RATE ?? 500);
/** Rates tried until one fails; then bisected. */
const LADDER = [25, 50, 100, 200, 400, 800, 1600];
/** Events published over the whole run, at most (ids index the publication times). */
const MAX_EVENTS = 1_000_000;

function rssMbOf(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  return kb / 1024;
}

function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

interface Step {
  rate: number;
  seconds: number;
  events: number;
  /** Deliveries owed: events × subscribers open when the step began. */
  expected: number;
  delivered: number;
  /** Publication → arrival, 1 ms buckets (the last one: that long or longer). */
  lag: Uint32Array;
  /** The same for the step's first and last quarter of events: a lag that grows is a backlog building. */
  early: Uint32Array;
  late: Uint32Array;
  earlyCount: number;
  lateCount: number;
  firstEvent: number;
  closes: Map<string, number>;
  gatewayCpu: number;
  clientCpu: number;
  /** From the first publication to the last arrival. */
  wallSeconds: number;
  /** The slowest GET /healthz while the step ran: what the gateway's other work waited. */
  healthMs: number;
}

const LAG_BUCKETS = 120_000;

function percentile(lag: Uint32Array, count: number, p: number): number {
  if (count === 0) return NaN;
  const wanted = Math.ceil(count * p);
  let seen = 0;
  for (let ms = 0; ms < lag.length; ms++) {
    seen += lag[ms]!;
    if (seen >= wanted) return ms;
  }
  return lag.length - 1;
}

const lost = (step: Step) => step.expected - step.delivered;
/** Nothing lost, the p99 lag within bounds, and the lag of the last quarter no worse than the first's (with 50 ms of slack). */
const keptPace = (step: Step) =>
  lost(step) === 0 &&
  percentile(step.lag, step.delivered, 0.99) <= LAG_MS &&
  percentile(step.late, step.lateCount, 0.5) <= percentile(step.early, step.earlyCount, 0.5) + 50;

const dataDir = await mkdtemp(join(tmpdir(), 'warden-fanout-'));
const adminKey = `fanout-admin-${randomBytes(16).toString('hex')}`;
const prefix = `warden-bench-${randomBytes(4).toString('hex')}:`;
// The store in PostgreSQL, as when scaled out (and so the gateway's memory is its own, not an embedded database's).
const store = await createTempPostgres('warden_bench_fanout');
// One process, whose CPU and memory are read below (with workers, the primary serves nothing).
const gateway = await spawnGateway({
  ...replicaEnv({ storeUrl: store.url, secretKey: randomBytes(32).toString('base64'), adminKey, redisUrl: SERVICES.redis.url, redisPrefix: prefix }),
  WARDEN_DATA_DIR: dataDir,
});
const pid = gateway.process.pid!;
const redis = new Redis(SERVICES.redis.url);
const url = `${gateway.baseUrl.replace(/^http/, 'ws')}/graphql`;
const query = 'subscription { auditEvents(filter: { action: "bench" }) { id action decision durationMs } }';

const open = new Set<WebSocket>();
const everySocket: WebSocket[] = [];
/** When event n was published (performance.now()), and the step it belongs to. */
const publishedAt = new Float64Array(MAX_EVENTS);
const stepOf = new Int32Array(MAX_EVENTS).fill(-1);
const steps: Step[] = [];
let nextEvent = 0;
let lastArrival = 0;
const MARK = Buffer.from('"evt_bench');

function arrived(raw: Buffer): boolean {
  const at = raw.indexOf(MARK);
  if (at < 0) return false;
  let n = 0;
  for (let i = at + MARK.length; i < raw.length; i++) {
    const c = raw[i]!;
    if (c < 48 || c > 57) break;
    n = n * 10 + c - 48;
  }
  const step = steps[stepOf[n]!];
  if (!step) return true;
  const now = performance.now();
  const ms = Math.min(LAG_BUCKETS - 1, Math.round(now - publishedAt[n]!));
  step.delivered += 1;
  step.lag[ms]! += 1;
  const position = (n - step.firstEvent) / step.events;
  if (position < 0.25) {
    step.early[ms]! += 1;
    step.earlyCount += 1;
  } else if (position >= 0.75) {
    step.late[ms]! += 1;
    step.lateCount += 1;
  }
  lastArrival = now;
  return true;
}

/** Opens subscribers until `SUBSCRIBERS` are open and subscribed (again, after a step closed some). */
async function fillSubscribers(): Promise<number> {
  const opened = performance.now();
  while (open.size < SUBSCRIBERS) {
    const batch = Math.min(100, SUBSCRIBERS - open.size);
    await Promise.all(
      Array.from({ length: batch }, () => {
        const socket = new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false, skipUTF8Validation: true });
        everySocket.push(socket);
        return new Promise<void>((resolve, reject) => {
          socket.once('error', reject);
          socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${adminKey}` } })));
          socket.once('close', (code: number, reason: Buffer) => {
            open.delete(socket);
            const step = steps.at(-1);
            if (!step) return;
            const why = `${code} ${reason.toString('utf8')}`.trim();
            step.closes.set(why, (step.closes.get(why) ?? 0) + 1);
          });
          socket.on('message', (raw: Buffer) => {
            if (arrived(raw)) return;
            const text = raw.toString('utf8');
            if (text.includes('"connection_ack"')) {
              socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
              open.add(socket);
              resolve();
            } else if (text.includes('"type":"error"')) {
              reject(new Error(text));
            }
          });
        });
      }),
    );
  }
  // The subscribe messages are on their way; give the gateway a moment to register them.
  await settle(1_000);
  return performance.now() - opened;
}

const event = (n: number) => JSON.stringify(auditEvent({ id: `evt_bench${n}`, principalId: 'agt_bench', action: 'bench', databaseId: null }));

/** Publishes at `rate` for `seconds`, then waits until every delivery arrived or none has for 3 s. */
async function runStep(rate: number, seconds: number): Promise<Step> {
  if (open.size < SUBSCRIBERS) await fillSubscribers();
  const events = Math.round(rate * seconds);
  if (nextEvent + events > MAX_EVENTS) throw new Error('the run published more events than it can track');
  const step: Step = {
    rate,
    seconds,
    events,
    expected: events * open.size,
    delivered: 0,
    lag: new Uint32Array(LAG_BUCKETS),
    early: new Uint32Array(LAG_BUCKETS),
    late: new Uint32Array(LAG_BUCKETS),
    earlyCount: 0,
    lateCount: 0,
    firstEvent: nextEvent,
    closes: new Map(),
    gatewayCpu: 0,
    clientCpu: 0,
    wallSeconds: 0,
    healthMs: 0,
  };
  steps.push(step);
  const index = steps.length - 1;
  const cpuBefore = cpuSecondsOf(pid);
  const ownBefore = process.cpuUsage();
  let probing = true;
  const probe = (async () => {
    while (probing) {
      const sent = performance.now();
      await fetch(`${gateway.baseUrl}/healthz`).then((res) => res.arrayBuffer());
      step.healthMs = Math.max(step.healthMs, performance.now() - sent);
      await settle(250);
    }
  })();
  const started = performance.now();
  const interval = 1000 / rate;
  for (let i = 0; i < events; i++) {
    const n = nextEvent++;
    stepOf[n] = index;
    publishedAt[n] = performance.now();
    await redis.publish(`${prefix}AUDIT_EVENT`, event(n));
    const wait = started + (i + 1) * interval - performance.now();
    if (wait > 1) await settle(wait);
  }
  let seen = step.delivered;
  let quietSince = performance.now();
  while (step.delivered < step.expected && performance.now() - quietSince < 3_000) {
    await settle(50);
    if (step.delivered !== seen) {
      seen = step.delivered;
      quietSince = performance.now();
    }
  }
  probing = false;
  await probe;
  const own = process.cpuUsage(ownBefore);
  step.gatewayCpu = cpuSecondsOf(pid) - cpuBefore;
  step.clientCpu = (own.user + own.system) / 1e6;
  step.wallSeconds = (Math.max(lastArrival, started) - started) / 1000;
  print(step);
  // Whatever it left behind (a backlog in the gateway or in Redis) drains before the next step.
  await settle(500);
  return step;
}

function print(step: Step): void {
  const p50 = percentile(step.lag, step.delivered, 0.5);
  const p99 = percentile(step.lag, step.delivered, 0.99);
  const median = (lag: Uint32Array, count: number) => (count === 0 ? 'none arrived' : `${percentile(lag, count, 0.5)}`);
  const growth = `${median(step.early, step.earlyCount)} → ${median(step.late, step.lateCount)} ms`;
  const closes = [...step.closes].map(([why, n]) => `${fmt(n)} closed "${why}"`).join('; ');
  const verdict = keptPace(step) ? 'kept pace' : lost(step) > 0 ? 'LOST deliveries' : 'FELL BEHIND';
  console.log(
    `${String(step.rate).padStart(5)}/s × ${step.seconds} s: ${fmt(step.delivered).padStart(9)} of ${fmt(step.expected).padStart(9)} delivered, ${fmt(lost(step)).padStart(7)} lost` +
      ` | lag p50 ${p50} ms, p99 ${p99} ms, median first → last quarter ${growth} | gateway ${((step.gatewayCpu * 1e6) / Math.max(1, step.delivered)).toFixed(1)} µs/delivery` +
      ` | CPU: gateway ${fmt((step.gatewayCpu / Math.max(step.seconds, step.wallSeconds)) * 100)}%, clients ${fmt((step.clientCpu / Math.max(step.seconds, step.wallSeconds)) * 100)}% of a core` +
      ` | slowest /healthz ${fmt(step.healthMs)} ms` +
      ` → ${verdict}${closes ? ` (${closes})` : ''}`,
  );
}

try {
  // Start-up garbage settles in a few seconds; the baseline is taken once RSS stops moving.
  let rssBefore = rssMbOf(pid);
  for (let i = 0; i < 20; i++) {
    await settle(500);
    const now = rssMbOf(pid);
    if (Math.abs(now - rssBefore) < 0.5) break;
    rssBefore = now;
  }
  const connectMs = await fillSubscribers();
  await settle(1_000);
  const rssIdle = rssMbOf(pid);
  const perIdle = ((rssIdle - rssBefore) * 1024) / SUBSCRIBERS;
  console.log(`\n${SUBSCRIBERS} subscribers connected in ${(connectMs / 1000).toFixed(1)} s`);
  console.log(`gateway RSS: ${rssBefore.toFixed(0)} MB before, ${rssIdle.toFixed(0)} MB with ${SUBSCRIBERS} idle subscriptions → ${perIdle.toFixed(1)} KB per idle connection\n`);

  let best: Step | undefined;
  let worst: Step | undefined;
  if (ONE_RATE !== undefined) {
    const step = await runStep(ONE_RATE, STEP_SECONDS);
    if (keptPace(step)) best = step;
    else worst = step;
  } else {
    // Up the ladder until a step fails, then halve the gap a few times.
    let pass = 0;
    let fail = Infinity;
    for (const rate of LADDER) {
      const step = await runStep(rate, STEP_SECONDS);
      if (!keptPace(step)) {
        fail = rate;
        worst = step;
        break;
      }
      pass = rate;
      best = step;
    }
    for (let i = 0; i < 4 && Number.isFinite(fail) && fail - pass > Math.max(5, pass * 0.1); i++) {
      const rate = Math.round((pass + fail) / 2);
      const step = await runStep(rate, STEP_SECONDS);
      if (keptPace(step)) {
        pass = rate;
        best = step;
      } else {
        fail = rate;
      }
    }
    // A longer run at the best rate: a backlog that grows slowly shows in twice the time.
    for (let rate = pass; rate > 0; rate = Math.floor(rate * 0.9)) {
      const step = await runStep(rate, STEP_SECONDS * 2);
      if (keptPace(step)) {
        best = step;
        break;
      }
      best = undefined;
    }
    if (OVERLOAD_RATE > 0) worst = await runStep(OVERLOAD_RATE, STEP_SECONDS);
  }

  console.log('');
  if (best) {
    const deliveries = best.delivered / best.seconds;
    console.log(
      `sustained: ${fmt(best.rate)} events/s delivered to every one of ${fmt(SUBSCRIBERS)} subscribers (${fmt(deliveries)} deliveries/s), ` +
        `${fmt(lost(best))} deliveries lost, lag p99 ${percentile(best.lag, best.delivered, 0.99)} ms, slowest /healthz ${fmt(best.healthMs)} ms`,
    );
    console.log(`gateway CPU ${((best.gatewayCpu * 1e6) / best.delivered).toFixed(1)} µs per delivery; ${perIdle.toFixed(1)} KB per idle connection`);
  } else {
    console.log('sustained: no rate tried kept pace');
  }
  if (worst) {
    console.log(
      `beyond it: at ${fmt(worst.rate)} events/s, ${fmt(worst.delivered)} of ${fmt(worst.expected)} delivered (${fmt(lost(worst))} lost), lag p99 ${percentile(worst.lag, worst.delivered, 0.99)} ms, slowest /healthz ${fmt(worst.healthMs)} ms` +
        (worst.closes.size ? `, ${[...worst.closes].map(([why, n]) => `${fmt(n)} sockets closed "${why}"`).join('; ')}` : ''),
    );
  }
  console.log(`gateway RSS after: ${rssMbOf(pid).toFixed(0)} MB`);
} finally {
  for (const socket of everySocket) socket.terminate();
  redis.disconnect();
  await gateway.stop();
  await store.drop();
  await rm(dataDir, { recursive: true, force: true });
}
