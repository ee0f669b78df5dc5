import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { rootFieldOf } from '../../../plugins/telemetry.plugin.js';

const operation = (document: string) => parse(document).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;

describe('the root field label of an operation', () => {
  it('is the one field selected, whatever the client named the operation or its aliases', () => {
    expect(rootFieldOf(operation('mutation AnythingAtAll { runQuery(databaseId: "d", sql: "select 1") { rowCount } }'))).toBe('runQuery');
    expect(rootFieldOf(operation('{ a: me { id } b: me { name } }'))).toBe('me');
  });

  it('is "multiple" for several fields or a fragment, so labels stay few', () => {
    expect(rootFieldOf(operation('{ me { id } databases { totalCount } }'))).toBe('multiple');
    expect(rootFieldOf(operation('{ ...F } fragment F on Query { me { id } }'))).toBe('multiple');
    expect(rootFieldOf(operation('{ ... on Query { me { id } } }'))).toBe('multiple');
  });
});
