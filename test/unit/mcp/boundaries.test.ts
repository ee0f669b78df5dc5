import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const MCP_DIR = new URL('../../../src/mcp/', import.meta.url).pathname;

/** What src/mcp may not reach for: database clients, drivers and the store, GraphQL, resolvers. */
const FORBIDDEN = [
  /^(kysely|pg|mysql2|mongodb|kysely-pglite|@electric-sql\/pglite)(\/|$)/,
  /^(graphql|type-graphql|graphql-shield|graphql-ws|@apollo\/server)(\/|$)/,
  /\/plugins\/drivers\//,
  /\/store\//,
  /\/resolvers\//,
  /\/schema\//,
];

describe('src/mcp', () => {
  it('calls services only: no database client, driver, store, GraphQL or resolver imports', async () => {
    const offenders: string[] = [];
    for (const file of (await readdir(MCP_DIR)).filter((f) => f.endsWith('.ts'))) {
      const text = await readFile(join(MCP_DIR, file), 'utf8');
      for (const [, specifier] of text.matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)) {
        if (FORBIDDEN.some((pattern) => pattern.test(specifier!))) offenders.push(`${file} imports ${specifier}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
