import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { WardenClient } from '../../sdk/client.js';
import { UsageError } from './cli-errors.js';
import type { Output } from './cli-output.js';

/** What a command gets: its output, the client (made on first use) and a place to list secrets. */
export interface CommandContext {
  readonly out: Output;
  client(): WardenClient;
  /** A value never to print on stderr (a connection string, a password). The key is listed already. */
  addSecret(value: string): void;
}

export type Command = (args: string[], context: CommandContext) => Promise<void>;

/** Flags every command takes. `--json` is read before the command runs, to format errors too. */
const COMMON_OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * The command's flags and positionals, strictly: an unknown flag, or a missing value, is a usage error
 * that shows the command's usage.
 */
export function parseCommandArgs<const O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O, usage: string) {
  try {
    return parseArgs({ args, options: { ...options, ...COMMON_OPTIONS }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message, usage);
  }
}

/** The one positional a subcommand needs, or a usage error naming it. */
export function onePositional(positionals: string[], what: string, usage: string): string {
  const [value, ...extra] = positionals;
  if (value === undefined || value === '') throw new UsageError(`Missing ${what}.`, usage);
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}" (quote a value that has spaces).`, usage);
  return value;
}

/** A whole number flag, or a usage error naming it. */
export function integerFlag(value: string | undefined, flag: string, usage: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isSafeInteger(number)) throw new UsageError(`${flag} takes a whole number, not "${value}".`, usage);
  return number;
}

/** A number flag (fractions allowed), or a usage error naming it. */
export function numberFlag(value: string | undefined, flag: string, usage: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number)) throw new UsageError(`${flag} takes a number, not "${value}".`, usage);
  return number;
}

/** One of a fixed set of words, upper-cased (--role agent is --role AGENT), or a usage error. */
export function choiceFlag<const C extends string>(value: string | undefined, flag: string, choices: readonly C[], usage: string): C | undefined {
  if (value === undefined) return undefined;
  const upper = value.toUpperCase();
  const choice = choices.find((c) => c === upper);
  if (!choice) throw new UsageError(`${flag} takes ${choices.join(', ')}, not "${value}".`, usage);
  return choice;
}

/** All of stdin, for a value given as `-` (a connection string, SQL) that should stay off the command line. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}
