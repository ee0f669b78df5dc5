import 'reflect-metadata';
import cluster from 'node:cluster';
import { startWarden } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { showGeneratedAdminKey } from './server/admin-key-notice.js';
import { runPrimary } from './server/cluster-primary.js';
import { isWardenWorker, runWorker } from './server/cluster-worker.js';
import { stopOnSignals } from './server/stop-on-signals.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  if (isWardenWorker()) return runWorker(config, log);
  if (config.workers > 1 && cluster.isPrimary) return runPrimary(config, log);
  // A process manager's cluster worker cannot fork workers of its own; the manager already runs several.
  if (config.workers > 1) log.warn({ workers: config.workers }, 'this process is a worker of another cluster, so it serves alone; WARDEN_WORKERS is not used');
  await serveAlone(config, log);
}

/** One process: the gateway with its one-time start work (admin key, demo database). */
async function serveAlone(config: Config, log: Logger): Promise<void> {
  const started = performance.now();
  const warden = await startWarden(config, log);
  if (warden.generatedAdminKey) showGeneratedAdminKey(warden.generatedAdminKey);
  log.info(
    { url: warden.url, store: config.store.kind, demo: warden.demoDatabaseId !== undefined, startMs: Math.round(performance.now() - started) },
    `Warden is serving GraphQL at ${warden.url}`,
  );
  stopOnSignals(warden, log, ['SIGINT', 'SIGTERM']);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`Warden could not start: ${message}\n`);
  process.exit(1);
});
