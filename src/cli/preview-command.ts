import type { AccessPreviewQuery } from '../../sdk/client.js';
import { UsageError } from './cli-errors.js';
import { cell } from './cli-output.js';
import { commandUsage } from './cli-usage.js';
import { parseCommandArgs, type Command } from './command-context.js';
import { agentIdOf, databaseIdOf } from './gateway-client.js';

const USAGE = commandUsage('preview');

type TableAccess = AccessPreviewQuery['accessPreview'][number];

/** warden preview: accessPreview, the same decision the SQL gate makes, one table a line. */
export const previewCommand: Command = async (args, context) => {
  const { values, positionals } = parseCommandArgs(args, { agent: { type: 'string' }, database: { type: 'string' } }, USAGE);
  if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}".`, USAGE);
  const client = context.client();
  const agentId = values.agent === undefined ? (await client.Me()).me.id : await agentIdOf(client, values.agent);
  const databaseId = await databaseIdOf(client, values.database);
  const { accessPreview } = await client.AccessPreview({ agentId, databaseId });
  if (context.out.json) return context.out.value(accessPreview);
  context.out.table(
    ['TABLE', 'ACTIONS', 'ROW FILTER', 'ROW CAP', 'COLUMNS'],
    accessPreview.map((t) => [`${t.schema}.${t.table}`, cell(t.actions), cell(t.rowFilter), cell(t.rowCap), columnsOf(t)]),
    'No tables.',
  );
};

/** `*` when every column is open as the table is; else the columns it may touch, masks shown. */
function columnsOf(table: TableAccess): string {
  const open = table.columns.filter((c) => c.actions.length > 0);
  if (open.length === 0) return '-';
  const uniform = open.length === table.columns.length && open.every((c) => c.mask === null && c.actions.join() === table.actions.join());
  if (uniform) return '*';
  return open.map((c) => (c.mask === null ? c.column : `${c.column} (masked: ${c.mask})`)).join(', ');
}
