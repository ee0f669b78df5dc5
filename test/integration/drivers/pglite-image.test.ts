import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPGliteClient } from '../../../plugins/drivers/pglite/pglite-client.js';
import { LOCK_FILE } from '../../../plugins/drivers/pglite/pglite-folder-lock.js';
import { readPristineImage } from '../../../plugins/drivers/pglite/pglite-image.js';

/**
 * A new embedded cluster is unpacked from the copy packed at install time (dist/pglite) rather than made
 * by initdb. Whoever can write that copy decides what every new store and demo database starts with
 * (its roles, its tables), so it is used only when no one but its owner, this user or root, can write it
 * or its folder. These tests pack a copy with a marker table in it: a cluster that has the table was
 * unpacked from the copy, one without it was made by initdb.
 */
const MARKER = 'planted_by_the_image';

async function markedImage(): Promise<Buffer> {
  const cluster = await PGlite.create();
  try {
    await cluster.exec(`create table ${MARKER} (n int)`);
    return Buffer.from(await (await cluster.dumpDataDir('gzip')).arrayBuffer());
  } finally {
    await cluster.close();
  }
}

async function hasMarker(client: PGlite): Promise<boolean> {
  const { rows } = await client.query<{ found: boolean }>(`select to_regclass('public.${MARKER}') is not null as found`);
  return rows[0]!.found;
}

/** Opens a new cluster in its own folder, `image` giving the packed copy to start from (as dist/pglite would). */
async function openFrom(root: string, name: string, image: () => Promise<Blob | undefined>): Promise<{ client: PGlite; dir: string }> {
  const dir = join(root, name);
  return { client: await openPGliteClient(dir, { pristineImage: image }), dir };
}

describe('the packed pristine PGlite cluster', () => {
  let root: string;
  let image: Buffer;
  let imageDir: string;
  let imagePath: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'warden-pglite-image-'));
    image = await markedImage();
    imageDir = join(root, 'dist-pglite');
    await mkdir(imageDir, { mode: 0o755 });
    await chmod(imageDir, 0o755);
    imagePath = join(imageDir, 'pristine.tar.gz');
  }, 60_000);
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** The copy written afresh with these modes (the file's, its folder's). */
  async function place(fileMode: number, folderMode = 0o755): Promise<void> {
    await chmod(imageDir, 0o755);
    await rm(imagePath, { force: true, recursive: true });
    await writeFile(imagePath, image);
    await chmod(imagePath, fileMode);
    await chmod(imageDir, folderMode);
  }

  /** A new cluster opened from what is at imagePath works and lacks the copy's table; the copy is then put back as trusted. */
  async function expectMadeByInitdb(name: string): Promise<void> {
    const { client } = await openFrom(root, name, () => readPristineImage(imagePath));
    try {
      expect(await hasMarker(client)).toBe(false);
      expect((await client.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await client.close();
    }
    await place(0o644);
  }

  it('is what a new cluster starts from when only its owner can write it and its folder', { timeout: 60_000 }, async () => {
    await place(0o644);
    const { client } = await openFrom(root, 'trusted', () => readPristineImage(imagePath));
    try {
      expect(await hasMarker(client)).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('is not used when others can write it or its folder: initdb makes the cluster instead', { timeout: 90_000 }, async () => {
    const refused: [string, number, number][] = [
      ['a world-writable copy', 0o646, 0o755],
      ['a group-writable copy', 0o664, 0o755],
      ['a copy in a world-writable folder', 0o644, 0o777],
      ['a copy in a group-writable folder', 0o644, 0o775],
      ['a copy in a sticky world-writable folder (as /tmp is)', 0o644, 0o1777],
    ];
    for (const [what, fileMode, folderMode] of refused) {
      await place(fileMode, folderMode);
      expect(await readPristineImage(imagePath), what).toBeUndefined();
    }
    // One of them end to end: the cluster opens, made by initdb, without what the copy holds.
    await place(0o666);
    await expectMadeByInitdb('world-writable');
  });

  it('is not used when it is not a regular file, or is not there', async () => {
    await place(0o644);
    await rm(imagePath);
    expect(await readPristineImage(imagePath)).toBeUndefined();
    await mkdir(imagePath, { mode: 0o755 });
    expect(await readPristineImage(imagePath)).toBeUndefined();
    await rm(imagePath, { recursive: true });
    // A link to a copy someone else can write is judged by that copy, not by the link.
    const elsewhere = join(root, 'elsewhere.tar.gz');
    await writeFile(elsewhere, image);
    await chmod(elsewhere, 0o666);
    await symlink(elsewhere, imagePath);
    expect(await readPristineImage(imagePath)).toBeUndefined();
    await rm(imagePath);
    await place(0o644);
    expect(await readPristineImage(imagePath)).toBeInstanceOf(Blob);
  });

  it.skipIf(process.getuid?.() !== 0)('is not used when another user owns it (checked where the tests run as root)', async () => {
    await place(0o644);
    await chown(imagePath, 65534, 65534);
    expect(await readPristineImage(imagePath)).toBeUndefined();
    await chown(imagePath, 0, 0);
    await chown(imageDir, 65534, 65534);
    expect(await readPristineImage(imagePath)).toBeUndefined();
    await chown(imageDir, 0, 0);
    expect(await readPristineImage(imagePath)).toBeInstanceOf(Blob);
  });

  it('that is damaged or cut short is refused whole (gzip checks it), and initdb makes the cluster', { timeout: 60_000 }, async () => {
    const flipped = Buffer.from(image);
    flipped[Math.floor(flipped.length / 2)]! ^= 0xff;
    for (const [what, bytes] of [
      ['cut short', image.subarray(0, Math.floor(image.length / 2))],
      ['one byte changed', flipped],
    ] as const) {
      await place(0o644);
      await writeFile(imagePath, bytes);
      expect(await readPristineImage(imagePath), what).toBeUndefined();
    }
    await expectMadeByInitdb('damaged');
  });

  it('that unpacks but is no cluster of this release is cleared away: initdb makes the cluster in a clean folder', { timeout: 60_000 }, async () => {
    // A cluster of another PostgreSQL major version, as far as its folder says, with a stray file in it.
    const source = join(root, 'not-a-cluster');
    await mkdir(join(source, 'base'), { recursive: true });
    await writeFile(join(source, 'PG_VERSION'), '9\n');
    await writeFile(join(source, 'base', 'stray'), 'left by the copy\n');
    const tarball = join(root, 'not-a-cluster.tar');
    await promisify(execFile)('tar', ['--format=ustar', '-cf', tarball, '-C', source, 'PG_VERSION', 'base']);
    const tar = await readFile(tarball);

    const { client, dir } = await openFrom(root, 'not-a-cluster-db', async () => new Blob([tar], { type: 'application/x-tar' }));
    let entries: string[];
    try {
      expect((await client.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
      expect((await client.query<{ v: string }>("select current_setting('server_version_num') as v")).rows[0]!.v).not.toMatch(/^9/);
      entries = (await readdir(dir)).sort();
      expect(await readdir(join(dir, 'base'))).not.toContain('stray');
    } finally {
      await client.close();
    }
    // The same folder contents as a cluster initdb made with no copy to try.
    const { client: plain, dir: plainDir } = await openFrom(root, 'plain', async () => undefined);
    try {
      expect(entries).toEqual((await readdir(plainDir)).sort());
      expect(entries).toContain(LOCK_FILE);
    } finally {
      await plain.close();
    }
  });
});
