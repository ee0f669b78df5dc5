import { startWarden, type Warden } from '../app.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { createLogger } from '../logger.js';
import { MISSING_KEY_MESSAGE, serveMcpOverStdio } from './stdio.js';

/**
 * `warden mcp`: the gateway's services in this process, no HTTP, MCP over stdin/stdout for the agent
 * whose key is in WARDEN_API_KEY. stdout carries MCP messages and nothing else: logs, and anything a
 * library prints with console.log, go to stderr.
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
  let warden: Warden | undefined;
  try {
    // A client of the gateway's store, not a second gateway: it neither touches the admin key nor the demo.
    warden = await startWarden(config, log, { http: false, bootstrap: false });
  } catch (error) {
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
    const message =
      error instanceof AppError ? (error.code === ErrorCode.UNAUTHENTICATED ? `WARDEN_API_KEY was refused. ${error.message}` : error.message) : 'unexpected error; see the log above.';
    if (!(error instanceof AppError)) log.error({ err: error }, 'MCP over stdio failed');
    process.stderr.write(`warden mcp: ${message}\n`);
    await stop(1);
  }
}

function fail(message: string, code = 1): never {
  process.stderr.write(`warden mcp: ${message}\n`);
  process.exit(code);
}
