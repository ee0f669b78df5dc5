import type { A_Const, Alias, ColumnRef, Node } from 'libpg-query';

/**
 * Small helpers over libpg-query's AST, which is typed loosely at this boundary: every node is an
 * object with one key, its kind, holding its fields.
 */

export function kindOf(node: Node | undefined): string {
  if (node === undefined || node === null || typeof node !== 'object') return '';
  const keys = Object.keys(node);
  return keys.length === 1 ? (keys[0] ?? '') : '';
}

export function payloadOf<T>(node: Node): T {
  return (node as unknown as Record<string, T>)[kindOf(node)] as T;
}

export function stringOf(node: Node | undefined): string | undefined {
  return kindOf(node) === 'String' ? (payloadOf<{ sval?: string }>(node as Node).sval ?? '') : undefined;
}

export function stringsOf(nodes: Node[] | undefined): string[] | undefined {
  const out: string[] = [];
  for (const node of nodes ?? []) {
    const value = stringOf(node);
    if (value === undefined) return undefined;
    out.push(value);
  }
  return out;
}

export function aliasNames(alias: Alias | undefined): string[] {
  return stringsOf(alias?.colnames) ?? [];
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function constInt(value: number): Node {
  return { A_Const: { ival: { ival: value } } } as Node;
}

export function and(left: Node, right: Node | undefined): Node {
  return right === undefined ? left : ({ BoolExpr: { boolop: 'AND_EXPR', args: [left, right] } } as Node);
}

export function isFalse(arg: Node | undefined): boolean {
  if (arg === undefined) return false;
  const kind = kindOf(arg);
  if (kind === 'Boolean') return payloadOf<{ boolval?: boolean }>(arg).boolval !== true;
  if (kind === 'String') return ['false', 'off', '0', 'no'].includes((stringOf(arg) ?? '').toLowerCase());
  if (kind === 'Integer') return (payloadOf<{ ival?: number }>(arg).ival ?? 0) === 0;
  return false;
}

export function bareName(node: Node): string | undefined {
  if (kindOf(node) !== 'ColumnRef') return undefined;
  const fields = payloadOf<ColumnRef>(node).fields ?? [];
  return fields.length === 1 ? stringOf(fields[0]) : undefined;
}

export function columnRefNode(...names: string[]): Node {
  return { ColumnRef: { fields: names.map((sval) => ({ String: { sval } })) } } as Node;
}

/** The AST's integer constants are 32-bit. */
export const INT32_MAX = 2_147_483_647;

export function isNullConst(node: Node): boolean {
  return kindOf(node) === 'A_Const' && payloadOf<A_Const>(node).isnull === true;
}
