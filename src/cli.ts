#!/usr/bin/env node
import 'reflect-metadata';

/**
 * The `warden` command.
 *   warden          serve GraphQL (and MCP at /mcp) over HTTP: the same as `npm start`
 *   warden mcp      speak MCP over stdio for one agent, whose key is in WARDEN_API_KEY; with WARDEN_URL,
 *                   through that running gateway, else opening the store itself
 */
const USAGE = `Usage: warden [serve | mcp]
  serve   Serve GraphQL at /graphql and MCP at /mcp over HTTP (the default).
  mcp     Speak MCP over stdin/stdout for one agent (key in WARDEN_API_KEY). Logs go to stderr.
          With WARDEN_URL (e.g. http://127.0.0.1:4000), through that running gateway;
          without it, opening the store itself (WARDEN_STORE_URL, or WARDEN_DATA_DIR).
Configuration comes from the environment (WARDEN_STORE_URL, WARDEN_SECRET_KEY, …); see README.md.
`;

const command = process.argv[2];
if (command === 'mcp') {
  const { runMcpStdio } = await import('./mcp/stdio-command.js');
  await runMcpStdio();
} else if (command === undefined || command === 'serve') {
  await import('./main.js');
} else if (command === 'help' || command === '--help' || command === '-h') {
  process.stdout.write(USAGE);
} else {
  process.stderr.write(`Unknown command "${command}".\n${USAGE}`);
  process.exit(2);
}
