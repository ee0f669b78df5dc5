#!/usr/bin/env node
import { COMMAND_GROUPS, USAGE, type CommandGroup } from './cli/cli-usage.js';
import { EXIT_USAGE } from './cli/exit-codes.js';

/**
 * The `warden` command (bin/warden.js starts it, compiled or through tsx).
 *   warden [serve]   serve GraphQL (and MCP at /mcp) over HTTP: the same as `npm start`
 *   warden mcp       speak MCP over stdio for one agent, whose key is in WARDEN_API_KEY; with WARDEN_URL,
 *                    through that running gateway, else opening the store itself
 *   warden agent|db|grant|preview|query|audit …
 *                    thin commands over a running gateway's GraphQL API (src/cli/), with WARDEN_URL and
 *                    WARDEN_KEY
 * Each branch loads only what it needs, so `warden --help` answers without loading the gateway.
 */
const [command, ...args] = process.argv.slice(2);
if (command === 'mcp') {
  const { runMcpStdio } = await import('./mcp/stdio-command.js');
  await runMcpStdio();
} else if (command === undefined || command === 'serve') {
  await import('./main.js');
} else if (command === 'help' || command === '--help' || command === '-h') {
  process.stdout.write(USAGE);
} else if ((COMMAND_GROUPS as string[]).includes(command)) {
  const { runCommand } = await import('./cli/run-command.js').catch((error: unknown) => {
    // The typed client these commands use is generated (sdk/generated/, gitignored); npm install makes it.
    if ((error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' && /generated/.test(String(error))) {
      process.stderr.write('warden: the typed client is not generated yet: run `npm run build:sdk` (npm install runs it).\n');
      process.exit(1);
    }
    throw error;
  });
  await runCommand(command as CommandGroup, args);
} else {
  process.stderr.write(`warden: unknown command "${command}".\n\n${USAGE}`);
  process.exit(EXIT_USAGE);
}
