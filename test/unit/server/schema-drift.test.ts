import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { printWardenSchema, SCHEMA_FILE } from '../../../src/server/print-schema.js';

describe('schema/schema.graphql', () => {
  it('is exactly the schema the code builds (run `npm run schema:print` after changing it)', async () => {
    const committed = await readFile(SCHEMA_FILE, 'utf8');
    expect(await printWardenSchema()).toBe(committed);
  });
});
