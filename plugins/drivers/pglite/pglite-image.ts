import { existsSync, readFileSync, type Stats } from 'node:fs';
import { open, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';

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
const PACKAGE_ROOT = packageRoot(dirname(fileURLToPath(import.meta.url)));
const PGLITE_VERSION = pgliteVersion();

export const PGLITE_IMAGE_PATH = join(PACKAGE_ROOT, 'dist', 'pglite', `pristine-${PGLITE_VERSION}.tar.gz`);

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
  try {
    // Checked on the open file, so it cannot be swapped between the check and the read.
    if (!trusted(await handle.stat(), 'file')) return undefined;
    return new Blob([await handle.readFile()], { type: 'application/x-gzip' });
  } finally {
    await handle.close();
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

/** The nearest folder up from `folder` with a package.json: the project, whether run from source or from dist/. */
function packageRoot(folder: string): string {
  while (!existsSync(join(folder, 'package.json')) && dirname(folder) !== folder) folder = dirname(folder);
  return folder;
}

/** The installed PGlite's version, from its package.json (which the package does not export). */
function pgliteVersion(): string {
  const folder = packageRoot(dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')));
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
