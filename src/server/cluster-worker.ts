import cluster from 'node:cluster';
import { startWarden } from '../app.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { stopOnSignals } from './stop-on-signals.js';

/** Set in the environment of the workers Warden's primary forks. */
export const WORKER_ENV = 'WARDEN_WORKER';

/** What a worker tells the primary: it listens, at `url`. */
export interface WorkerListening {
  kind: 'listening';
  url: string;
}

/**
 * Whether this process is a worker forked by Warden's own primary. A process manager's cluster worker
 * (pm2's cluster mode, say) is not: it serves alone, as it always has.
 */
export function isWardenWorker(): boolean {
  return cluster.isWorker && process.env[WORKER_ENV] === '1';
}

/**
 * One of the primary's workers: a whole gateway on the shared port, without the one-time start work
 * (the primary did it). Stops on the primary's SIGTERM.
 */
export async function runWorker(config: Config, log: Logger): Promise<void> {
  // Ctrl-C sends SIGINT to every process in the terminal's group; the primary alone decides, and stops
  // the workers with SIGTERM (a worker stopping on its own would look to it like a crash).
  process.on('SIGINT', () => undefined);
  const workerLog = log.child({ worker: cluster.worker?.id });
  const warden = await startWarden(config, workerLog, { bootstrap: false, clusterWorker: true });
  stopOnSignals(warden, workerLog, ['SIGTERM']);
  const listening: WorkerListening = { kind: 'listening', url: warden.url };
  process.send?.(listening);
}
