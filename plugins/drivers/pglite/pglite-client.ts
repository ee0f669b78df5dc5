import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

/**
 * Opens a PGlite cluster in a folder (or `memory://`), creating it when new.
 *
 * Creating a cluster runs initdb inside WebAssembly, about 3–4 s on this class of machine; loading a
 * copy of a pristine cluster takes about 1 s. So the first new cluster of a process is copied right
 * after initdb, before anything is written to it, and later new clusters start from that copy. The
 * copy (about 40 MB) is kept only briefly: first start opens two new clusters (store and demo) in a row.
 */
const PRISTINE_TTL_MS = 60_000;
let pristine: { image: Promise<Blob>; timer: NodeJS.Timeout } | undefined;

export async function openPGliteClient(dataDir: string): Promise<PGlite> {
  const inMemory = dataDir.startsWith('memory://');
  if (!inMemory) await mkdir(dataDir, { recursive: true });
  const isNew = inMemory || !existsSync(join(dataDir, 'PG_VERSION'));
  if (!isNew) return PGlite.create({ dataDir });

  const image = pristine ? await pristine.image.catch(() => undefined) : undefined;
  if (image) {
    keepPristine(pristine!.image);
    return PGlite.create({ dataDir, loadDataDir: image });
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
