import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { AnyDriverFactory } from '../../plugins/drivers/driver.js';
import { startWarden, type Warden } from '../../src/app.js';
import { loadConfig, type StoreConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  text: string;
  body: { data?: T | null; errors?: { message: string; path?: string[]; extensions: Record<string, unknown> }[] };
}

export interface TestServer {
  warden: Warden;
  url: string;
  adminKey: string;
  /** Every log line the server wrote, raw. */
  logs: string[];
  graphql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, key?: string): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

export interface TestServerOptions {
  store?: StoreConfig;
  env?: Record<string, string>;
  adminKey?: string;
  dataDir?: string;
  /** The clock schedules and export links go by. */
  clock?: () => Date;
  /** Engines registered beside the built-ins, as a driver package would add them. */
  drivers?: readonly AnyDriverFactory[];
}

/** A real gateway on an ephemeral port, with a known admin key and its logs captured. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'warden-test-')));
  const adminKey = options.adminKey ?? `test-admin-${randomBytes(16).toString('hex')}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    WARDEN_DEMO: 'false',
    WARDEN_DATA_DIR: dataDir,
    WARDEN_ADMIN_KEY: adminKey,
    LOG_LEVEL: 'debug',
    // Receivers, buckets and fake language models in tests listen on 127.0.0.1, which the egress
    // policy refuses by default.
    WARDEN_EGRESS_ALLOW: '127.0.0.1/32',
    ...options.env,
  });
  if (options.store) config.store = options.store;
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString('utf8'));
      callback();
    },
  });
  const warden = await startWarden(config, createLogger(config.logLevel, sink), {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.drivers ? { drivers: options.drivers } : {}),
  });
  return {
    warden,
    url: warden.url,
    adminKey,
    logs,
    graphql: (query, variables, key) => postGraphQL(warden.url, query, variables, key),
    stop: async () => {
      await warden.stop();
      if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function postGraphQL<T>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  key?: string,
): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: JSON.parse(text) as GraphQLResponse<T>['body'] };
}

/** The first error's code, or undefined. */
export function errorCode(response: GraphQLResponse<unknown>): unknown {
  return response.body.errors?.[0]?.extensions.code;
}

/** Registers a database of the local PostgreSQL server with the gateway (as an admin, named `name`); its id. */
export async function connectPostgres(graphql: TestServer['graphql'], adminKey: string, database: string, name = 'stock'): Promise<string> {
  const connected = await graphql<{ connectDatabase: { id: string } }>(
    'mutation($db: String!, $n: String!) { connectDatabase(input: { name: $n, engine: "postgres", host: "127.0.0.1", port: 5432, database: $db, user: "postgres" }) { id } }',
    { db: database, n: name },
    adminKey,
  );
  if (connected.body.errors) throw new Error(`could not connect ${database}: ${JSON.stringify(connected.body.errors)}`);
  return connected.body.data!.connectDatabase.id;
}
