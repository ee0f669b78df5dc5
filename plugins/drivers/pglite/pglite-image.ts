import { readFileSync, type Stats } from 'node:fs';
import { open, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import { BUILD_DIR, nearestPackageRoot } from '../../../src/build-output.js';

/**
 * A pristine PGlite cluster, as initdb leaves it, packed once at install time (`npm run build:pglite`,
 * part of `prepare` and of the image build) so that a new cluster is unpacked (about 0.7 s) rather than
 * made by initdb inside WebAssembly (2.5–3 s). It lives in dist/ beside the compiled code, named by the
 * PGlite release that made it, so another release's copy is never used.
 *
 * The copy is trusted like the code beside it: used only when it is a regular file that no one but its
 * owner (this user, or root) can write, in a folder no one else can write either. Anything else, or no
 * copy, and the cluster is made by initdb as before.
 */
const PGLITE_VERSION = pgliteVersion();
const gunzipAsync = promisify(gunzip);

export const PGLITE_IMAGE_PATH = join(BUILD_DIR, 'pglite', `pristine-${PGLITE_VERSION}.tar.gz`);

/** The packed cluster at `path` when it may be trusted; undefined when there is none or it may not. */
export async function readPristineImage(path: string = PGLITE_IMAGE_PATH): Promise<Blob | undefined> {
  if (PGLITE_VERSION === 'unknown') return undefined;
  if (!(await ownedAndClosed(dirname(path), 'folder'))) return undefined;
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return undefined;
  }
  let packed: Buffer;
  try {
    // Checked on the open file, so it cannot be swapped between the check and the read.
    if (!trusted(await handle.stat(), 'file')) return undefined;
    packed = await handle.readFile();
  } finally {
    await handle.close();
  }
  // Unpacked here, not by PGlite: gzip's own check (CRC-32 and length) finds a truncated or damaged copy,
  // and it is refused. PGlite would unpack it with a stream whose failure escapes as an unhandled
  // rejection, which would end the process instead of falling back to initdb.
  try {
    return new Blob([await gunzipAsync(packed)], { type: 'application/x-tar' });
  } catch {
    return undefined;
  }
}

/** Makes a pristine cluster in memory and packs it to `path` (written whole, then renamed into place). */
export async function writePristineImage(path: string = PGLITE_IMAGE_PATH): Promise<{ path: string; bytes: number }> {
  const cluster = await PGlite.create();
  try {
    const image = Buffer.from(await (await cluster.dumpDataDir('gzip')).arrayBuffer());
    await mkdir(dirname(path), { recursive: true, mode: 0o755 });
    const partial = `${path}.${process.pid}.partial`;
    try {
      await writeFile(partial, image, { mode: 0o644 });
      await rename(partial, path);
    } finally {
      await rm(partial, { force: true });
    }
    return { path, bytes: image.length };
  } finally {
    await cluster.close();
  }
}

/** The installed PGlite's version, from its package.json (which the package does not export). */
function pgliteVersion(): string {
  const folder = nearestPackageRoot(dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')));
  const { name, version } = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { name?: string; version?: string };
  return name === '@electric-sql/pglite' && version ? version : 'unknown';
}

async function ownedAndClosed(path: string, kind: 'file' | 'folder'): Promise<boolean> {
  try {
    return trusted(await stat(path), kind);
  } catch {
    return false;
  }
}

function trusted(info: Stats, kind: 'file' | 'folder'): boolean {
  const uid = process.getuid?.();
  const owner = uid === undefined || info.uid === uid || info.uid === 0;
  const shape = kind === 'file' ? info.isFile() : info.isDirectory();
  return shape && owner && (info.mode & 0o022) === 0;
}
