import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../../', import.meta.url).pathname;

async function importsIn(dir: string): Promise<{ file: string; specifier: string }[]> {
  const found: { file: string; specifier: string }[] = [];
  for (const entry of await readdir(join(ROOT, dir), { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const file = join(entry.parentPath, entry.name).slice(ROOT.length);
    const text = await readFile(join(ROOT, file), 'utf8');
    for (const m of text.matchAll(/(?:^\s*(?:import|export)[^'"]*from\s+|import\()['"]([^'"]+)['"]/gm)) found.push({ file, specifier: m[1] as string });
  }
  return found;
}

describe('the command line and the SDK', () => {
  it('keep the commands thin: src/cli reaches the gateway through the typed client only', async () => {
    const offenders = (await importsIn('src/cli'))
      .filter(({ specifier }) => !(specifier.startsWith('node:') || /^\.\/[\w-]+\.js$/.test(specifier) || specifier === '../../sdk/client.js'))
      .map(({ file, specifier }) => `${file} imports ${specifier}`);
    expect(offenders).toEqual([]);
  });

  it('keep the SDK a client: sdk/ imports nothing of the gateway', async () => {
    const offenders = (await importsIn('sdk'))
      .filter(({ specifier }) => specifier.startsWith('.') && !specifier.startsWith('./'))
      .map(({ file, specifier }) => `${file} imports ${specifier}`);
    expect(offenders).toEqual([]);
  });
});
