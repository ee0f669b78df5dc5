import { WardenError } from '../../sdk/client.js';
import { UsageError } from './cli-errors.js';
import { cell } from './cli-output.js';
import { commandUsage } from './cli-usage.js';
import { onePositional, parseCommandArgs, readStdin, type Command } from './command-context.js';
import { allPages, databaseIdOf } from './gateway-client.js';

const USAGE = commandUsage('db');

/** warden db connect | list | test */
export const dbCommand: Command = async ([subcommand, ...args], context) => {
  const { out } = context;
  switch (subcommand) {
    case 'connect': {
      const { values, positionals } = parseCommandArgs(
        args,
        { url: { type: 'string' }, engine: { type: 'string' }, description: { type: 'string' } },
        USAGE,
      );
      const name = onePositional(positionals, 'the database\'s name', USAGE);
      if (values.url === undefined) throw new UsageError('Missing --url (the connection string; --url - reads it from stdin).', USAGE);
      const connectionString = values.url === '-' ? await readStdin() : values.url;
      hideConnectionString(connectionString, context.addSecret);
      const { connectDatabase: database } = await context.client().ConnectDatabase({
        input: {
          name,
          connectionString,
          ...(values.engine !== undefined ? { engine: values.engine } : {}),
          ...(values.description !== undefined ? { description: values.description } : {}),
        },
      });
      if (out.json) return out.value(database);
      return out.table(
        ['ID', 'NAME', 'ENGINE', 'STATE', 'TABLES', 'CONNECTION'],
        [[database.id, database.name, database.engine, database.status.state, String(database.tables.length), database.connection]],
      );
    }
    case 'list': {
      const { positionals } = parseCommandArgs(args, {}, USAGE);
      if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}".`, USAGE);
      const client = context.client();
      const databases = await allPages(async (page) => (await client.Databases({ ...page, withStatus: true })).databases);
      if (out.json) return out.value(databases);
      return out.table(
        ['ID', 'NAME', 'ENGINE', 'STATE', 'DESCRIPTION'],
        databases.map((d) => [d.id, d.name, d.engine, cell(d.status?.state), cell(d.description)]),
        'No databases.',
      );
    }
    case 'test': {
      const { positionals } = parseCommandArgs(args, {}, USAGE);
      const client = context.client();
      const databaseId = await databaseIdOf(client, onePositional(positionals, 'the database (a name or an id)', USAGE));
      const { testConnection: result } = await client.TestConnection({ databaseId });
      if (out.json) out.value(result);
      else {
        out.table(
          ['OK', 'SERVER', 'ENDPOINT', 'LATENCY', 'MESSAGE'],
          [[result.ok ? 'yes' : 'no', cell(result.serverVersion), cell(result.endpoint), result.latencyMs === null ? '-' : `${result.latencyMs} ms`, result.message]],
        );
      }
      if (!result.ok) throw new WardenError(`The gateway cannot reach the database: ${result.message}`, 'DATABASE_UNAVAILABLE', {}, []);
      return;
    }
    default:
      throw new UsageError(subcommand === undefined ? 'Missing the db subcommand.' : `Unknown subcommand "db ${subcommand}".`, USAGE);
  }
};

/** The connection string and the password in it are never printed on stderr, whatever an error says. */
function hideConnectionString(connectionString: string, addSecret: (value: string) => void): void {
  addSecret(connectionString);
  // Not URL: a failover list (host1:5432,host2:5432) is no URL it can parse.
  const password = /^[a-z][a-z0-9+.-]*:\/\/[^:/?#@]*:([^@/?#]+)@/i.exec(connectionString)?.[1];
  if (password === undefined) return;
  addSecret(password);
  try {
    addSecret(decodeURIComponent(password));
  } catch {
    // Not percent-encoded as a URL would be: the raw form is hidden already.
  }
}
