import { existsSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { holdFolder, restampFolder } from './pglite-folder-lock.js';

/**
 * Opens a PGlite cluster in a folder (or `memory://`), creating it when new.
 *
 * Creating a cluster runs initdb inside WebAssembly, about 3–4 s on this class of machine; loading a
 * copy of a pristine cluster takes about 1 s. So the first new cluster of a process is copied right
 * after initdb, before anything is written to it, and later new clusters start from that copy. The
 * copy (about 40 MB) is kept only briefly: first start opens two new clusters (store and demo) in a row.
 *
 * A folder is opened by one process at a time (pglite-folder-lock.ts): another live process holding it
 * makes this throw FolderInUseError. Closing the client lets the folder go.
 */
const PRISTINE_TTL_MS = 60_000;
let pristine: { image: Promise<Blob>; timer: NodeJS.Timeout } | undefined;

export async function openPGliteClient(dataDir: string): Promise<PGlite> {
  if (dataDir.startsWith('memory://')) return openCluster(dataDir, true);
  // Owner only, as PostgreSQL wants its data directories: PGlite makes its files 0666 whatever the umask,
  // so the folder is what keeps other users of the machine out (a folder an older release made 0755 too).
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (((await stat(dataDir)).mode & 0o077) !== 0) await chmod(dataDir, 0o700);
  const release = await holdFolder(dataDir);
  try {
    const client = await openCluster(dataDir, !existsSync(join(dataDir, 'PG_VERSION')));
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

async function openCluster(dataDir: string, isNew: boolean): Promise<PGlite> {
  if (!isNew) return PGlite.create({ dataDir });
  const image = pristine ? await pristine.image.catch(() => undefined) : undefined;
  if (image) {
    keepPristine(pristine!.image);
    const client = await PGlite.create({ dataDir, loadDataDir: image });
    if (!dataDir.startsWith('memory://')) await restampFolder(dataDir);
    return client;
  }
  const client = await PGlite.create({ dataDir });
  keepPristine(client.dumpDataDir('none'));
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
