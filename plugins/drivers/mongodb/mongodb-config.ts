import { z } from 'zod';
import { AppError, ErrorCode } from '../../../src/errors/app-error.js';
import { addressOf } from '../endpoints.js';
import { endpointSchema, parseNetworkConnectionString } from '../network-config.js';

export const MONGODB_DEFAULT_PORT = 27017;

const HOST_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;
const IPV6 = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$/;
/** What MongoDB allows in a database name (no `/\. "$*<>:|?`, no NUL, under 64 bytes). */
const DATABASE_NAME = /^[^/\\. "$*<>:|?\0]{1,63}$/;

/**
 * Hosts are checked strictly because the seed list becomes part of the URI handed to the Node driver:
 * a host such as `db/?authSource=x` must not be able to add options.
 */
export const mongoEndpointSchema = endpointSchema.extend({
  host: endpointSchema.shape.host.refine((host) => HOST_NAME.test(host) || IPV6.test(host), 'a host name, IPv4 or IPv6 address'),
  port: endpointSchema.shape.port.default(MONGODB_DEFAULT_PORT),
});

export const mongoConfigSchema = z
  .object({
    /** The seed list. The Node driver discovers the rest of a replica set and fails over on its own. */
    endpoints: z.array(mongoEndpointSchema).min(1).max(8),
    database: z.string().regex(DATABASE_NAME, 'a MongoDB database name'),
    /** Optional: a server without access control needs none. */
    user: z.string().min(1).max(128).optional(),
    password: z.string().max(1024).optional(),
    /** The database holding the user (defaults to `database`, as in a connection string). */
    authSource: z.string().regex(DATABASE_NAME, 'a MongoDB database name').optional(),
    replicaSet: z.string().min(1).max(128).optional(),
    /** true: TLS with certificate checks; 'no-verify': TLS without them; false/absent: plain. */
    tls: z.union([z.boolean(), z.literal('no-verify')]).optional(),
    /** Talk to the listed host only, without discovering the replica set (e.g. behind a port forward). */
    directConnection: z.boolean().optional(),
  })
  .refine((config) => config.password === undefined || config.user !== undefined, {
    message: 'a password needs a user',
    path: ['password'],
  })
  // The next two the Node driver would refuse too, but only once it is loaded (on first use; see
  // MongodbDriver): checked here, they are refused when the settings are given, as other bad settings are.
  .refine((config) => config.user === undefined || config.password !== undefined, {
    message: 'a user needs a password',
    path: ['password'],
  })
  .refine((config) => config.directConnection !== true || config.endpoints.length === 1, {
    message: 'directConnection talks to one host: list exactly one',
    path: ['directConnection'],
  });

export type MongoConfig = z.infer<typeof mongoConfigSchema>;

/**
 * Settings from `mongodb://[user[:password]@]host[:port][,host2…]/database[?options]`. Understood
 * options: authSource, replicaSet, tls/ssl, tlsAllowInvalidCertificates/tlsInsecure, directConnection;
 * the rest are ignored. Throws BAD_USER_INPUT without echoing the string (it holds a password).
 */
export function parseMongoConnectionString(connectionString: string): Record<string, unknown> {
  const trimmed = connectionString.trim();
  if (/^mongodb\+srv:/i.test(trimmed)) {
    throw new AppError(
      ErrorCode.BAD_USER_INPUT,
      'mongodb+srv:// connection strings are not supported yet: finding the hosts needs a DNS SRV lookup. ' +
        'List the hosts instead: mongodb://user:password@host1:27017,host2:27017/database?replicaSet=name&tls=true.',
      { field: 'connectionString' },
    );
  }
  const { endpoints, database, user, password } = parseNetworkConnectionString(trimmed, ['mongodb'], MONGODB_DEFAULT_PORT);
  if (database === '') throw bad('name the database after the hosts (mongodb://host:27017/database)');
  const query = /^[^:]*:\/\/(?:[^@/]*@)?[^/?]+(?:\/[^?]*)?(?:\?(.*))?$/.exec(trimmed)?.[1] ?? '';
  const params = new URLSearchParams(query);
  const tls = flag(params, 'tls') ?? flag(params, 'ssl');
  const insecure = flag(params, 'tlsAllowInvalidCertificates') === true || flag(params, 'tlsInsecure') === true;
  const directConnection = flag(params, 'directConnection');
  const authSource = params.get('authSource');
  const replicaSet = params.get('replicaSet');
  return {
    endpoints,
    database,
    ...(user === '' ? {} : { user }),
    ...(user === '' || password === undefined ? {} : { password }),
    ...(authSource ? { authSource } : {}),
    ...(replicaSet ? { replicaSet } : {}),
    ...(tls === true ? { tls: insecure ? 'no-verify' : true } : tls === false ? { tls: false } : {}),
    ...(directConnection === undefined ? {} : { directConnection }),
  };
}

/** `mongodb://user:****@host:port,…/database?options`: what the API shows instead of credentials. */
export function describeMongoConfig(config: MongoConfig): string {
  const credentials = config.user === undefined ? '' : `${encodeURIComponent(config.user)}${config.password ? ':****' : ''}@`;
  const params = new URLSearchParams();
  if (config.authSource) params.set('authSource', config.authSource);
  if (config.replicaSet) params.set('replicaSet', config.replicaSet);
  if (config.tls) params.set('tls', 'true');
  if (config.tls === 'no-verify') params.set('tlsAllowInvalidCertificates', 'true');
  if (config.directConnection !== undefined) params.set('directConnection', String(config.directConnection));
  const query = params.toString();
  return `mongodb://${credentials}${config.endpoints.map(addressOf).join(',')}/${encodeURIComponent(config.database)}${query ? `?${query}` : ''}`;
}

function flag(params: URLSearchParams, name: string): boolean | undefined {
  const value = params.get(name);
  if (value === null) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw bad(`${name} must be true or false`);
}

function bad(problem: string): AppError {
  return new AppError(ErrorCode.BAD_USER_INPUT, `The connection string is not valid: ${problem}.`, { field: 'connectionString' });
}
