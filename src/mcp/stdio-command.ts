import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startWarden, type Warden } from '../app.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { createLogger, type Logger } from '../logger.js';
import { bridgeMcpOverStdio } from './stdio-bridge.js';
import { MISSING_KEY_MESSAGE, serveMcpOverStdio } from './stdio.js';

/**
 * `warden mcp`: MCP over stdin/stdout for the agent whose key is in WARDEN_API_KEY. stdout carries MCP
 * messages and nothing else: logs, and anything a library prints with console.log, go to stderr.
 *
 * With WARDEN_URL, the messages go to that running gateway's /mcp endpoint (stdio-bridge.ts): nothing is
 * opened here, so the gateway's embedded store and databases work as they do over HTTP. Without it, the
 * gateway's services run in this process against the store WARDEN_STORE_URL (or WARDEN_DATA_DIR) names.
 */
export async function runMcpStdio(): Promise<void> {
  console.log = console.error;
  console.info = console.error;
  console.debug = console.error;
  // The client hanging up mid-write must end the process quietly, not crash it with EPIPE.
  process.stdout.on('error', () => process.exit(0));

  // Before anything starts: without a key there is nothing to serve.
  const key = process.env.WARDEN_API_KEY?.trim();
  if (!key) fail(MISSING_KEY_MESSAGE, 2);
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message, 2);
    throw error;
  }
  const log = createLogger(config.logLevel, process.stderr);
  if (config.gatewayUrl) await runBridge(config.gatewayUrl, key, log);
  else await runInProcess(config, key, log);
}

async function runBridge(gatewayUrl: string, key: string, log: Logger): Promise<void> {
  try {
    const session = await bridgeMcpOverStdio(gatewayUrl, key, log);
    log.info({ gateway: session.endpoint.origin }, 'serving MCP over stdio through the gateway');
    process.on('SIGINT', () => void session.close());
    process.on('SIGTERM', () => void session.close());
    await session.closed;
    process.exit(0);
  } catch (error) {
    reportAndExit(error, log);
  }
}

async function runInProcess(config: Config, key: string, log: Logger): Promise<void> {
  // A stdio server on a new, empty store would refuse every key: say where it looked instead.
  if (config.store.kind === 'pglite' && !existsSync(join(config.store.dataDir, 'PG_VERSION'))) {
    fail(
      `no Warden store in ${config.store.dataDir}. Set WARDEN_DATA_DIR to the gateway's data folder (an absolute path; ` +
        'relative ones are taken from the folder the MCP client starts this in), or WARDEN_URL to the address of a running gateway.',
      2,
    );
  }
  let warden: Warden | undefined;
  try {
    // A client of the gateway's store, not a second gateway: it neither touches the admin key nor the demo.
    warden = await startWarden(config, log, { http: false, bootstrap: false });
  } catch (error) {
    // The gateway has the embedded store open (plugins/drivers/pglite/pglite-folder-lock.ts says so by name).
    if (error instanceof Error && error.name === 'FolderInUseError') {
      fail(`could not open the store: ${error.message} (WARDEN_URL is the gateway's address, e.g. http://127.0.0.1:4000.)`);
    }
    fail(`could not start: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!warden) return;

  let stopping: Promise<void> | undefined;
  const stop = (code: number) => {
    stopping ??= warden
      .stop()
      .catch((error: unknown) => log.error({ err: error }, 'unclean stop'))
      .finally(() => process.exit(code));
    return stopping;
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    const session = await serveMcpOverStdio(warden.mcp, key);
    log.info({ agentId: session.principal.agentId, store: config.store.kind }, 'serving MCP over stdio');
    await session.closed;
    await stop(0);
  } catch (error) {
    report(error, log);
    await stop(1);
  }
}

function report(error: unknown, log: Logger): void {
  const message =
    error instanceof AppError ? (error.code === ErrorCode.UNAUTHENTICATED ? `WARDEN_API_KEY was refused. ${error.message}` : error.message) : 'unexpected error; see the log above.';
  if (!(error instanceof AppError)) log.error({ err: error }, 'MCP over stdio failed');
  process.stderr.write(`warden mcp: ${message}\n`);
}

function reportAndExit(error: unknown, log: Logger): never {
  report(error, log);
  process.exit(1);
}

function fail(message: string, code = 1): never {
  process.stderr.write(`warden mcp: ${message}\n`);
  process.exit(code);
}
