import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { SERVICES } from './services.js';

export interface TempPostgres {
  name: string;
  url: string;
  /** Runs each statement in this database (a fixture's tables and rows), on a connection of its own. */
  seed(...statements: string[]): Promise<void>;
  /** Ends every connection to the database and drops it. */
  drop(): Promise<void>;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: SERVICES.postgres.url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A new, empty database on the real PostgreSQL server, with a random name. */
export async function createTempPostgres(prefix = 'warden_test'): Promise<TempPostgres> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`create database ${name}`));
  return {
    name,
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    seed: async (...statements) => {
      const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:5432/${name}` });
      await client.connect();
      try {
        for (const statement of statements) await client.query(statement);
      } finally {
        await client.end();
      }
    },
    drop: () =>
      admin(async (c) => {
        await c.query(`drop database if exists ${name} with (force)`);
      }),
  };
}
