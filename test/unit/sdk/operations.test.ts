import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  buildSchema,
  Kind,
  parse,
  print,
  specifiedRules,
  validate,
  visit,
  type DefinitionNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DOCUMENT_LIMITS, documentTooLarge, queryLimitRules } from '../../../plugins/query-limits.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const OPERATIONS_DIR = join(ROOT, 'sdk/operations');

const schema = buildSchema(await readFile(join(ROOT, 'schema/schema.graphql'), 'utf8'));
const files = (await readdir(OPERATIONS_DIR)).filter((name) => name.endsWith('.graphql')).sort();
const definitions: DefinitionNode[] = [];
for (const file of files) definitions.push(...parse(await readFile(join(OPERATIONS_DIR, file), 'utf8')).definitions);
const operations = definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
const fragments = new Map(
  definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
);

/** The operation with every fragment it uses, as the generated client sends it. */
function documentOf(operation: OperationDefinitionNode): DocumentNode {
  const used = new Map<string, FragmentDefinitionNode>();
  const collect = (node: OperationDefinitionNode | FragmentDefinitionNode) =>
    visit(node, {
      FragmentSpread(spread) {
        const fragment = fragments.get(spread.name.value);
        if (fragment && !used.has(spread.name.value)) {
          used.set(spread.name.value, fragment);
          collect(fragment);
        }
      },
    });
  collect(operation);
  return { kind: Kind.DOCUMENT, definitions: [operation, ...used.values()] };
}

describe('the SDK operations (sdk/operations/*.graphql)', () => {
  it('cover every root field of the public schema, so the client cannot fall behind it', () => {
    const roots = [
      ['query', schema.getQueryType()],
      ['mutation', schema.getMutationType()],
      ['subscription', schema.getSubscriptionType()],
    ] as const;
    const missing: string[] = [];
    for (const [kind, type] of roots) {
      const covered = new Set(
        operations
          .filter((o) => o.operation === kind)
          .flatMap((o) => o.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : []))),
      );
      for (const field of Object.keys(type?.getFields() ?? {})) {
        if (!covered.has(field)) missing.push(`${type?.name}.${field}`);
      }
    }
    expect(missing, 'root fields without an operation in sdk/operations').toEqual([]);
  });

  it('are each named, once', () => {
    const names = operations.map((o) => o.name?.value);
    expect(names).not.toContain(undefined);
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
  });

  it("are each valid against the schema and within the gateway's document limits", () => {
    const problems: string[] = [];
    for (const operation of operations) {
      const document = documentOf(operation);
      const name = operation.name?.value ?? '(anonymous)';
      for (const error of validate(schema, document, [...specifiedRules, ...queryLimitRules()])) problems.push(`${name}: ${error.message}`);
      const tooLarge = documentTooLarge(print(document), DEFAULT_DOCUMENT_LIMITS);
      if (tooLarge) problems.push(`${name}: ${tooLarge.message}`);
    }
    expect(problems).toEqual([]);
  });

  it('use every fragment they define', () => {
    const used = new Set<string>();
    for (const operation of operations) for (const d of documentOf(operation).definitions.slice(1)) used.add((d as FragmentDefinitionNode).name.value);
    expect([...fragments.keys()].filter((name) => !used.has(name))).toEqual([]);
  });
});
