import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const DRIVER_PACKAGES = ['kysely', 'pg', 'mysql2', '@electric-sql/pglite', 'mongodb', 'kysely-pglite'];

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(join(ROOT, dir), { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

async function importsOf(file: string): Promise<string[]> {
  const text = await readFile(join(ROOT, file), 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm)].map(
    (m) => (m[1] ?? m[2]) as string,
  );
}

const packageOf = (specifier: string) =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] as string);

const files = [
  ...(await sourceFiles('src')),
  ...(await sourceFiles('schema')),
  ...(await sourceFiles('resolvers')),
  ...(await sourceFiles('plugins')),
];

describe('architecture', () => {
  it('keeps database client libraries inside plugins/drivers and src/store', async () => {
    const offenders: string[] = [];
    for (const file of files) {
      if (file.startsWith('plugins/drivers/') || file.startsWith('src/store/')) continue;
      for (const specifier of await importsOf(file)) {
        if (DRIVER_PACKAGES.includes(packageOf(specifier))) offenders.push(`${file} imports ${specifier}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('keeps services free of GraphQL', async () => {
    const offenders: string[] = [];
    for (const file of files.filter((f) => f.startsWith('src/services/') || f.startsWith('src/policy/') || f.startsWith('src/sql/'))) {
      for (const specifier of await importsOf(file)) {
        if (['graphql', 'type-graphql', 'graphql-shield', '@apollo/server'].includes(packageOf(specifier))) {
          offenders.push(`${file} imports ${specifier}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('lets nothing but the server import resolvers/', async () => {
    const offenders: string[] = [];
    for (const file of files) {
      if (file.startsWith('resolvers/') || file.startsWith('src/server/') || file === 'src/app.ts') continue;
      for (const specifier of await importsOf(file)) {
        if (specifier.includes('/resolvers/')) offenders.push(`${file} imports ${specifier}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('keeps policy/ and sql/ pure: no I/O modules', async () => {
    const offenders: string[] = [];
    for (const file of files.filter((f) => f.startsWith('src/policy/') || f.startsWith('src/sql/'))) {
      for (const specifier of await importsOf(file)) {
        if (/^(node:)?(fs|net|http|https|child_process|dgram)(\/|$)/.test(specifier)) offenders.push(`${file} imports ${specifier}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('keeps metrics and tracing libraries inside src/telemetry', async () => {
    const offenders: string[] = [];
    for (const file of files) {
      if (file.startsWith('src/telemetry/')) continue;
      for (const specifier of await importsOf(file)) {
        if (packageOf(specifier) === 'prom-client' || specifier.startsWith('@opentelemetry/')) offenders.push(`${file} imports ${specifier}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('loads the tracing SDK only when traces are on: nothing imports it but tracing.ts, which is imported lazily', async () => {
    const offenders: string[] = [];
    for (const file of files) {
      const text = await readFile(join(ROOT, file), 'utf8');
      if (file !== 'src/telemetry/tracing.ts' && /from\s+['"]@opentelemetry\/(?!api['"])/.test(text)) offenders.push(`${file} imports the OpenTelemetry SDK`);
      if (/^\s*import\s+(?!type\b)[^'"]*from\s+['"][^'"]*\/tracing\.js['"]/m.test(text)) offenders.push(`${file} imports tracing.ts eagerly`);
    }
    expect(offenders).toEqual([]);
  });

  it('uses named exports only', async () => {
    const offenders: string[] = [];
    for (const file of files) {
      if (/^export default /m.test(await readFile(join(ROOT, file), 'utf8'))) offenders.push(file);
    }
    expect(offenders).toEqual([]);
  });
});
