import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import madge, { type MadgeConfig } from 'madge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const DRIVER_PACKAGES = ['kysely', 'pg', 'mysql2', '@electric-sql/pglite', 'mongodb', 'kysely-pglite'];
/** What `npm run check:cycles` reads too: every import, type-only and lazy ones included. */
const MADGE_CONFIG = JSON.parse(await readFile(join(ROOT, '.madgerc'), 'utf8')) as MadgeConfig;
/** Everything that ships: the gateway, its GraphQL shapes and resolvers, its plugins, the SDK, the web pages. */
const SOURCE_ROOTS = ['src', 'resolvers', 'schema', 'plugins', 'sdk', 'web'];

/**
 * The layers, as rules over the import graph. A path ending in `/` is a folder, anything else one file.
 * `only`: the sole places these files may import from; `not`: places they may never import from.
 */
interface LayerRule {
  says: string;
  files: string[];
  except?: string[];
  only?: string[];
  not?: string[];
}

const ENTRY_POINTS = ['src/main.ts', 'src/cli.ts', 'src/server/cluster-worker.ts', 'src/server/stop-on-signals.ts', 'src/mcp/stdio-command.ts'];

const LAYERS: LayerRule[] = [
  {
    says: 'drivers are the plugin SDK: they use errors and the pure SQL layer, never the gateway around them',
    files: ['plugins/drivers/'],
    // build-output.ts: where the build wrote the packed PGlite cluster (it imports nothing of the gateway).
    only: ['plugins/drivers/', 'src/errors/', 'src/sql/', 'src/build-output.ts'],
  },
  {
    says: 'src/sql and src/policy are pure: each other, errors and plain data shapes, no service, store or I/O',
    files: ['src/sql/', 'src/policy/'],
    // driver.ts for the dialect names the driver SDK declares (a driver says which gate its SQL needs).
    only: ['src/sql/', 'src/policy/', 'src/errors/', 'plugins/drivers/catalog.ts', 'plugins/drivers/driver.ts', 'src/nl/nl-types.ts'],
  },
  {
    says: 'schema/ holds GraphQL shapes only',
    files: ['schema/'],
    only: ['schema/', 'src/ids.ts', 'src/errors/'],
  },
  {
    says: 'config.ts parses the environment; it reaches nothing with state',
    files: ['src/config.ts'],
    only: ['src/net/egress-policy.ts', 'src/events/security-rule-settings.ts'],
  },
  {
    says: 'the client CLI talks to a gateway through the SDK only',
    files: ['src/cli/'],
    only: ['src/cli/', 'sdk/'],
  },
  {
    says: 'the SDK stands alone',
    files: ['sdk/'],
    only: ['sdk/'],
  },
  {
    says: 'the store is below every use of it',
    files: ['src/store/'],
    not: ['src/services/', 'src/events/', 'src/auth/', 'src/nl/', 'src/server/', 'src/mcp/', 'resolvers/', 'schema/'],
  },
  {
    says: 'services know nothing of GraphQL, MCP or the HTTP server',
    files: ['src/services/'],
    not: ['resolvers/', 'schema/', 'src/server/', 'src/mcp/', 'src/cli/', 'plugins/error-reporting.plugin.ts', 'plugins/mutation-audit.plugin.ts', 'plugins/schema-hints.plugin.ts', 'plugins/subscriptions-over-socket.plugin.ts', 'plugins/telemetry.plugin.ts'],
  },
  {
    says: 'events, the language-model pipeline, auth, exports, secrets, the network guard and telemetry are used by services, never the other way',
    files: ['src/events/', 'src/nl/', 'src/auth/', 'src/exports/', 'src/secrets/', 'src/net/', 'src/telemetry/', 'src/cache/'],
    not: ['src/services/', 'src/mcp/', 'resolvers/', 'schema/'],
  },
  {
    says: 'resolvers go through services: no store, no SQL gate, no language model, no engine driver',
    files: ['resolvers/'],
    not: ['src/store/', 'src/sql/', 'src/nl/', 'plugins/drivers/postgres/', 'plugins/drivers/mysql/', 'plugins/drivers/pglite/', 'plugins/drivers/mongodb/', 'plugins/drivers/registry.ts'],
  },
  {
    says: 'MCP tools go through services, as resolvers do',
    files: ['src/mcp/'],
    not: ['src/store/', 'resolvers/', 'schema/'],
  },
  {
    says: 'only the server builds the schema from resolvers/',
    files: [''],
    except: ['resolvers/', 'src/server/build-schema.ts'],
    not: ['resolvers/'],
  },
  {
    says: 'the composition root (src/app.ts, src/app/) is imported by entry points only',
    files: [''],
    except: ['src/app.ts', 'src/app/', ...ENTRY_POINTS],
    not: ['src/app.ts', 'src/app/'],
  },
];

const under = (file: string, places: readonly string[]) => places.some((place) => (place === '' || place.endsWith('/') ? file.startsWith(place) : file === place));

/** Each import against a rule, as `importer → imported: what the rule says`. */
function layerBreaches(graph: Record<string, string[]>, rules: readonly LayerRule[]): string[] {
  const breaches: string[] = [];
  for (const [file, imports] of Object.entries(graph)) {
    for (const rule of rules) {
      if (!under(file, rule.files) || under(file, rule.except ?? [])) continue;
      for (const imported of imports) {
        if ((rule.only && !under(imported, rule.only)) || (rule.not && under(imported, rule.not))) breaches.push(`${file} → ${imported}: ${rule.says}`);
      }
    }
  }
  return breaches;
}

async function importGraph(root: string, paths: string[], options: { typeImports: boolean } = { typeImports: true }) {
  const skipTypeImports = !options.typeImports;
  return madge(
    paths.map((path) => join(root, path)),
    {
      ...MADGE_CONFIG,
      baseDir: root,
      tsConfig: join(ROOT, 'tsconfig.json'),
      detectiveOptions: { ts: { skipTypeImports, skipAsyncImports: false }, tsx: { skipTypeImports, skipAsyncImports: false } },
    },
  );
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(join(ROOT, dir), { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

async function importsOf(file: string): Promise<string[]> {
  const text = await readFile(join(ROOT, file), 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm)].map((m) => (m[1] ?? m[2]) as string);
}

const packageOf = (specifier: string) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] as string));

const files = [...(await sourceFiles('src')), ...(await sourceFiles('schema')), ...(await sourceFiles('resolvers')), ...(await sourceFiles('plugins'))];

describe('architecture: the import graph', () => {
  let graph: Awaited<ReturnType<typeof importGraph>>;
  beforeAll(async () => {
    graph = await importGraph(ROOT, SOURCE_ROOTS);
  }, 60_000);

  it('sees every source file and its type-only imports, with .js specifiers resolved to the .ts files', () => {
    const nodes = graph.obj();
    for (const file of files) expect(nodes, file).toHaveProperty([file]);
    // open-store.ts imports the store settings with `import type` only.
    expect(nodes['src/store/open-store.ts']).toContain('src/config.ts');
    expect(nodes['src/app.ts']).toContain('src/config.ts');
    // Every relative import resolved to a file (packages and stylesheets are not part of the graph).
    expect(graph.warnings().skipped.filter((specifier) => specifier.startsWith('.') && !specifier.endsWith('.css'))).toEqual([]);
  });

  it('has no import cycle, type-only imports included', () => {
    expect(graph.circular()).toEqual([]);
  });

  it('keeps every import within the layers', () => {
    expect(layerBreaches(graph.obj(), LAYERS)).toEqual([]);
  });

  it('lets web/ import nothing outside web/ at runtime (the pages are built apart from the gateway)', async () => {
    const runtime = await importGraph(ROOT, ['web'], { typeImports: false });
    expect(layerBreaches(runtime.obj(), [{ says: 'web pages are built on their own', files: ['web/'], only: ['web/'] }])).toEqual([]);
  });
});

describe('architecture: the checks themselves', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'warden-architecture-'));
    const write = async (path: string, text: string) => {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    };
    await write('src/store/a.ts', "import type { B } from './b.js';\nexport interface A { b?: B }\n");
    await write('src/store/b.ts', "import type { A } from './a.js';\nexport interface B { a?: A }\n");
    await write('src/services/s.service.ts', 'export const s = 1;\n');
    await write('plugins/drivers/d.ts', "import { s } from '../../src/services/s.service.js';\nexport const d = s;\n");
    await write('src/events/e.ts', "import type { s } from '../services/s.service.js';\nexport type E = typeof s;\n");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('report a cycle made of type-only imports', async () => {
    const fixture = await importGraph(dir, ['src', 'plugins']);
    expect(fixture.circular()).toEqual([['src/store/a.ts', 'src/store/b.ts']]);
  });

  it('report a driver importing a service, and a type-only import against the layers', async () => {
    const fixture = await importGraph(dir, ['src', 'plugins']);
    const says = (folder: string) => LAYERS.find((rule) => rule.files.includes(folder))?.says;
    expect(layerBreaches(fixture.obj(), LAYERS)).toEqual([
      `plugins/drivers/d.ts → src/services/s.service.ts: ${says('plugins/drivers/')}`,
      `src/events/e.ts → src/services/s.service.ts: ${says('src/events/')}`,
    ]);
  });
});

describe('architecture: packages', () => {
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
