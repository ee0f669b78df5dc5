import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { resolverClasses, resolverContainer } from '../../../resolvers/index.js';
import type { UseCases } from '../../../src/services/use-cases.js';

const RESOLVERS_DIR = new URL('../../../resolvers/', import.meta.url);

describe('the resolver list (resolvers/index.ts)', () => {
  it('holds every resolver class under resolvers/, once, so none is left out of the schema', async () => {
    const declared: string[] = [];
    for (const file of (await readdir(RESOLVERS_DIR)).filter((name) => name.endsWith('.resolver.ts')).sort()) {
      const module = (await import(/* @vite-ignore */ `../../../resolvers/${file.replace(/\.ts$/, '.js')}`)) as Record<string, unknown>;
      declared.push(...Object.entries(module).filter(([name, value]) => name.endsWith('Resolver') && typeof value === 'function').map(([name]) => name));
    }
    const listed = resolverClasses.map((type) => type.name);
    expect(declared.length).toBeGreaterThan(0);
    expect([...listed].sort()).toEqual([...declared].sort());
    expect(new Set(listed).size).toBe(listed.length);
  });

  it('makes each resolver once, as an instance of its own class', () => {
    const services = new Proxy({}, { get: (_, name) => ({ service: String(name) }) }) as UseCases;
    const container = resolverContainer(services);
    for (const type of resolverClasses) {
      const first: unknown = container.get(type, {} as never);
      expect(first).toBeInstanceOf(type);
      expect(container.get(type, {} as never)).toBe(first);
    }
  });
});
