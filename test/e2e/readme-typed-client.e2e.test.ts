import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WardenClient } from '../../sdk/client.js';
import { useShopThroughSdk } from '../helpers/sdk-shop-fixture.js';
import { serviceAvailable } from '../helpers/services.js';
import { useServerWithPostgresStore } from '../helpers/server-fixture.js';
import { REPO_ROOT } from '../helpers/spawn-gateway.js';

const run = promisify(execFile);
const pgUp = await serviceAvailable('postgres');

/** The README's "Typed client" example, as written. */
async function readmeTypedClient(): Promise<string> {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## Typed client');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  expect(blocks).toHaveLength(1);
  return blocks[0] as string;
}

/**
 * A project of its own that depends on Warden, as `npm install /path/to/warden` leaves it: the package
 * (its package.json, so its `exports`, and the client compiled by tsconfig.sdk.json, as `npm run
 * build:sdk` makes it) in node_modules/warden, with Warden's dependencies beside it.
 */
async function consumerProject(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'warden-consumer-'));
  const pkg = join(dir, 'node_modules', 'warden');
  await mkdir(pkg, { recursive: true });
  await copyFile(join(REPO_ROOT, 'package.json'), join(pkg, 'package.json'));
  await symlink(join(REPO_ROOT, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  await symlink(join(REPO_ROOT, 'node_modules', '@types'), join(dir, 'node_modules', '@types'), 'dir');
  const tsc = join(REPO_ROOT, 'node_modules', '.bin', 'tsc');
  await run(tsc, ['-p', join(REPO_ROOT, 'tsconfig.sdk.json'), '--outDir', join(pkg, 'dist')], { cwd: REPO_ROOT });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  await writeFile(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, types: ['node'], outDir: 'out' }, include: ['*.ts'] }),
  );
  return dir;
}

describe.skipIf(!pgUp)("the README's typed client, in a project of its own", () => {
  const fixture = useServerWithPostgresStore();
  const shop = useShopThroughSdk(fixture, 'warden_readme_shop');
  let project: string;
  let admin: WardenClient;
  let databaseId: string;

  beforeAll(async () => {
    ({ admin, databaseId } = shop);
    // The grant "Try it" gives the admin.
    const { me } = await admin.Me();
    await admin.Grant({ input: { agentId: me.id, databaseId, scope: 'DATABASE', actions: ['READ'] } });
    project = await consumerProject();
  }, 120_000);
  afterAll(async () => {
    if (project) await rm(project, { recursive: true, force: true });
  });

  it('compiles against warden/sdk by package name, and prints three large orders, then each refusal as it happens', async () => {
    const baseUrl = fixture.server.url.replace(/\/graphql$/, '');
    await writeFile(join(project, 'client.ts'), (await readmeTypedClient()).replaceAll('http://127.0.0.1:4000', baseUrl));
    await run(join(REPO_ROOT, 'node_modules', '.bin', 'tsc'), ['-p', project], { cwd: project });

    const child = spawn(process.execPath, ['out/client.js'], {
      cwd: project,
      env: { PATH: process.env.PATH ?? '', WARDEN_KEY: fixture.server.adminKey },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    try {
      await expect.poll(() => stdout + stderr, { timeout: 15_000 }).toContain(']');
      expect(stderr).toBe('');
      const totals = [...stdout.matchAll(/total: '([\d.]+)'/g)].map((m) => Number(m[1]));
      expect(totals).toHaveLength(3);
      for (const total of totals) expect(total).toBeGreaterThanOrEqual(400);

      // A refused statement: the example's live feed prints it (asked again until its socket is up).
      for (let tries = 0; tries < 50 && !stdout.includes('runQuery'); tries++) {
        await admin.RunQuery({ databaseId, sql: 'select pg_sleep(0)' }).catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(stdout).toMatch(/\d{4}-\d\d-\d\dT[\d:.]+Z runQuery agt_\w+ \[\s*\{[^]*code: 'SQL_NOT_ALLOWED'/);
    } finally {
      child.kill();
    }
  });
});
