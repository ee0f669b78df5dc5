import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgliteDriverFactoryWithin } from '../../../plugins/drivers/pglite/pglite-driver.js';

let root: string;
let outside: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'warden-confine-'));
  outside = await mkdtemp(join(tmpdir(), 'warden-outside-'));
  await mkdir(join(root, 'store'));
  await mkdir(join(root, 'shop'));
  await symlink(join(root, 'store'), join(root, 'alias'));
  await symlink(outside, join(root, 'exit'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

function problem(dataDir: string): string | undefined {
  const factory = pgliteDriverFactoryWithin(root, [join(root, 'store')]);
  const result = factory.configSchema.safeParse({ dataDir });
  return result.success ? undefined : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
}

describe('PGlite folders a gateway accepts', () => {
  it.each([
    ['store'],
    ['store/'],
    ['./store'],
    ['STORE'],
    ['store/base'],
    ['store/../store'],
    ['shop/../store/pg_wal'],
    ['alias'],
    ['alias/base'],
  ])("refuses %s: it overlaps the store's folder", (dataDir) => {
    expect(problem(dataDir)).toMatch(/^dataDir: overlaps the folder of Warden's own store/);
  });

  it.each([['.'], ['./'], ['shop/..']])('refuses %s: it is the data folder itself', (dataDir) => {
    expect(problem(dataDir)).toMatch(/^dataDir: must be a folder inside Warden's data folder \(WARDEN_DATA_DIR\), not the data folder itself/);
  });

  it('refuses a folder that contains the store', () => {
    const factory = pgliteDriverFactoryWithin(root, [join(root, 'nested', 'store')]);
    expect(factory.configSchema.safeParse({ dataDir: 'nested' }).success).toBe(false);
    expect(factory.configSchema.safeParse({ dataDir: 'nested/store/x' }).success).toBe(false);
    expect(factory.configSchema.safeParse({ dataDir: 'nested/other' }).success).toBe(true);
  });

  it('refuses the data folder and the store by absolute path too', () => {
    expect(problem(root)).toMatch(/not the data folder itself/);
    expect(problem(`${root}/`)).toMatch(/not the data folder itself/);
    expect(problem(join(root, 'store'))).toMatch(/overlaps the folder of Warden's own store/);
  });

  it('refuses a folder outside the data folder, also through a symbolic link', () => {
    expect(problem('../elsewhere')).toMatch(/must be a folder inside Warden's data folder/);
    expect(problem('exit')).toMatch(/must be a folder inside Warden's data folder/);
    expect(problem('exit/db')).toMatch(/must be a folder inside Warden's data folder/);
  });

  it('accepts a folder of its own inside the data folder, and memory://', () => {
    expect(problem('scratch')).toBeUndefined();
    expect(problem('databases/crm')).toBeUndefined();
    expect(problem('shop')).toBeUndefined();
    expect(problem('storeroom')).toBeUndefined();
    expect(problem('memory://')).toBeUndefined();
  });
});
