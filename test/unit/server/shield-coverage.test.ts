import { readFile } from 'node:fs/promises';
import { buildSchema, isObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { permissions } from '../../../src/auth/permissions.js';
import { SCHEMA_FILE } from '../../../src/server/print-schema.js';

const schema = buildSchema(await readFile(SCHEMA_FILE, 'utf8'));
const rules = permissions as Record<string, unknown>;

describe('graphql-shield coverage', () => {
  for (const root of ['Query', 'Mutation', 'Subscription']) {
    const type = schema.getType(root);
    if (!type || !isObjectType(type)) continue;
    it(`names an explicit rule for every ${root} field`, () => {
      const map = rules[root] as Record<string, unknown> | undefined;
      const missing = Object.keys(type.getFields()).filter((field) => map?.[field] === undefined);
      expect(missing, `${root} fields without a rule`).toEqual([]);
    });
    it(`has no ${root} rule for a field that does not exist`, () => {
      const map = (rules[root] ?? {}) as Record<string, unknown>;
      const stale = Object.keys(map).filter((field) => !(field in type.getFields()));
      expect(stale).toEqual([]);
    });
  }

  it('names a rule for every object type, so nothing is reachable only through the deny fallback', () => {
    const objectTypes = Object.values(schema.getTypeMap())
      .filter((t) => isObjectType(t) && !t.name.startsWith('__'))
      .map((t) => t.name);
    expect(objectTypes.filter((name) => rules[name] === undefined)).toEqual([]);
  });
});
