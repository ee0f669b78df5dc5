import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGliteDriver } from '../../plugins/drivers/pglite/pglite-driver.js';
import { generateShopData } from '../../src/demo/shop-seed.js';
import { postGraphQL } from '../helpers/test-server.js';
import { REPO_ROOT, spawnGateway, type SpawnedGateway } from '../helpers/spawn-gateway.js';

const run = promisify(execFile);
const KEY_PATTERN = /wdn_[a-z2-7]{12}_[A-Za-z0-9_-]{43}/g;

/**
 * The README's "Try it" shell examples (they build on each other: a `gql` helper, then `DB`, then
 * `AGENT`), as one script pointed at this test's port.
 */
async function readmeTryIt(baseUrl: string): Promise<string> {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Try it'), readme.indexOf('\n## ', readme.indexOf('## Try it') + 1));
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
    .map((m) => m[1] as string)
    .filter((block) => !block.startsWith('export WARDEN_KEY'))
    .map((block) => block.replaceAll('http://127.0.0.1:4000', baseUrl))
    .join('\necho\n');
}

describe('npm start on a clean data directory', () => {
  let dataDir: string;
  let first: SpawnedGateway | undefined;
  let adminKey: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'warden-start-'));
    first = await spawnGateway({ WARDEN_DATA_DIR: dataDir });
    adminKey = first.stdout().match(KEY_PATTERN)?.[0] ?? '';
  }, 90_000);
  afterAll(async () => {
    await first?.stop();
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
    const script = await readmeTryIt(first!.baseUrl);
    const cwd = await mkdtemp(join(tmpdir(), 'warden-readme-'));
    try {
      const { stdout } = await run('bash', ['-e', '-c', script], { cwd, env: { ...process.env, WARDEN_KEY: adminKey } });
      const outputs = stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(outputs).toHaveLength(6);
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
      expect(outputs[4]).toMatchObject({ data: { grant: { id: expect.stringMatching(/^grt_/) } } });
      const preview = (outputs[5] as { data: { accessPreview: { table: string; actions: string[]; rowFilter: string | null; rowCap: number | null; columns: { column: string; mask: string | null }[] }[] } }).data.accessPreview;
      const orders = preview.find((t) => t.table === 'orders');
      expect(orders).toMatchObject({ actions: ['READ'], rowFilter: "status = 'paid'", rowCap: 500 });
      expect(orders?.columns.find((c) => c.column === 'shipping_country')?.mask).toBe("'**'");
      expect(preview.find((t) => t.table === 'customers')?.actions).toEqual([]);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });

  it('answers /healthz', async () => {
    const res = await fetch(`${first!.baseUrl}/healthz`);
    expect(res.status).toBe(200);
  });

  it('stops cleanly on SIGTERM, and a second start keeps agents and prints no key', async () => {
    expect(await first!.stop()).toBe(0);
    const second = await spawnGateway({ WARDEN_DATA_DIR: dataDir });
    try {
      expect(second.stdout().match(KEY_PATTERN)).toBeNull();
      const agents = await postGraphQL<{ agents: { edges: { node: { name: string } }[] } }>(
        `${second.baseUrl}/graphql`,
        '{ agents { edges { node { name } } } }',
        undefined,
        adminKey,
      );
      expect(agents.body.data?.agents.edges.map((e) => e.node.name)).toEqual(['admin', 'reporting-bot']);
      const databases = await postGraphQL<{ databases: { totalCount: number } }>(
        `${second.baseUrl}/graphql`,
        '{ databases { totalCount } }',
        undefined,
        adminKey,
      );
      expect(databases.body.data?.databases.totalCount).toBe(1);
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
