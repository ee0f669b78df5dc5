import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGliteDriver } from '../../plugins/drivers/pglite/pglite-driver.js';
import { generateShopData } from '../../src/demo/shop-seed.js';
import { startFakeLlm, type FakeLlm } from '../helpers/fake-llm.js';
import { postGraphQL } from '../helpers/test-server.js';
import { serviceAvailable } from '../helpers/services.js';
import { REPO_ROOT, spawnGateway, type SpawnedGateway } from '../helpers/spawn-gateway.js';
import { createTempPostgres } from '../helpers/temp-postgres.js';
import { SHOP_TERMS } from '../../src/demo/shop-terms.js';

const run = promisify(execFile);
const PASSWORD = 'readme-crm-password';
const KEY_PATTERN = /wdn_[a-z2-7]{12}_[A-Za-z0-9_-]{43}/g;

/** The README sections whose shell examples run in one shell, in this order ("Try it" sets `gql`, `agent`, `DB`). */
const README_SECTIONS = ['## Try it', '## Explore a database', '## Ask in plain words', '## Schedule and export', '## Semantic catalog'];

/**
 * The README's shell examples of those sections, as one script pointed at this test's gateway and
 * language model. `export` lines are the reader's own values (the key, their database), given by the test.
 */
async function readmeScript(baseUrl: string, llmBaseUrl: string): Promise<string> {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  return README_SECTIONS.flatMap((heading) => {
    const start = readme.indexOf(`${heading}\n`);
    expect(start, heading).toBeGreaterThanOrEqual(0);
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  })
    .filter((block) => !block.startsWith('export '))
    .map((block) => block.replaceAll('http://127.0.0.1:4000', baseUrl).replaceAll('http://127.0.0.1:11434/v1', llmBaseUrl))
    .join('\necho\n');
}

describe('npm start on a clean data directory', () => {
  let dataDir: string;
  let first: SpawnedGateway | undefined;
  let adminKey: string;
  let llm: FakeLlm | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'warden-start-'));
    llm = await startFakeLlm(() => ({ content: '```sql\nSELECT status, count(*) AS n FROM orders GROUP BY status\n```' }));
    // As the README says for a model on this machine.
    first = await spawnGateway({ WARDEN_DATA_DIR: dataDir, WARDEN_EGRESS_ALLOW: '127.0.0.1/32' }, { source: true });
    adminKey = first.stdout().match(KEY_PATTERN)?.[0] ?? '';
  }, 90_000);
  afterAll(async () => {
    await first?.stop();
    await llm?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('prints an admin key exactly once, outside the JSON log', () => {
    expect(adminKey).not.toBe('');
    expect(first!.stdout().match(KEY_PATTERN)).toHaveLength(1);
    const logLines = first!.stdout().split('\n').filter((line) => line.startsWith('{'));
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.some((line) => line.includes(adminKey))).toBe(false);
  });

  it('runs the README examples as written, one after another', async () => {
    // "Connect one of your own databases": a real PostgreSQL one here.
    expect(await serviceAvailable('postgres')).toBe(true);
    const crm = await createTempPostgres();
    const client = new pg.Client({ connectionString: crm.url });
    await client.connect();
    await client.query('create table accounts (id int primary key, name text)');
    await client.end();
    // Trust authentication takes any password: one is given to see that it never comes back.
    const crmUrl = crm.url.replace('postgres@', `postgres:${PASSWORD}@`);
    const script = await readmeScript(first!.baseUrl, llm!.baseUrl);
    const cwd = await mkdtemp(join(tmpdir(), 'warden-readme-'));
    try {
      const { stdout } = await run('bash', ['-e', '-c', script], { cwd, env: { ...process.env, WARDEN_KEY: adminKey, CRM_URL: crmUrl } });
      const outputs = stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(outputs).toHaveLength(18);
      expect(outputs[0]).toEqual({
        data: {
          me: { name: 'admin', role: 'ADMIN' },
          databases: { edges: [{ node: { id: expect.stringMatching(/^db_/), name: 'shop', engine: 'pglite', status: { state: 'AVAILABLE' } } }] },
        },
      });
      // The admin reads only once it has granted itself.
      expect(outputs[1]).toMatchObject({ data: { grant: { id: expect.stringMatching(/^grt_/), scope: 'DATABASE', actions: ['READ'] } } });
      const byStatus = (outputs[2] as { data: { runQuery: { rows: { status: string; n: number }[] } } }).data.runQuery.rows;
      expect(byStatus.map((r) => r.status)).toEqual(expect.arrayContaining(['delivered', 'cancelled', 'paid']));
      expect(outputs[3]).toMatchObject({ data: { registerAgent: { agent: { name: 'reporting-bot', role: 'AGENT' }, key: expect.stringMatching(/^wdn_/) } } });
      const connected = (outputs[4] as { data: { connectDatabase: { name: string; engine: string; connection: string; status: { state: string }; tables: { name: string }[] } } }).data.connectDatabase;
      expect(connected).toMatchObject({ name: 'crm', engine: 'postgres', status: { state: 'AVAILABLE' }, tables: [{ name: 'accounts' }] });
      // The connection string comes back, but never its password.
      expect(connected.connection).toContain('****');
      expect(stdout).not.toContain(PASSWORD);
      expect(outputs[5]).toMatchObject({ data: { grant: { id: expect.stringMatching(/^grt_/) } } });
      const preview = (outputs[6] as { data: { accessPreview: { table: string; actions: string[]; rowFilter: string | null; rowCap: number | null; columns: { column: string; mask: string | null }[] }[] } }).data.accessPreview;
      const orders = preview.find((t) => t.table === 'orders');
      expect(orders).toMatchObject({ actions: ['READ'], rowFilter: "status = 'paid'", rowCap: 500 });
      expect(orders?.columns.find((c) => c.column === 'shipping_country')?.mask).toBe("'**'");
      expect(preview.find((t) => t.table === 'customers')?.actions).toEqual([]);
      // The agent, with its own key: only what its row filter lets through, and nothing it was not granted.
      expect(outputs[7]).toEqual({ data: { runQuery: { columns: [{ name: 'status' }, { name: 'n' }], rows: [{ status: 'paid', n: expect.any(Number) }], truncated: false } } });
      const rows = (outputs[8] as { data: { rows: { rows: { id: number; total: string }[] } } }).data.rows.rows;
      expect(rows).toHaveLength(3);
      for (const row of rows) expect(Number(row.total)).toBeGreaterThanOrEqual(100);
      expect(outputs[9]).toMatchObject({ data: null, errors: [{ extensions: { code: 'FORBIDDEN', denied: [{ resource: 'public.customers', needed: 'READ' }] } }] });
      // Explore a database: the profile and values are of paid orders only, the masked column masked, and
      // the join found through reviews (the admin may see it).
      const explored = (outputs[10] as { data: { schemas: unknown[]; tableProfile: { rowCount: number; columns: { name: string; masked: boolean; topValues: { value: unknown }[] }[] } } }).data;
      expect(explored.schemas).toEqual([{ name: 'public', tables: 1 }]);
      expect(explored.tableProfile.rowCount).toBe((outputs[7] as { data: { runQuery: { rows: { n: number }[] } } }).data.runQuery.rows[0]!.n);
      expect(explored.tableProfile.columns.map((c) => [c.name, c.masked, c.topValues[0]?.value])).toEqual([
        ['status', false, 'paid'],
        ['shipping_country', true, '**'],
        ['total', false, expect.anything()],
      ]);
      expect(outputs[11]).toMatchObject({ data: { distinctValues: { values: [{ count: expect.any(Number) }, {}, {}], truncated: true } } });
      expect(outputs[12]).toMatchObject({ data: { suggestJoins: [{ on: 'reviews.customer_id = customers.id', via: 'public.reviews' }, { on: 'reviews.product_id = products.id', via: 'public.reviews' }] } });
      // Ask in plain words: the model's SQL ran through the agent's grants (paid orders only).
      expect(outputs[13]).toEqual({ data: { registerProvider: { id: expect.stringMatching(/^prv_/), name: 'local', model: 'llama3.1:8b', hasApiKey: false } } });
      expect(outputs[14]).toMatchObject({ data: { askDatabase: { sql: expect.stringMatching(/GROUP BY status/i), result: { rows: [{ status: 'paid', n: expect.any(Number) }] }, linkedTables: ['public.orders'] } } });
      // Schedule and export: the link downloads as CSV, filtered as the agent's grant says.
      expect(outputs[15]).toMatchObject({ data: { exportLink: { url: expect.stringMatching(/\/exports\/exp_.*signature=/) } } });
      expect(stdout).toMatch(/^id,total\r?\n\d+,\d+\.\d{2}\r?\n/m);
      expect(outputs[16]).toMatchObject({ data: { scheduleQuery: { id: expect.stringMatching(/^sch_/), status: 'ACTIVE', nextRunAt: expect.stringMatching(/T05:30:00\.000Z$|T04:30:00\.000Z$/) } } });
      // Semantic catalog: an admin's term is approved at once, its example checked by the gate.
      expect(outputs[17]).toEqual({ data: { saveCatalogTerm: { id: expect.stringMatching(/^trm_/), status: 'APPROVED', version: 1 } } });
    } finally {
      await rm(cwd, { recursive: true, force: true });
      await crm.drop();
    }
  });

  it('runs the README live-feed example on Node 20: it prints a refused query and a security notification', async () => {
    const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Watch it live\n'), readme.indexOf('\n## ', readme.indexOf('## Watch it live\n') + 1));
    const source = section.match(/```js\n([\s\S]*?)```/)?.[1];
    expect(source).toBeDefined();
    // Saved in the checkout, as the README says, so its imports resolve to the project's packages.
    await mkdir(join(REPO_ROOT, 'test-results'), { recursive: true });
    const folder = await mkdtemp(join(REPO_ROOT, 'test-results', 'watch-'));
    const file = join(folder, 'watch.mjs');
    await writeFile(file, source!.replaceAll('ws://127.0.0.1:4000', first!.baseUrl.replace(/^http/, 'ws')));
    const watcher = spawn(process.execPath, [file], { env: { ...process.env, WARDEN_KEY: adminKey }, stdio: ['ignore', 'pipe', 'pipe'] });
    let printed = '';
    watcher.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
    watcher.stderr.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
    try {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      // A refused query: an agent granted products asks for orders…
      const url = `${first!.baseUrl}/graphql`;
      const probe = await postGraphQL<{ registerAgent: { key: string; agent: { id: string } } }>(url, 'mutation { registerAgent(input: { name: "watch-probe" }) { key agent { id } } }', undefined, adminKey);
      const databases = await postGraphQL<{ databases: { edges: { node: { id: string; name: string } }[] } }>(url, '{ databases { edges { node { id name } } } }', undefined, adminKey);
      const shop = databases.body.data!.databases.edges.find((e) => e.node.name === 'shop')!.node.id;
      const { agent, key: probeKey } = probe.body.data!.registerAgent;
      await postGraphQL(url, 'mutation($i: GrantInput!) { grant(input: $i) { id } }', { i: { agentId: agent.id, databaseId: shop, scope: 'TABLE', table: 'products', actions: ['READ'] } }, adminKey);
      const refused = await postGraphQL(url, 'mutation($d: ID!) { runQuery(databaseId: $d, sql: "select 1 from orders") { rows } }', { d: shop }, probeKey);
      expect(refused.body.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
      // …and ten refused keys from one address.
      for (let i = 0; i < 10; i++) await postGraphQL(url, '{ me { id } }', undefined, `wdn_aaaaaaaaaaaa_${'x'.repeat(43)}`);
      await expect.poll(() => printed, { timeout: 15_000 }).toMatch(/"auditEvents":\{[^\n]*"action":"runQuery"[^\n]*"FORBIDDEN"/);
      await expect.poll(() => printed, { timeout: 15_000 }).toMatch(/"securityNotifications":\{"kind":"AUTH_FAILURES_ADDRESS","severity":"HIGH"/);
    } finally {
      watcher.kill();
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('answers /healthz', async () => {
    const res = await fetch(`${first!.baseUrl}/healthz`);
    expect(res.status).toBe(200);
  });

  const shopTerms = async (baseUrl: string) => {
    const shop = await postGraphQL<{ databases: { edges: { node: { id: string; name: string } }[] } }>(`${baseUrl}/graphql`, '{ databases { edges { node { id name } } } }', undefined, adminKey);
    const shopId = shop.body.data!.databases.edges.find((e) => e.node.name === 'shop')!.node.id;
    const terms = await postGraphQL<{ catalogTerms: { edges: { node: { id: string; term: string; status: string } }[] } }>(
      `${baseUrl}/graphql`,
      'query($d: ID!) { catalogTerms(databaseId: $d, first: 200) { edges { node { id term status } } } }',
      { d: shopId },
      adminKey,
    );
    expect(terms.body.errors).toBeUndefined();
    return terms.body.data!.catalogTerms.edges.map((e) => e.node);
  };

  it('comes with the demo shop’s business words, approved, in its semantic catalog', async () => {
    const terms = await shopTerms(first!.baseUrl);
    // Each of the shop's terms, approved (beside the one the README's example adds).
    expect(terms.map((t) => t.term)).toEqual(expect.arrayContaining(SHOP_TERMS.map((t) => t.term)));
    expect(terms.filter((t) => SHOP_TERMS.some((s) => s.term === t.term)).map((t) => t.status)).toEqual(SHOP_TERMS.map(() => 'APPROVED'));
    // An admin's choice to drop one is kept: the terms are loaded with the demo, not at every start.
    const margin = terms.find((t) => t.term === 'margin')!;
    const deleted = await postGraphQL(`${first!.baseUrl}/graphql`, 'mutation($id: ID!) { deleteCatalogTerm(id: $id) }', { id: margin.id }, adminKey);
    expect(deleted.body.errors).toBeUndefined();
  });

  it('stops cleanly on SIGTERM, and a second start keeps agents and prints no key', async () => {
    expect(await first!.stop()).toBe(0);
    const second = await spawnGateway({ WARDEN_DATA_DIR: dataDir }, { source: true });
    try {
      expect(second.stdout().match(KEY_PATTERN)).toBeNull();
      const agents = await postGraphQL<{ agents: { edges: { node: { name: string } }[] } }>(
        `${second.baseUrl}/graphql`,
        '{ agents { edges { node { name } } } }',
        undefined,
        adminKey,
      );
      expect(agents.body.data?.agents.edges.map((e) => e.node.name)).toEqual(['admin', 'reporting-bot', 'watch-probe']);
      const databases = await postGraphQL<{ databases: { edges: { node: { name: string } }[] } }>(
        `${second.baseUrl}/graphql`,
        '{ databases { edges { node { name } } } }',
        undefined,
        adminKey,
      );
      // The demo is loaded once: the second start adds no second shop beside the README's crm.
      expect(databases.body.data?.databases.edges.map((e) => e.node.name).sort()).toEqual(['crm', 'shop']);
      const kept = (await shopTerms(second.baseUrl)).map((t) => t.term);
      expect(kept).toEqual(expect.arrayContaining(SHOP_TERMS.map((t) => t.term).filter((t) => t !== 'margin')));
      expect(kept).not.toContain('margin');
    } finally {
      expect(await second.stop()).toBe(0);
    }
  }, 90_000);

  it('left the demo shop loaded with the generated rows', async () => {
    const shop = await PGliteDriver.open({ dataDir: join(dataDir, 'shop') });
    try {
      const expected = generateShopData();
      for (const table of ['customers', 'products', 'orders', 'order_items', 'reviews', 'categories'] as const) {
        const { rows } = await shop.execute(`select count(*)::int as n from ${table}`, [], { readOnly: true });
        expect(rows[0]?.n, table).toBe(expected[table].length);
      }
      const { rows } = await shop.execute('select sum(total)::text as revenue from orders', [], { readOnly: true });
      const cents = expected.orders.reduce((sum, o) => sum + Math.round(Number(o.total) * 100), 0);
      expect(rows[0]?.revenue).toBe((cents / 100).toFixed(2));
    } finally {
      await shop.close();
    }
  });
});
