import 'reflect-metadata';
import { startWarden } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';

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
  const started = performance.now();
  const warden = await startWarden(config, log);

  // The admin key goes to the terminal, once, and never through the logger.
  if (warden.generatedAdminKey) {
    process.stdout.write(
      [
        '',
        '  Admin API key (shown this once; Warden keeps only its hash):',
        '',
        `    ${warden.generatedAdminKey}`,
        '',
        '  Keep it somewhere safe. Lost it? Start with WARDEN_ADMIN_KEY set to a key of your choosing.',
        '',
        '',
      ].join('\n'),
    );
  }
  log.info(
    { url: warden.url, store: config.store.kind, demo: warden.demoDatabaseId !== undefined, startMs: Math.round(performance.now() - started) },
    `Warden is serving GraphQL at ${warden.url}`,
  );

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    warden.stop().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`Warden could not start: ${message}\n`);
  process.exit(1);
});
