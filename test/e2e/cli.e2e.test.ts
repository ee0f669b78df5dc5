import { execFile, spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from '../helpers/closed-port.js';
import { serviceAvailable } from '../helpers/services.js';
import { useServerWithPostgresStore } from '../helpers/server-fixture.js';
import { loadShop } from '../helpers/shop-fixture.js';
import { REPO_ROOT } from '../helpers/spawn-gateway.js';
import { createTempPostgres, type TempPostgres } from '../helpers/temp-postgres.js';

const pgUp = await serviceAvailable('postgres');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `node bin/warden.js …` in its own process, as a user runs it: the source through tsx, or with
 * WARDEN_SPAWN_BUILT=1 the compiled CLI (`npm run build` first).
 */
function warden(args: string[], env: Record<string, string | undefined>, stdin?: string): Promise<Run> {
  const child = spawn(process.execPath, ['bin/warden.js', ...args], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...(process.env.WARDEN_SPAWN_BUILT === '1' ? {} : { WARDEN_FROM_SOURCE: '1' }),
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end(stdin ?? '');
  return outcome(child);
}

/** What a child process printed, and how it ended. */
function outcome(child: ChildProcessByStdio<Writable | null, Readable, Readable>): Promise<Run> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const json = <T>(run: Run): T => {
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as T;
};

describe('the warden command line, without a gateway', () => {
  it('answers --help with every command and the exit codes, and exits 0', async () => {
    const help = await warden(['--help'], {});
    expect(help.code).toBe(0);
    for (const line of ['warden agent create', 'warden db connect', 'warden grant add', 'warden preview', 'warden query', 'warden audit tail', 'Exit codes:']) {
      expect(help.stdout).toContain(line);
    }
    expect(help.stdout).toMatch(/^\s+3 {2}UNAUTHENTICATED: /m);
  });

  it('runs as the project\'s own bin through npx', async () => {
    // stdin closed: should npx ever ask to install something, it must not wait for an answer.
    const run = await outcome(spawn('npx', ['--offline', 'warden', '--help'], { cwd: REPO_ROOT, env: { ...process.env, WARDEN_FROM_SOURCE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] }));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('warden audit tail');
  }, 120_000);

  it('refuses a command line it cannot read with exit 2 and the usage', async () => {
    const unknownCommand = await warden(['agnet', 'list'], { WARDEN_KEY: 'wdn_x' });
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toContain('unknown command "agnet"');
    const unknownFlag = await warden(['agent', 'list', '--colour'], { WARDEN_KEY: 'wdn_x' });
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toContain("Unknown option '--colour'");
    expect(unknownFlag.stderr).toContain('warden agent create <name>');
    const noKey = await warden(['agent', 'list'], {});
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('WARDEN_KEY is not set');
    const badUrl = await warden(['agent', 'list'], { WARDEN_KEY: 'wdn_x', WARDEN_URL: 'ftp://example.com' });
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain('WARDEN_URL');
  });

  it('gives exit 10 and says where it looked when the gateway does not answer', async () => {
    const port = await closedPort();
    const key = 'wdn_aaaaaaaaaaaa_unreachable-gateway-secret-part-0123456789abc';
    const run = await warden(['agent', 'list'], { WARDEN_URL: `http://127.0.0.1:${port}`, WARDEN_KEY: key });
    expect(run.code).toBe(10);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`Could not reach Warden at http://127.0.0.1:${port}: ECONNREFUSED.`);
    expect(run.stderr).toContain('WARDEN_URL');
    expect(run.stderr).not.toContain(key);
    const asJson = await warden(['agent', 'list', '--json'], { WARDEN_URL: `http://127.0.0.1:${port}`, WARDEN_KEY: key });
    expect(asJson.code).toBe(10);
    expect(JSON.parse(asJson.stderr)).toMatchObject({ error: { code: 'UNREACHABLE', exitCode: 10 } });
  });
});

describe.skipIf(!pgUp)('the warden command line against a live gateway', () => {
  const fixture = useServerWithPostgresStore();
  const DB_PASSWORD = 'cli-Pa55word-never-shown';
  let target: TempPostgres;
  let admin: Record<string, string>;
  let agentKey = '';

  beforeAll(async () => {
    target = await createTempPostgres('warden_cli_shop');
    await loadShop('postgres', target.name);
    // The gateway's base address, as a user sets it; the /graphql endpoint works as well.
    admin = { WARDEN_URL: fixture.server.url.replace(/\/graphql$/, ''), WARDEN_KEY: fixture.server.adminKey };
  });
  afterAll(async () => {
    await target?.drop();
  });
  const asAgent = () => ({ WARDEN_URL: fixture.server.url, WARDEN_KEY: agentKey });

  it('creates an agent and prints its key once, saying so', async () => {
    const run = await warden(['agent', 'create', 'cli-bot', '--description', 'made on the command line'], admin);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ID\s+NAME\s+ROLE\s+STATUS\s+CREATED\s+DESCRIPTION\nagt_\w+\s+cli-bot\s+AGENT\s+ACTIVE\s/);
    expect(run.stdout).toContain('shown this once');
    const keys = run.stdout.match(/wdn_[a-z2-7]{12}_[A-Za-z0-9_-]{43}/g) ?? [];
    expect(keys).toHaveLength(1);
    agentKey = keys[0] as string;
    const listed = json<{ name: string; status: string }[]>(await warden(['agent', 'list', '--json'], admin));
    expect(listed.map((a) => a.name)).toEqual(['admin', 'cli-bot']);
  });

  it('connects a PostgreSQL database without echoing its password, and tests it', async () => {
    const url = `postgres://postgres:${DB_PASSWORD}@127.0.0.1:5432/${target.name}`;
    const run = await warden(['db', 'connect', 'shop', '--engine', 'postgres', '--url', url], admin);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ID\s+NAME\s+ENGINE\s+STATE\s+TABLES\s+CONNECTION\ndb_\w+\s+shop\s+postgres\s+AVAILABLE\s+6\s+postgres:\/\/postgres:\*+@/);
    expect(run.stdout + run.stderr).not.toContain(DB_PASSWORD);

    // A database the gateway cannot reach: exit 8, and neither the password nor the URL in the error.
    const port = await closedPort();
    const refusedUrl = `postgres://postgres:${DB_PASSWORD}@127.0.0.1:${port}/${target.name}`;
    const refused = await warden(['db', 'connect', 'elsewhere', '--url', '-'], admin, refusedUrl);
    expect(refused.code).toBe(8);
    expect(refused.stderr).toContain('DATABASE_UNAVAILABLE');
    expect(refused.stdout + refused.stderr).not.toContain(DB_PASSWORD);

    const tested = json<{ ok: boolean; serverVersion: string }>(await warden(['db', 'test', 'shop', '--json'], admin));
    expect(tested.ok).toBe(true);
    const missing = await warden(['db', 'test', 'nowhere'], admin);
    expect(missing.code).toBe(6);
    expect(missing.stderr).toContain('NOT_FOUND');
  });

  it('grants a table with a row filter and a mask, and previews it as the agent', async () => {
    const grant = json<{ id: string; scope: string; tableName: string; rowFilter: string; columnMasks: unknown[]; rowCap: number }>(
      await warden(
        ['grant', 'add', '--agent', 'cli-bot', '--database', 'shop', '--table', 'orders', '--row-filter', "status = 'paid'", '--mask', 'shipping_country', '--max-rows', '100', '--json'],
        admin,
      ),
    );
    expect(grant).toMatchObject({ scope: 'TABLE', tableName: 'orders', rowFilter: "status = 'paid'", columnMasks: [{ column: 'shipping_country', expression: 'NULL' }], rowCap: 100 });
    const listed = await warden(['grant', 'list', '--agent', 'cli-bot'], admin);
    expect(listed.stdout).toMatch(new RegExp(`${grant.id}\\s+cli-bot\\s+shop\\s+TABLE\\s+public\\.orders\\s+READ\\s+status = 'paid'\\s+shipping_country=NULL\\s+100`));

    const preview = json<{ table: string; actions: string[]; rowFilter: string | null; columns: { column: string; mask: string | null }[] }[]>(
      await warden(['preview', '--database', 'shop', '--json'], asAgent()),
    );
    expect(preview.map((t) => t.table)).toEqual(['orders']);
    expect(preview[0]).toMatchObject({ actions: ['READ'], rowFilter: "status = 'paid'" });
    const human = await warden(['preview', '--agent', 'cli-bot', '--database', 'shop'], admin);
    expect(human.stdout).toMatch(/public\.orders\s+READ\s+status = 'paid'\s+100\s+.*shipping_country \(masked: NULL\)/);
    expect(human.stdout).toMatch(/public\.customers\s+-\s+-\s+-\s+-/);
  });

  it('queries as the agent: only the rows its filter lets through, masked', async () => {
    const result = json<{ rows: { status: string; shipping_country: string | null }[]; rowCount: number }>(
      await warden(['query', '--json', 'select status, shipping_country from orders'], asAgent()),
    );
    expect(result.rowCount).toBeGreaterThan(0);
    expect(new Set(result.rows.map((r) => r.status))).toEqual(new Set(['paid']));
    expect(new Set(result.rows.map((r) => r.shipping_country))).toEqual(new Set([null]));

    const table = await warden(['query', 'select status, count(*) as n from orders where id <= $1 group by status', '--param', '300'], asAgent());
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^status\s+n\npaid\s+\d+\n\(1 row, \d+ ms\)\n$/);

    const forbidden = await warden(['query', 'select email from customers'], asAgent());
    expect(forbidden.code).toBe(4);
    expect(forbidden.stderr).toContain('FORBIDDEN');
    expect(forbidden.stderr).toMatch(/denied: public\.customers needs READ/);
    const syntax = await warden(['query', 'selec 1'], asAgent());
    expect(syntax.code).toBe(5);
    expect(syntax.stderr).toContain('SQL_SYNTAX');
  });

  it('shows the queries in audit tail, and follows new ones until Ctrl-C', async () => {
    let events: { action: string; decision: string; principalId: string; tables: string[] }[] = [];
    // Query events are written in batches off the request path.
    for (let tries = 0; tries < 25 && !events.some((e) => e.decision === 'ALLOWED'); tries++) {
      events = json<typeof events>(await warden(['audit', 'tail', '--agent', 'cli-bot', '--action', 'runQuery', '--json'], admin));
      if (!events.some((e) => e.decision === 'ALLOWED')) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(events.map((e) => e.decision)).toEqual(expect.arrayContaining(['ALLOWED', 'DENIED']));
    expect(events.find((e) => e.decision === 'ALLOWED')).toMatchObject({ tables: ['public.orders'] });

    const child = spawn(process.execPath, ['bin/warden.js', 'audit', 'tail', '-n', '0', '--follow', '--json', '--decision', 'DENIED'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', WARDEN_FROM_SOURCE: '1', ...admin },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    try {
      await expect.poll(() => stderr, { timeout: 15_000 }).toContain('Following new audit events');
      for (let tries = 0; tries < 50 && !stdout.includes('\n'); tries++) {
        await warden(['query', 'select * from reviews'], asAgent());
      }
      const first = JSON.parse(stdout.split('\n')[0] as string) as { action: string; decision: string; tables: string[] };
      expect(first).toMatchObject({ action: 'runQuery', decision: 'DENIED', tables: ['public.reviews'] });
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });

  it('revokes the agent: its next query fails with exit 3, and no key is printed', async () => {
    const revoked = json<{ status: string }>(await warden(['agent', 'revoke', 'cli-bot', '--json'], admin));
    expect(revoked.status).toBe('REVOKED');
    const run = await warden(['query', 'select 1'], asAgent());
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('UNAUTHENTICATED');
    expect(run.stderr).not.toContain(agentKey);
    const asJson = await warden(['query', 'select 1', '--json'], asAgent());
    expect(asJson.code).toBe(3);
    expect(JSON.parse(asJson.stderr)).toMatchObject({ error: { code: 'UNAUTHENTICATED', exitCode: 3 } });
  });

  it('gives exit 3 for a wrong key, without printing it', async () => {
    const wrong = 'wdn_aaaaaaaaaaaa_this-key-was-never-issued-by-anyone-0123456789';
    const run = await warden(['agent', 'list'], { WARDEN_URL: admin.WARDEN_URL, WARDEN_KEY: wrong });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('UNAUTHENTICATED');
    expect(run.stderr).not.toContain(wrong);
    expect(run.stderr).not.toContain('this-key-was-never-issued');
  });

  it("runs the README's Command line example as written", async () => {
    const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf('## Command line\n');
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    const script = [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
      .map((m) => m[1] as string)
      .filter((block) => !block.startsWith('export '))
      .map((block) => block.replaceAll('npx warden', `node '${join(REPO_ROOT, 'bin/warden.js')}'`))
      .join('\n');
    const cwd = await mkdtemp(join(tmpdir(), 'warden-readme-cli-'));
    try {
      const { stdout } = await promisify(execFile)('bash', ['-e', '-c', script], { cwd, env: { PATH: process.env.PATH ?? '', WARDEN_FROM_SOURCE: '1', ...admin } });
      expect(stdout).toMatch(/^grt_\w+\s+analyst\s+shop\s+TABLE\s+public\.orders\s+READ\s+status = 'paid'\s+shipping_country=NULL\s/m);
      expect(stdout).toMatch(/^public\.orders\s+READ\s+status = 'paid'\s+-\s+.*shipping_country \(masked: NULL\)/m);
      expect(stdout).toMatch(/^status\s+n\npaid\s+\d+\n\(1 row, \d+ ms\)$/m);
      expect(stdout).toMatch(/^TIME\s+ACTION\s+DECISION/m);
      expect(JSON.parse(await readFile(join(cwd, 'analyst.json'), 'utf8'))).toMatchObject({ agent: { name: 'analyst' }, key: expect.stringMatching(/^wdn_/) });
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });
});
