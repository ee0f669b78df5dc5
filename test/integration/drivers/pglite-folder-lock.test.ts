import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPGliteClient } from '../../../plugins/drivers/pglite/pglite-client.js';
import { IN_USE_MESSAGE, PGliteDriver } from '../../../plugins/drivers/pglite/pglite-driver.js';
import { FolderInUseError, LOCK_FILE } from '../../../plugins/drivers/pglite/pglite-folder-lock.js';
import { REPO_ROOT } from '../../helpers/spawn-gateway.js';

/**
 * Another process holding a folder: opens it, says "open" on stdout, inserts a row when told, and closes
 * when its stdin ends.
 */
function holder(dataDir: string): Promise<{ child: ChildProcess; exited: Promise<number | null> }> {
  const script = `
    import { openPGliteClient } from ${JSON.stringify(join(REPO_ROOT, 'plugins/drivers/pglite/pglite-client.ts'))};
    const client = await openPGliteClient(${JSON.stringify(dataDir)});
    await client.query('create table if not exists t (n int)');
    process.stdout.write('open\\n');
    process.stdin.on('data', () => {});
    process.stdin.on('end', async () => { await client.close(); process.exit(0); });
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString('utf8').includes('open')) resolve({ child, exited });
    });
    void exited.then((code) => reject(new Error(`the holder exited with ${code} before opening: ${err}`)));
  });
}

/** The pid of a process that has ended. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('an embedded (PGlite) folder serves one process at a time', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'warden-pglite-lock-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('refuses a folder another live process has open, and opens it once that process lets it go', { timeout: 60_000 }, async () => {
    const dataDir = join(root, 'shared');
    const { child, exited } = await holder(dataDir);
    const error = await openPGliteClient(dataDir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FolderInUseError);
    expect((error as FolderInUseError).pid).toBe(child.pid);

    // Through a driver, a client is told why without the folder or the pid, and the next use tries again.
    const driver = new PGliteDriver({ dataDir });
    const refused = await driver.execute('select count(*)::int as n from t', [], { readOnly: true }).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(refused).toMatchObject({ code: 'DATABASE_UNAVAILABLE', message: IN_USE_MESSAGE });
    expect(refused!.message).not.toContain(dataDir);
    expect(refused!.message).not.toContain(String(child.pid));

    child.stdin!.end();
    expect(await exited).toBe(0);
    const result = await driver.execute('select count(*)::int as n from t', [], { readOnly: true });
    expect(result.rows).toEqual([{ n: 0 }]);
    await driver.close();
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
  });

  it('takes over a lock left by a process that is gone', { timeout: 60_000 }, async () => {
    const dataDir = join(root, 'crashed');
    await mkdir(dataDir, { recursive: true });
    await writeFile(join(dataDir, LOCK_FILE), `${await deadPid()}\n`);
    const client = await openPGliteClient(dataDir);
    try {
      expect((await client.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
      expect((await readFile(join(dataDir, LOCK_FILE), 'utf8')).trim()).toBe(String(process.pid));
    } finally {
      await client.close();
    }
  });

  it('lets this process open a folder twice (a database reopened after a change), and lets go after the last close', { timeout: 60_000 }, async () => {
    const dataDir = join(root, 'reopened');
    const first = await openPGliteClient(dataDir);
    const second = await openPGliteClient(dataDir);
    await first.close();
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(true);
    await second.close();
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
  });
});
