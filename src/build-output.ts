import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest folder up from `folder` (itself included) that holds a package.json. */
export function nearestPackageRoot(folder: string): string {
  while (!existsSync(join(folder, 'package.json')) && dirname(folder) !== folder) folder = dirname(folder);
  return folder;
}

/**
 * What the build steps write, in the project's dist/ folder: the compiled gateway (`npm run build`), the
 * web pages (dist/web, `npm run build:web`) and the packed PGlite cluster (dist/pglite, `npm run
 * build:pglite`). Found the same way from the source (src/) and from the compiled code (dist/src/): the
 * project is the nearest folder up with a package.json.
 */
export const BUILD_DIR = join(nearestPackageRoot(dirname(fileURLToPath(import.meta.url))), 'dist');
