import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/spawn-gateway.js';

const run = promisify(execFile);

/**
 * Packages only rare paths need, each 90–190 ms to load: XLSX exports, S3 deliveries, MongoDB
 * databases, the MySQL gate's parser. They are loaded by the first request that needs one.
 */
const LOADED_ON_FIRST_USE = ['exceljs', 'node-sql-parser', 'mongodb', '@aws-sdk/client-s3'];

/**
 * What a gateway process imports as it starts: src/main.ts's own imports, in its order (main.ts itself
 * would start serving), and `warden mcp`'s module. File URLs, or package names.
 */
async function startupImports(): Promise<string[]> {
  const main = join(REPO_ROOT, 'src/main.ts');
  const text = await readFile(main, 'utf8');
  const specifiers = [...text.matchAll(/^import\s+(?!type\s)(?:[^'"]*\sfrom\s+)?['"]([^'"]+)['"]/gm)].map((m) => m[1] as string);
  const resolved = specifiers.map((specifier) => (specifier.startsWith('.') ? new URL(specifier.replace(/\.js$/, '.ts'), pathToFileURL(main)).href : specifier));
  return [...resolved, pathToFileURL(join(REPO_ROOT, 'src/mcp/stdio-command.ts')).href];
}

/**
 * Runs in a fresh process: imports the start's modules, notes which of the packages are loaded, then
 * loads them all and notes again, so a check that could not see them fails rather than passes.
 * All four are CommonJS: loaded by `import` or `require`, each lands in require.cache.
 */
const CHILD = `
import { createRequire } from 'node:module';
const require = createRequire(process.cwd() + '/');
const packages = JSON.parse(process.env.PACKAGES);
const loaded = () => packages.filter((name) => Object.keys(require.cache).some((path) => path.includes('/node_modules/' + name + '/')));
for (const module of JSON.parse(process.env.STARTUP_IMPORTS)) await import(module);
const atStart = loaded();
for (const name of packages) await import(name);
process.stdout.write(JSON.stringify({ atStart, afterLoading: loaded() }));
process.exit(0);
`;

describe('a gateway start', () => {
  it('loads none of exceljs, node-sql-parser, mongodb and @aws-sdk/client-s3 until a request needs one', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        PACKAGES: JSON.stringify(LOADED_ON_FIRST_USE),
        STARTUP_IMPORTS: JSON.stringify(await startupImports()),
      },
      timeout: 60_000,
    });
    const { atStart, afterLoading } = JSON.parse(stdout) as { atStart: string[]; afterLoading: string[] };
    expect(afterLoading).toEqual(LOADED_ON_FIRST_USE);
    expect(atStart).toEqual([]);
  }, 90_000);
});
