import { readFileSync } from 'node:fs';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { queryLimitRules } from '../../../plugins/query-limits.js';
import * as operations from '../../../web/console/operations.js';

const schema = buildSchema(readFileSync(new URL('../../../schema/schema.graphql', import.meta.url), 'utf8'));

const documents = Object.entries(operations).filter(
  (entry): entry is [string, { document: string }] => typeof entry[1] === 'object' && entry[1] !== null && 'document' in entry[1],
);

describe('the console operations', () => {
  it('are all found (the list below is not empty by accident)', () => {
    expect(documents.length).toBeGreaterThan(30);
  });

  it.each(documents)('%s is valid against schema/schema.graphql', (_name, op) => {
    const errors = validate(schema, parse(op.document)).map((error) => error.message);
    expect(errors).toEqual([]);
  });

  it.each(documents)('%s passes the query limits (depth, aliases, cost, directives) the server applies', (_name, op) => {
    expect(validate(schema, parse(op.document), queryLimitRules()).map((error) => error.message)).toEqual([]);
  });

  it('each holds exactly one named operation, so the audit log and traces can tell them apart', () => {
    const unnamed = documents.filter(([, op]) => {
      const definitions = parse(op.document).definitions;
      return definitions.length !== 1 || definitions[0]?.kind !== 'OperationDefinition' || !definitions[0].name;
    });
    expect(unnamed.map(([name]) => name)).toEqual([]);
  });
});
