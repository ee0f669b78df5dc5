/**
 * What the row-filter barrier costs. A row-filtered table becomes a subquery the planner may not
 * flatten (PostgreSQL: OFFSET 0; MySQL/MariaDB: LIMIT 2^64-1), so the statement's own conditions
 * cannot be evaluated on hidden rows, and cannot use the table's other indexes either. This prints,
 * for a few typical reads on a 100,000-row table (10 tenants, primary key on id, index on tenant),
 * the planner's estimate (PostgreSQL: total cost of EXPLAIN; MariaDB: Last_query_cost) and the
 * median execution time (PostgreSQL: EXPLAIN ANALYZE's; MariaDB: round trip on one connection) with the old, flattenable subquery (before) and with
 * the barrier (after), side by side:
 *   - point: `where id = <a visible id>`
 *   - page:  `order by id limit 50 offset 100`
 *   - count: `count(*) where amount > 500`
 *
 *   npm run bench:barrier      BENCH_ROWS (100000), BENCH_RUNS (25), BENCH_ONLY=postgres|mariadb
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { GateCatalog, TablePolicy } from '../src/sql/analysis.js';
import { sqlGateFor } from '../src/sql/gates.js';
import { createTempPostgres } from '../test/helpers/temp-postgres.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 25);
const ONLY = process.env.BENCH_ONLY;
const TENANTS = 10;
const VISIBLE_TENANT = 3;

const READS: { name: string; sql: string }[] = [
  { name: 'point', sql: `select id, tenant, amount, note from accounts where id = ${VISIBLE_TENANT + TENANTS * 4321}` },
  { name: 'page', sql: 'select id, tenant, amount, note from accounts order by id limit 50 offset 100' },
  { name: 'count', sql: 'select count(*) as n from accounts where amount > 500' },
];

interface Figure {
  read: string;
  costBefore: number;
  costAfter: number;
  msBefore: number;
  msAfter: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function timeIt(run: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 3; i += 1) await run(); // warm caches
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  return median(samples);
}

function print(engine: string, figures: Figure[]): void {
  console.log(`\n${engine}: ${ROWS.toLocaleString('en')} rows, ${TENANTS} tenants, filter tenant = ${VISIBLE_TENANT}; median of ${RUNS} runs`);
  console.log('read   | est. cost before | est. cost after | ms before | ms after');
  for (const f of figures) {
    console.log(
      `${f.read.padEnd(6)} | ${f.costBefore.toFixed(2).padStart(16)} | ${f.costAfter.toFixed(2).padStart(15)} | ${f.msBefore.toFixed(3).padStart(9)} | ${f.msAfter.toFixed(3).padStart(8)}`,
    );
  }
}

async function postgres(): Promise<void> {
  const db = await createTempPostgres('warden_bench_barrier');
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query('create table accounts (id integer primary key, tenant integer not null, amount integer not null, note text not null)');
    await client.query(
      `insert into accounts select g, g % ${TENANTS}, (g * 7919) % 1000, md5(g::text) from generate_series(1, ${ROWS}) g`,
    );
    await client.query('create index accounts_tenant on accounts (tenant)');
    await client.query('analyze accounts');
    const catalog: GateCatalog = { searchPath: ['public'], tables: [{ schema: 'public', name: 'accounts', columns: ['id', 'tenant', 'amount', 'note'] }] };
    const policies: TablePolicy[] = [{ schema: 'public', table: 'accounts', rowFilter: `tenant = ${VISIBLE_TENANT}` }];
    const figures: Figure[] = [];
    for (const read of READS) {
      const gate = sqlGateFor('postgres');
      const after = await gate.rewrite(read.sql, await gate.analyse(read.sql, catalog), catalog, policies, 1000);
      const before = after.replace(' OFFSET 0 ', ' ');
      if (before === after) throw new Error(`no barrier in ${after}`);
      const cost = async (sql: string) => {
        const result = await client.query<{ 'QUERY PLAN': [{ Plan: { 'Total Cost': number } }] }>(`explain (format json) ${sql}`);
        return result.rows[0]!['QUERY PLAN'][0].Plan['Total Cost'];
      };
      // The server's own execution time, so the shared machine's scheduling noise stays out of it.
      const serverTime = async (sql: string) => {
        const samples: number[] = [];
        for (let i = 0; i < RUNS + 3; i += 1) {
          const result = await client.query<{ 'QUERY PLAN': [{ 'Execution Time': number }] }>(`explain (analyze, format json) ${sql}`);
          if (i >= 3) samples.push(result.rows[0]!['QUERY PLAN'][0]['Execution Time']);
        }
        return median(samples);
      };
      figures.push({
        read: read.name,
        costBefore: await cost(before),
        costAfter: await cost(after),
        msBefore: await serverTime(before),
        msAfter: await serverTime(after),
      });
    }
    print('PostgreSQL', figures);
  } finally {
    await client.end();
    await db.drop();
  }
}

async function mariadb(): Promise<void> {
  const name = `warden_bench_barrier_${randomBytes(4).toString('hex')}`;
  const admin = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
  await admin.query(`create database ${name}`);
  const client = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', database: name });
  try {
    await client.query('create table accounts (id integer primary key, tenant integer not null, amount integer not null, note varchar(40) not null)');
    // MariaDB's sequence engine (seq_1_to_N) makes the rows.
    await client.query(`insert into accounts select seq, seq % ${TENANTS}, (seq * 7919) % 1000, md5(seq) from seq_1_to_${ROWS}`);
    await client.query('create index accounts_tenant on accounts (tenant)');
    await client.query('analyze table accounts');
    const catalog: GateCatalog = { searchPath: [name], tables: [{ schema: name, name: 'accounts', columns: ['id', 'tenant', 'amount', 'note'] }] };
    const policies: TablePolicy[] = [{ schema: name, table: 'accounts', rowFilter: `tenant = ${VISIBLE_TENANT}` }];
    const figures: Figure[] = [];
    for (const read of READS) {
      const gate = sqlGateFor('mysql');
      const after = await gate.rewrite(read.sql, await gate.analyse(read.sql, catalog), catalog, policies, 1000);
      const before = after.replace(' LIMIT 18446744073709551615', '');
      if (before === after) throw new Error(`no barrier in ${after}`);
      // The optimizer's estimate for the last statement run on this session.
      const cost = async (sql: string) => {
        await client.query(sql);
        const [rows] = await client.query("show session status like 'Last_query_cost'");
        return Number((rows as { Value: string }[])[0]?.Value ?? NaN);
      };
      figures.push({
        read: read.name,
        costBefore: await cost(before),
        costAfter: await cost(after),
        msBefore: await timeIt(() => client.query(before)),
        msAfter: await timeIt(() => client.query(after)),
      });
    }
    print('MariaDB', figures);
  } finally {
    await client.end();
    await admin.query(`drop database if exists ${name}`);
    await admin.end();
  }
}

if (ONLY !== 'mariadb') await postgres();
if (ONLY !== 'postgres') await mariadb();
