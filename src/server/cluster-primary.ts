import cluster, { type Worker } from 'node:cluster';
import { createServer, type AddressInfo } from 'node:net';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { showGeneratedAdminKey } from './admin-key-notice.js';
import { bootstrapForWorkers } from './cluster-bootstrap.js';
import { WORKER_ENV, type WorkerListening } from './cluster-worker.js';
import { RestartPolicy } from './restart-policy.js';

/**
 * The primary of WARDEN_WORKERS > 1: does the one-time start work, forks the workers (which share the
 * listening socket; node:cluster hands connections round-robin), says where Warden serves once every
 * worker listens, replaces a worker that dies, and on SIGINT or SIGTERM stops them all before it exits.
 * It serves nothing itself.
 */
export async function runPrimary(config: Config, log: Logger): Promise<void> {
  const started = performance.now();
  const generatedKey = await bootstrapForWorkers(config, log);
  if (generatedKey) showGeneratedAdminKey(generatedKey);

  // PORT=0: node:cluster gives every worker listening on port 0 the port it chose for the first, but
  // only while one of them listens; a worker started after the last one died would get another port,
  // and one told a port while others hold it by 0 finds it in use. So the workers are all told one port.
  const port = config.port === 0 ? await freePort(config.host) : config.port;
  const restarts = new RestartPolicy();
  /** Live workers, and when each was forked. */
  const live = new Map<Worker, number>();
  /** Workers that have said they listen: those whose metrics a scrape gathers. */
  const ready = new Set<Worker>();
  // A scrape reaches one worker, which asks here for every worker's metrics together.
  const metrics = config.telemetry.metrics ? (await import('../telemetry/cluster-metrics.js')).aggregateForWorkers(() => ready, log) : undefined;
  const restartTimers = new Set<NodeJS.Timeout>();
  let listening = 0;
  /** Every worker forked at start has listened, and Warden has said it serves. */
  let serving = false;
  let stopping = false;
  let exitCode = 0;

  const fork = () => {
    const worker = cluster.fork({ [WORKER_ENV]: '1', PORT: String(port) });
    live.set(worker, Date.now());
    worker.on('message', (message: WorkerListening) => {
      if (message?.kind === 'listening') onListening(worker, message);
      else metrics?.onMessage(worker, message);
    });
    worker.once('exit', (code, signal) => onExit(worker, code, signal));
  };

  const onListening = (worker: Worker, message: WorkerListening) => {
    ready.add(worker);
    if (serving) {
      log.info({ worker: worker.id, pid: worker.process.pid }, 'a new worker is serving');
      return;
    }
    listening += 1;
    if (listening < config.workers) return;
    serving = true;
    log.info(
      { url: message.url, store: config.store.kind, demo: false, workers: config.workers, startMs: Math.round(performance.now() - started) },
      `Warden is serving GraphQL at ${message.url} with ${config.workers} workers`,
    );
  };

  const onExit = (worker: Worker, code: number | null, signal: string | null) => {
    const forkedAt = live.get(worker) ?? Date.now();
    live.delete(worker);
    ready.delete(worker);
    if (stopping) {
      // Stopped by the SIGTERM sent below, or on its own before it had its handler: both are expected.
      if (code !== 0 && signal !== 'SIGTERM') exitCode = 1;
      if (live.size === 0) finish();
      return;
    }
    if (!serving) {
      // The worker has said why on stderr; a start that fails in one worker fails, as a single process's would.
      process.stderr.write(`Warden could not start: a worker stopped while starting (${exitOf(code, signal)})\n`);
      stop(1);
      return;
    }
    const delayMs = restarts.afterDeath(Date.now() - forkedAt, Date.now());
    if (delayMs === undefined) {
      log.fatal({ worker: worker.id, code, signal }, 'workers keep stopping soon after they start; giving up');
      stop(1);
      return;
    }
    log.warn({ worker: worker.id, pid: worker.process.pid, code, signal, restartInMs: delayMs }, `a worker stopped unexpectedly (${exitOf(code, signal)}); starting another`);
    const timer = setTimeout(() => {
      restartTimers.delete(timer);
      fork();
    }, delayMs);
    restartTimers.add(timer);
  };

  const stop = (code: number, signal?: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    if (signal) log.info({ signal }, 'stopping');
    for (const timer of restartTimers) clearTimeout(timer);
    if (live.size === 0) finish();
    // Each worker stops as a single process does (no new requests, then the rest); the primary waits.
    for (const worker of live.keys()) worker.process.kill('SIGTERM');
  };

  const finish = () => {
    log.info('stopped');
    process.exit(exitCode);
  };

  process.on('SIGINT', () => stop(0, 'SIGINT'));
  process.on('SIGTERM', () => stop(0, 'SIGTERM'));
  for (let i = 0; i < config.workers; i++) fork();
}

/** A port nothing listens on at `host` now (the system's choice, as for port 0). */
async function freePort(host: string): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, host, resolve);
  });
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function exitOf(code: number | null, signal: string | null): string {
  return signal ? `signal ${signal}` : `exit code ${code}`;
}
