import 'reflect-metadata';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { printSchema } from 'graphql';
import { buildBareSchema } from './build-schema.js';

export const SCHEMA_FILE = fileURLToPath(new URL('../../schema/schema.graphql', import.meta.url));

/** The SDL committed as schema/schema.graphql. */
export async function printWardenSchema(): Promise<string> {
  return `${printSchema(await buildBareSchema())}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeFile(SCHEMA_FILE, await printWardenSchema());
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}
