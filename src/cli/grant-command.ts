import type { GrantAction, GrantFieldsFragment, GrantInput, GrantScope, WardenClient } from '../../sdk/client.js';
import { UsageError } from './cli-errors.js';
import { cell, time, type Output } from './cli-output.js';
import { commandUsage } from './cli-usage.js';
import { choiceFlag, integerFlag, numberFlag, onePositional, parseCommandArgs, type Command } from './command-context.js';
import { agentIdOf, allPages, databaseIdOf } from './gateway-client.js';

const USAGE = commandUsage('grant');
const SCOPES = ['DATABASE', 'SCHEMA', 'TABLE', 'COLUMNS'] as const satisfies readonly GrantScope[];
const ACTIONS = ['READ', 'INSERT', 'UPDATE', 'DELETE', 'ALL'] as const satisfies readonly GrantAction[];

/** What a column mask shows when --mask names a column without an expression: NULL fits every type. */
const DEFAULT_MASK = 'NULL';

/** warden grant add | list | revoke */
export const grantCommand: Command = async ([subcommand, ...args], context) => {
  const { out } = context;
  switch (subcommand) {
    case 'add': {
      const { values, positionals } = parseCommandArgs(
        args,
        {
          agent: { type: 'string' },
          database: { type: 'string' },
          schema: { type: 'string' },
          table: { type: 'string' },
          columns: { type: 'string' },
          scope: { type: 'string' },
          actions: { type: 'string' },
          'row-filter': { type: 'string' },
          mask: { type: 'string', multiple: true },
          'max-rows': { type: 'string' },
          'max-cost': { type: 'string' },
          'max-estimated-rows': { type: 'string' },
          'expires-at': { type: 'string' },
        },
        USAGE,
      );
      if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}".`, USAGE);
      if (values.agent === undefined) throw new UsageError('Missing --agent (a name or an id).', USAGE);
      if (values.database === undefined) throw new UsageError('Missing --database (a name or an id).', USAGE);
      const columns = listFlag(values.columns);
      const scope =
        choiceFlag(values.scope, '--scope', SCOPES, USAGE) ??
        (columns ? 'COLUMNS' : values.table !== undefined ? 'TABLE' : values.schema !== undefined ? 'SCHEMA' : 'DATABASE');
      const actions = (listFlag(values.actions) ?? ['READ']).map((action) => choiceFlag(action, '--actions', ACTIONS, USAGE) as GrantAction);
      const rowCap = integerFlag(values['max-rows'], '--max-rows', USAGE);
      const maxCost = numberFlag(values['max-cost'], '--max-cost', USAGE);
      const maxEstimatedRows = numberFlag(values['max-estimated-rows'], '--max-estimated-rows', USAGE);
      const client = context.client();
      const input: GrantInput = {
        agentId: await agentIdOf(client, values.agent),
        databaseId: await databaseIdOf(client, values.database),
        scope,
        actions,
        ...(values.schema !== undefined ? { schema: values.schema } : {}),
        ...(values.table !== undefined ? { table: values.table } : {}),
        ...(columns ? { columns } : {}),
        ...(values['row-filter'] !== undefined ? { rowFilter: values['row-filter'] } : {}),
        ...(values.mask ? { columnMasks: values.mask.map(maskOf) } : {}),
        ...(rowCap !== undefined ? { rowCap } : {}),
        ...(maxCost !== undefined ? { maxCost } : {}),
        ...(maxEstimatedRows !== undefined ? { maxEstimatedRows } : {}),
        ...(values['expires-at'] !== undefined ? { expiresAt: values['expires-at'] } : {}),
      };
      const { grant } = await client.Grant({ input });
      return out.json ? out.value(grant) : grantTable(out, [grant], await namesOf(client));
    }
    case 'list': {
      const { values, positionals } = parseCommandArgs(args, { agent: { type: 'string' }, database: { type: 'string' } }, USAGE);
      if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}".`, USAGE);
      const client = context.client();
      const agentId = values.agent === undefined ? undefined : await agentIdOf(client, values.agent);
      const databaseId = values.database === undefined ? undefined : await databaseIdOf(client, values.database);
      const grants = await allPages(async (page) => (await client.Grants({ ...page, agentId, databaseId })).grants);
      return out.json ? out.value(grants) : grantTable(out, grants, await namesOf(client), 'No grants.');
    }
    case 'revoke': {
      const { positionals } = parseCommandArgs(args, {}, USAGE);
      const client = context.client();
      const { revokeGrant } = await client.RevokeGrant({ id: onePositional(positionals, 'the grant id (warden grant list shows them)', USAGE) });
      if (out.json) return out.value(revokeGrant);
      grantTable(out, [revokeGrant], await namesOf(client));
      return out.write('The grant ended.\n');
    }
    default:
      throw new UsageError(subcommand === undefined ? 'Missing the grant subcommand.' : `Unknown subcommand "grant ${subcommand}".`, USAGE);
  }
};

function listFlag(value: string | undefined): string[] | undefined {
  const items = value
    ?.split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return items && items.length > 0 ? items : undefined;
}

/** --mask email, or --mask "email=left(email, 2) || '…'" */
function maskOf(flag: string): { column: string; expression: string } {
  const equals = flag.indexOf('=');
  const column = (equals === -1 ? flag : flag.slice(0, equals)).trim();
  const expression = equals === -1 ? DEFAULT_MASK : flag.slice(equals + 1).trim();
  if (column === '' || expression === '') throw new UsageError(`--mask takes COLUMN or COLUMN=EXPRESSION, not "${flag}".`, USAGE);
  return { column, expression };
}

interface Names {
  agents: Map<string, string>;
  databases: Map<string, string>;
}

/** Agents' and databases' names, so a table of grants says who and where in words. */
async function namesOf(client: WardenClient): Promise<Names> {
  const [agents, databases] = await Promise.all([
    allPages(async (page) => (await client.Agents(page)).agents),
    allPages(async (page) => (await client.Databases(page)).databases),
  ]);
  return { agents: new Map(agents.map((a) => [a.id, a.name])), databases: new Map(databases.map((d) => [d.id, d.name])) };
}

function grantTable(out: Output, grants: readonly GrantFieldsFragment[], names: Names, empty?: string): void {
  out.table(
    ['ID', 'AGENT', 'DATABASE', 'SCOPE', 'ON', 'ACTIONS', 'ROW FILTER', 'MASKS', 'ROW CAP', 'EXPIRES'],
    grants.map((g) => [
      g.id,
      names.agents.get(g.agentId) ?? g.agentId,
      names.databases.get(g.databaseId) ?? g.databaseId,
      g.scope,
      targetOf(g),
      g.actions.join(','),
      cell(g.rowFilter),
      cell(g.columnMasks.map((m) => `${m.column}=${m.expression}`)),
      cell(g.rowCap),
      time(g.expiresAt),
    ]),
    empty,
  );
}

function targetOf(grant: GrantFieldsFragment): string {
  const table = [grant.schemaName, grant.tableName].filter((part) => part !== null).join('.');
  if (grant.scope === 'COLUMNS') return `${table}(${(grant.columns ?? []).join(', ')})`;
  return table === '' ? '*' : grant.scope === 'SCHEMA' ? `${table}.*` : table;
}
