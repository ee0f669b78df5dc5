/**
 * askDatabase pipeline overhead, model time excluded: linking the question to a 500-table schema,
 * building the prompt, the gate, grants and the database — p50/p99 of (total − model) as the gateway
 * measures it, with an OpenAI-compatible model answering at once from a local HTTP server.
 *
 *   npm run bench:ask     BENCH_ASKS (300), BENCH_TABLES (500)
 */
import pg from 'pg';
import { startFakeLlm } from '../test/helpers/fake-llm.js';
import { createTempPostgres } from '../test/helpers/temp-postgres.js';
import { startTestServer } from '../test/helpers/test-server.js';

const ASKS = Number(process.env.BENCH_ASKS ?? 300);
const TABLES = Number(process.env.BENCH_TABLES ?? 500);
const DOMAINS = ['orders', 'invoices', 'shipments', 'customers', 'suppliers', 'products', 'payments', 'refunds', 'tickets', 'employees'];

const target = await createTempPostgres('warden_bench_ask');
const storeDb = await createTempPostgres('warden_bench_ask_store');
const client = new pg.Client({ connectionString: target.url });
await client.connect();
const ddl: string[] = [];
for (let t = 0; t < TABLES; t++) {
  const name = `${DOMAINS[t % DOMAINS.length]}_${String(t).padStart(3, '0')}`;
  const columns = Array.from({ length: 18 }, (_, c) => `${['amount', 'status', 'region', 'note', 'created_at', 'quantity'][c % 6]}_${c} ${c % 6 === 4 ? 'timestamptz' : c % 6 === 0 || c % 6 === 5 ? 'numeric(12,2)' : 'text'}`);
  ddl.push(`create table ${name} (id int primary key, parent_id int, ${columns.join(', ')}); comment on table ${name} is 'Records of ${DOMAINS[t % DOMAINS.length]}, batch ${t}.'`);
}
await client.query(ddl.join(';\n'));
await client.query(`insert into orders_000 (id, amount_0, status_1, region_2) select g, g * 1.5, case when g % 3 = 0 then 'paid' else 'open' end, 'r' || (g % 7) from generate_series(1, 2000) g`);
await client.end();

const llm = await startFakeLlm(() => ({ content: '```sql\nselect status_1, count(*) as n, sum(amount_0) as total from orders_000 group by status_1\n```' }));
const server = await startTestServer({ store: { kind: 'postgres', url: storeDb.url }, env: { LOG_LEVEL: 'warn' } });
try {
  const admin = (q: string, v?: Record<string, unknown>) => server.graphql<Record<string, { id: string; key?: string; agent?: { id: string } }>>(q, v, server.adminKey);
  const db = await admin('mutation($i: ConnectDatabaseInput!) { connectDatabase(input: $i) { id } }', {
    i: { name: 'wide', engine: 'postgres', host: '127.0.0.1', port: 5432, database: target.name, user: 'postgres' },
  });
  const databaseId = db.body.data!.connectDatabase!.id;
  const reg = await admin('mutation { registerAgent(input: { name: "bench" }) { key agent { id } } }');
  const key = reg.body.data!.registerAgent!.key!;
  await admin('mutation($i: GrantInput!) { grant(input: $i) { id } }', { i: { agentId: reg.body.data!.registerAgent!.agent!.id, databaseId, scope: 'DATABASE', actions: ['READ'] } });
  await admin('mutation($i: RegisterProviderInput!) { registerProvider(input: $i) { id } }', { i: { name: 'local', baseUrl: llm.baseUrl, model: 'instant' } });

  const ASK = 'mutation($d: ID!, $q: String!) { askDatabase(databaseId: $d, question: $q) { timings { linkMs modelMs queryMs totalMs } } }';
  const questions = ['What is the total amount of paid orders by status?', 'How many open orders per region?', 'Sum of order amounts by status'];
  const overhead: number[] = [];
  const link: number[] = [];
  const query: number[] = [];
  for (let i = 0; i < ASKS + 20; i++) {
    const res = await server.graphql<{ askDatabase: { timings: { linkMs: number; modelMs: number; queryMs: number; totalMs: number } } }>(ASK, { d: databaseId, q: questions[i % questions.length] }, key);
    if (res.body.errors) throw new Error(res.body.errors[0]?.message);
    if (i < 20) continue; // warm-up
    const t = res.body.data!.askDatabase.timings;
    overhead.push(t.totalMs - t.modelMs);
    link.push(t.linkMs);
    query.push(t.queryMs);
  }
  const at = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;
  const line = (name: string, values: number[]) => console.log(`${name.padEnd(34)} p50 ${at(values, 0.5).toFixed(2).padStart(6)} ms   p99 ${at(values, 0.99).toFixed(2).padStart(6)} ms`);
  console.log(`\naskDatabase on ${TABLES} tables × 20 columns, ${ASKS} questions, model time excluded:`);
  line('  link (rank + render the schema)', link);
  line('  gate + grants + execute', query);
  line('  whole pipeline minus the model', overhead);
} finally {
  await server.stop();
  await llm.close();
  await target.drop();
  await storeDb.drop();
}
