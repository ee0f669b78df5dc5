import { z } from 'zod';
import { AppError, ErrorCode } from '../../src/errors/app-error.js';
import { addressOf, type Endpoint } from './endpoints.js';

/** Settings shared by engines reached over the network (postgres, mysql, mongodb). */
export const endpointSchema = z.object({
  host: z.string().min(1).max(255),
  port: z.number().int().min(1).max(65535),
});

export const networkConfigSchema = z.object({
  /** In failover order: the first is preferred, the next is used when it fails. */
  endpoints: z.array(endpointSchema).min(1).max(8),
  database: z.string().min(1).max(128),
  user: z.string().min(1).max(128),
  password: z.string().max(1024).optional(),
  /** true: TLS with certificate checks; 'no-verify': TLS without them; false/absent: plain. */
  ssl: z.union([z.boolean(), z.literal('no-verify')]).optional(),
});

export type NetworkConfig = z.infer<typeof networkConfigSchema>;

/**
 * Parses `scheme://user:password@host[:port][,host2[:port2]…]/database?ssl=true` into settings.
 * Throws BAD_USER_INPUT naming what is wrong, never echoing the string (it holds a password).
 */
export function parseNetworkConnectionString(
  connectionString: string,
  schemes: readonly string[],
  defaultPort: number,
): Record<string, unknown> {
  const match = /^([a-z][a-z0-9+.-]*):\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?]+)(?:\/([^?]*))?(?:\?(.*))?$/i.exec(connectionString.trim());
  if (!match) throw bad(`expected ${schemes[0]}://user:password@host:port/database`);
  const [, scheme, user, password, hostList, database, query] = match;
  if (!schemes.includes((scheme ?? '').toLowerCase())) throw bad(`the scheme must be ${schemes.join(' or ')}`);
  const endpoints = (hostList ?? '').split(',').map((part) => parseEndpoint(part, defaultPort));
  const params = new URLSearchParams(query ?? '');
  const sslParam = params.get('ssl') ?? params.get('sslmode');
  const ssl =
    sslParam === null || sslParam === 'false' || sslParam === 'disable'
      ? undefined
      : sslParam === 'no-verify' || sslParam === 'require' || sslParam === 'prefer'
        ? ('no-verify' as const)
        : true;
  return {
    endpoints,
    database: decodeURIComponent(database ?? ''),
    user: decodeURIComponent(user ?? ''),
    ...(password === undefined ? {} : { password: decodeURIComponent(password) }),
    ...(ssl === undefined ? {} : { ssl }),
  };
}

function parseEndpoint(part: string, defaultPort: number): Endpoint {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(part);
  const plain = /^([^:]+)(?::(\d+))?$/.exec(part);
  const found = bracketed ?? plain;
  if (!found || !found[1]) throw bad('a host in the connection string is malformed');
  return { host: found[1], port: found[2] ? Number(found[2]) : defaultPort };
}

/** `scheme://user:****@host:port,…/database`: what the API shows instead of a connection string. */
export function describeNetworkConfig(scheme: string, config: NetworkConfig): string {
  const credentials = `${encodeURIComponent(config.user)}${config.password ? ':****' : ''}@`;
  const hosts = config.endpoints.map(addressOf).join(',');
  const ssl = config.ssl === undefined || config.ssl === false ? '' : `?ssl=${config.ssl === true ? 'true' : 'no-verify'}`;
  return `${scheme}://${credentials}${hosts}/${encodeURIComponent(config.database)}${ssl}`;
}

function bad(problem: string): AppError {
  return new AppError(ErrorCode.BAD_USER_INPUT, `The connection string is not valid: ${problem}.`, { field: 'connectionString' });
}
