import type { AuditEventFieldsFragment, WardenClient } from '../../sdk/client.js';
import { UsageError } from './cli-errors.js';
import { cell, columnWidths, renderRow, time } from './cli-output.js';
import { commandUsage } from './cli-usage.js';
import { choiceFlag, integerFlag, parseCommandArgs, type Command, type CommandContext } from './command-context.js';
import { agentIdOf, databaseIdOf } from './gateway-client.js';

const USAGE = commandUsage('audit');
const DECISIONS = ['ALLOWED', 'DENIED', 'FAILED'] as const;
const HEADERS = ['TIME', 'ACTION', 'DECISION', 'PRINCIPAL', 'DATABASE', 'TABLES', 'ROWS', 'MS', 'REASON'];
/** Widths that fit most events (a time, ids, an action's name), so lines that come later line up too. */
const FOLLOW_WIDTHS = [20, 12, 8, 20, 19, 16, 5, 5, 0];
const DEFAULT_COUNT = 20;
/** The most one page of auditEvents holds. */
const MAX_COUNT = 200;

/** warden audit tail [--follow] */
export const auditCommand: Command = async ([subcommand, ...args], context) => {
  if (subcommand !== 'tail') {
    throw new UsageError(subcommand === undefined ? 'Missing the audit subcommand.' : `Unknown subcommand "audit ${subcommand}".`, USAGE);
  }
  const { values, positionals } = parseCommandArgs(
    args,
    {
      lines: { type: 'string', short: 'n' },
      agent: { type: 'string' },
      database: { type: 'string' },
      action: { type: 'string' },
      decision: { type: 'string' },
      follow: { type: 'boolean', short: 'f' },
    },
    USAGE,
  );
  if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}".`, USAGE);
  const count = integerFlag(values.lines, '-n', USAGE) ?? DEFAULT_COUNT;
  if (count < 0 || count > MAX_COUNT) throw new UsageError(`-n takes 0 to ${MAX_COUNT}.`, USAGE);
  const decision = choiceFlag(values.decision, '--decision', DECISIONS, USAGE);
  const client = context.client();
  const filter = {
    ...(values.agent !== undefined ? { principalId: await agentIdOf(client, values.agent) } : {}),
    ...(values.database !== undefined ? { databaseId: await databaseIdOf(client, values.database) } : {}),
    ...(values.action !== undefined ? { action: values.action } : {}),
    ...(decision ? { decision } : {}),
  };

  if (!values.follow) {
    const recent = await recentEvents(client, filter, count);
    if (context.out.json) return context.out.value(recent);
    return context.out.table(HEADERS, recent.map(rowOf), 'No audit events.');
  }
  return follow(client, context, filter, count);
};

async function recentEvents(client: WardenClient, filter: Record<string, string>, count: number): Promise<AuditEventFieldsFragment[]> {
  if (count === 0) return [];
  const { auditEvents } = await client.AuditEvents({ filter, first: count });
  // The gateway pages newest first; a tail reads oldest first.
  return auditEvents.edges.map((edge) => edge.node).reverse();
}

/**
 * The last events, then every new one as it happens, until Ctrl-C (which ends it with exit 0) or the
 * gateway closes the subscription. The subscription starts before the history is read, so nothing
 * falls between the two; what both bring is printed once. With --json, one event a line.
 */
async function follow(client: WardenClient, context: CommandContext, filter: Record<string, string>, count: number): Promise<void> {
  const { out } = context;
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const live = client.AuditEventFeed({ filter }, { signal: stop.signal })[Symbol.asyncIterator]();
  try {
    const first = live.next();
    // Held until the loop below reads it: a failure here must not go unhandled meanwhile.
    first.catch(() => undefined);
    const recent = await recentEvents(client, filter, count);
    const seen = new Set(recent.map((event) => event.id));
    const widths = columnWidths(HEADERS, recent.map(rowOf)).map((width, i) => Math.max(width, FOLLOW_WIDTHS[i] ?? 0));
    const print = (event: AuditEventFieldsFragment) =>
      out.write(out.json ? `${JSON.stringify(event)}\n` : `${renderRow(rowOf(event), widths)}\n`);
    if (!out.json) out.write(`${renderRow(HEADERS, widths)}\n`);
    recent.forEach(print);
    process.stderr.write('Following new audit events; Ctrl-C stops.\n');
    for (let next = await first; !next.done; next = await live.next()) {
      const event = next.value.auditEvents;
      if (seen.delete(event.id)) continue;
      print(event);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // Aborting first ends a read still waiting for an event, which return() would otherwise wait for.
    stop.abort();
    await live.return?.();
  }
}

function rowOf(event: AuditEventFieldsFragment): string[] {
  return [
    time(event.occurredAt),
    event.action,
    cell(event.decision),
    cell(event.principalId),
    cell(event.databaseId),
    cell(event.tables),
    cell(event.rowCount),
    event.durationMs === null ? '-' : String(Math.round(event.durationMs)),
    reasonOf(event.reasons),
  ];
}

/** The first reason, as CODE: message. */
function reasonOf(reasons: readonly unknown[]): string {
  const first = reasons[0] as { code?: unknown; message?: unknown } | undefined;
  if (!first) return '-';
  return cell([first.code, first.message].filter((part) => typeof part === 'string').join(': ') || first);
}
