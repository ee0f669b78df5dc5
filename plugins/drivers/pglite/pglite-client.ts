import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { holdFolder, LOCK_FILE, restampFolder } from './pglite-folder-lock.js';
import { readPristineImage } from './pglite-image.js';

/**
 * Opens a PGlite cluster in a folder (or `memory://`), creating it when new.
 *
 * Creating a cluster runs initdb inside WebAssembly, 2.5–3 s on this class of machine; unpacking a copy
 * of a pristine cluster takes about 0.7 s. A new cluster starts from the copy packed at install time
 * (pglite-image.ts) when there is one to trust, read afresh each time (4.5 MB, unpacked in about 60 ms).
 * Without one, the first new cluster of a process is copied right after initdb, before anything is
 * written to it, and later ones start from that copy. That copy (about 40 MB) is kept in memory only
 * briefly: first start opens two new clusters (store and demo) in a row.
 *
 * A folder is opened by one process at a time (pglite-folder-lock.ts): another live process holding it
 * makes this throw FolderInUseError. Closing the client lets the folder go.
 */
const PRISTINE_TTL_MS = 60_000;
let pristine: { image: Promise<Blob>; timer: NodeJS.Timeout } | undefined;

export interface OpenOptions {
  /** Where a new cluster's packed copy comes from, instead of this process's copy or the build's (dist/pglite). */
  pristineImage?: () => Promise<Blob | undefined>;
}

export async function openPGliteClient(dataDir: string, options: OpenOptions = {}): Promise<PGlite> {
  if (dataDir.startsWith('memory://')) return openCluster(dataDir, true, options);
  // Owner only, as PostgreSQL wants its data directories: PGlite makes its files 0666 whatever the umask,
  // so the folder is what keeps other users of the machine out (a folder an older release made 0755 too).
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (((await stat(dataDir)).mode & 0o077) !== 0) await chmod(dataDir, 0o700);
  const release = await holdFolder(dataDir);
  try {
    const client = await openCluster(dataDir, !existsSync(join(dataDir, 'PG_VERSION')), options);
    const close = client.close.bind(client);
    client.close = async () => {
      try {
        await close();
      } finally {
        await release();
      }
    };
    return client;
  } catch (error) {
    await release();
    throw error;
  }
}

async function openCluster(dataDir: string, isNew: boolean, options: OpenOptions): Promise<PGlite> {
  if (!isNew) return PGlite.create({ dataDir });
  // A copy the caller gives is for this cluster only: it is not kept for the clusters opened after it.
  const keep = options.pristineImage === undefined;
  const kept = keep && pristine ? await pristine.image.catch(() => undefined) : undefined;
  const image = options.pristineImage ? await options.pristineImage() : (kept ?? (await readPristineImage()));
  if (image) {
    const inMemory = dataDir.startsWith('memory://');
    const before = inMemory ? [] : await readdir(dataDir);
    try {
      const client = await PGlite.create({ dataDir, loadDataDir: image });
      // Used again: kept for another while.
      if (kept) keepPristine(Promise.resolve(kept));
      if (!inMemory) await restampFolder(dataDir);
      return client;
    } catch {
      // A copy that does not unpack: what it left is taken away, and initdb makes the cluster instead.
      if (kept) pristine = undefined;
      if (!inMemory) {
        const left = (await readdir(dataDir)).filter((entry) => !before.includes(entry) && entry !== LOCK_FILE);
        await Promise.all(left.map((entry) => rm(join(dataDir, entry), { recursive: true, force: true })));
      }
    }
  }
  const client = await PGlite.create({ dataDir });
  if (keep) keepPristine(client.dumpDataDir('none'));
  return client;
}

function keepPristine(image: Promise<Blob>): void {
  if (pristine) clearTimeout(pristine.timer);
  const timer = setTimeout(() => {
    pristine = undefined;
  }, PRISTINE_TTL_MS);
  timer.unref();
  pristine = { image, timer };
}
