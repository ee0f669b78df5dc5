import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** The file that says which process has a PGlite folder open: its pid, one line. */
export const LOCK_FILE = 'warden.lock';

/**
 * A PGlite folder is open in another live process. PGlite runs the database inside the process that
 * opened it and takes no lock of its own: two processes on one folder each keep their own view, and the
 * writes of one are lost when the other closes.
 */
export class FolderInUseError extends Error {
  constructor(
    readonly folder: string,
    readonly pid: number,
  ) {
    super(
      `The embedded database in ${folder} is open in another process (pid ${pid}); an embedded database serves one process at a time. ` +
        `Stop that process, or reach the database through it (warden mcp does with WARDEN_URL set). If no such process runs, delete ${join(folder, LOCK_FILE)}.`,
    );
    this.name = 'FolderInUseError';
  }
}

/** Folders this process holds, with how many clients have each open (a database reopened after a change overlaps its predecessor). */
const held = new Map<string, { count: number }>();

/**
 * Marks `folder` as open in this process, or throws FolderInUseError when a live process other than this
 * one holds it. A lock left by a process that is gone (or by an earlier life of this pid, as in a
 * container restarted as pid 1) is taken over. Returns the release, which is safe to call twice.
 */
export async function holdFolder(folder: string): Promise<() => Promise<void>> {
  const dir = resolve(folder);
  const path = join(dir, LOCK_FILE);
  const entry = held.get(dir);
  if (entry) {
    entry.count += 1;
  } else {
    await take(dir, path);
    held.set(dir, { count: 1 });
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    const current = held.get(dir);
    if (!current) return;
    current.count -= 1;
    if (current.count > 0) return;
    held.delete(dir);
    if ((await ownerOf(path)) === process.pid) await rm(path, { force: true });
  };
}

/**
 * Writes the lock after a copied cluster was unpacked over the folder (a copy carries the lock file of
 * the folder it came from).
 */
export async function restampFolder(folder: string): Promise<void> {
  await writeFile(join(resolve(folder), LOCK_FILE), `${process.pid}\n`, { mode: 0o600 });
}

async function take(dir: string, path: string): Promise<void> {
  // Two rounds: create it, or find a stale one, remove it and create it again. Two processes taking over
  // the same stale lock at the same instant could both succeed; that needs a crash and two starts at once.
  for (let round = 0; round < 2; round++) {
    try {
      await writeFile(path, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = await ownerOf(path);
    if (owner !== undefined && owner !== process.pid && isAlive(owner)) throw new FolderInUseError(dir, owner);
    await rm(path, { force: true });
  }
  const owner = await ownerOf(path);
  throw new FolderInUseError(dir, owner ?? 0);
}

async function ownerOf(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
