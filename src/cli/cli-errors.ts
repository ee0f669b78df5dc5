import { WardenError, WardenNetworkError } from '../../sdk/client.js';
import { EXIT_FAILURE, EXIT_UNREACHABLE, EXIT_USAGE, exitCodeFor } from './exit-codes.js';

/** The command line itself is wrong: exit 2, with the command's usage. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The shortest secret worth hiding: shorter ones would blank out ordinary words. */
const MIN_SECRET_LENGTH = 4;

/**
 * Writes what went wrong to stderr and returns the exit code. Every secret the command knows of (the API
 * key, a connection string and its password) is replaced by *** first, whatever the text.
 */
export function reportError(error: unknown, options: { json: boolean; secrets: readonly string[]; stderr?: NodeJS.WritableStream }): number {
  const stderr = options.stderr ?? process.stderr;
  const scrub = (text: string) =>
    options.secrets.filter((s) => s.length >= MIN_SECRET_LENGTH).reduce((out, secret) => out.split(secret).join('***'), text);

  const { exitCode, code, message, details, extensions, after } = describe(error);
  if (options.json) {
    stderr.write(`${scrub(JSON.stringify({ error: { code, message, exitCode, ...extensions } }))}\n`);
  } else {
    const shownCode = code === undefined || code === 'USAGE' ? '' : `${code}: `;
    const lines = [`warden: ${shownCode}${message}`, ...details.map((line) => `  ${line}`), ...(after ? ['', after.trimEnd()] : [])];
    stderr.write(`${scrub(lines.join('\n'))}\n`);
  }
  return exitCode;
}

interface Described {
  exitCode: number;
  /** The gateway's error code; USAGE and UNREACHABLE are the CLI's own. */
  code: string | undefined;
  message: string;
  /** Lines shown indented under the message. */
  details: string[];
  extensions: Record<string, unknown>;
  /** Shown after a blank line: the command's usage. */
  after?: string;
}

function describe(error: unknown): Described {
  if (error instanceof UsageError) {
    return { exitCode: EXIT_USAGE, code: 'USAGE', message: error.message, details: [], extensions: {}, after: error.usage };
  }
  if (error instanceof WardenError) {
    return { exitCode: exitCodeFor(error.code), code: error.code, message: error.message, details: detailsOf(error.extensions), extensions: error.extensions };
  }
  if (error instanceof WardenNetworkError) {
    return {
      exitCode: EXIT_UNREACHABLE,
      code: 'UNREACHABLE',
      message: error.message,
      details: ['Is the gateway running there? Set WARDEN_URL to its address (e.g. http://127.0.0.1:4000).'],
      extensions: { origin: error.origin },
    };
  }
  return { exitCode: EXIT_FAILURE, code: undefined, message: error instanceof Error ? error.message : String(error), details: [], extensions: {} };
}

/** The extensions worth a line of their own: what was denied, when to retry, where to look. */
function detailsOf(extensions: Record<string, unknown>): string[] {
  const lines: string[] = [];
  if (Array.isArray(extensions.denied)) {
    for (const denied of extensions.denied as { resource?: unknown; needed?: unknown; reason?: unknown }[]) {
      lines.push(`denied: ${String(denied.resource)} needs ${String(denied.needed)}${denied.reason ? ` (${String(denied.reason)})` : ''}`);
    }
  }
  if (typeof extensions.retryAfterSeconds === 'number') lines.push(`retry after ${extensions.retryAfterSeconds} s`);
  if (typeof extensions.position === 'number') lines.push(`at position ${extensions.position}`);
  if (typeof extensions.field === 'string') lines.push(`field: ${extensions.field}`);
  if (typeof extensions.limitedBy === 'string') lines.push(`limited by ${extensions.limitedBy}`);
  if (typeof extensions.requestId === 'string' && extensions.code === 'INTERNAL') lines.push(`request id: ${extensions.requestId} (in the gateway's log)`);
  return lines;
}
