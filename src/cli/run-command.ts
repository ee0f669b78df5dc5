import type { WardenClient } from '../../sdk/client.js';
import { reportError } from './cli-errors.js';
import { createOutput } from './cli-output.js';
import { commandUsage, type CommandGroup } from './cli-usage.js';
import type { Command, CommandContext } from './command-context.js';
import { EXIT_OK } from './exit-codes.js';
import { clientFromEnvironment } from './gateway-client.js';

const COMMANDS: Record<CommandGroup, () => Promise<Command>> = {
  agent: async () => (await import('./agent-command.js')).agentCommand,
  db: async () => (await import('./db-command.js')).dbCommand,
  grant: async () => (await import('./grant-command.js')).grantCommand,
  preview: async () => (await import('./preview-command.js')).previewCommand,
  query: async () => (await import('./query-command.js')).queryCommand,
  audit: async () => (await import('./audit-command.js')).auditCommand,
};

/**
 * Runs one command against the gateway and exits: 0 when it is done, else the code its error maps to
 * (exit-codes.ts). stdout carries only the command's data; everything else goes to stderr.
 */
export async function runCommand(group: CommandGroup, args: string[]): Promise<never> {
  const json = args.includes('--json');
  const secrets: string[] = [];
  const key = process.env.WARDEN_KEY?.trim();
  if (key) secrets.push(key);
  let client: WardenClient | undefined;
  const context: CommandContext = {
    out: createOutput(json),
    client: () => (client ??= clientFromEnvironment()),
    addSecret: (value) => void secrets.push(value),
  };
  // A reader that goes away (`warden audit tail --follow | head`) ends the command quietly.
  process.stdout.on('error', () => process.exit(EXIT_OK));

  let exitCode = EXIT_OK;
  try {
    if (args.includes('--help') || args.includes('-h')) process.stdout.write(commandUsage(group));
    else await (await COMMANDS[group]())(args, context);
  } catch (error) {
    exitCode = reportError(error, { json, secrets });
  } finally {
    await client?.dispose().catch(() => undefined);
  }
  // Open keep-alive connections must not hold the process; stdout is flushed first.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exit(exitCode);
}
