import { AppError, ErrorCode } from '../../errors/app-error.js';
import type { MysqlToken } from './mysql-lexer.js';
import type { AstNode } from './mysql-parser.js';

/**
 * MariaDB's ordered-set window functions, `PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY total) OVER
 * (…)`, are legitimate analytics, but node-sql-parser's MySQL/MariaDB grammars do not know WITHIN
 * GROUP (its printer does). So, before parsing, the gate turns
 *   percentile_cont(<args>) WITHIN GROUP (ORDER BY <expr> [ASC|DESC])
 * into
 *   percentile_cont(<args>, warden_wg_asc(<expr>))          (or warden_wg_desc)
 * padded with spaces to the same length (positions after it still match), and after parsing moves
 * `<expr>` back into the function node's `within_group`, which the resolver checks and sqlify prints
 * as WITHIN GROUP again. The marker names are reserved: a statement that uses them is refused, so the
 * marker can only come from this rewrite.
 */

const ORDERED_SET_FUNCTIONS = new Set(['percentile_cont', 'percentile_disc']);
const MARKERS = { ASC: 'warden_wg_asc', DESC: 'warden_wg_desc' } as const;
const MARKER_NAMES = new Set<string>(Object.values(MARKERS));

function isWord(token: MysqlToken | undefined, word: string): boolean {
  return token?.kind === 'word' && token.text.toLowerCase() === word;
}

function isSymbol(token: MysqlToken | undefined, symbol: string): boolean {
  return token?.kind === 'symbol' && token.text === symbol;
}

/** Index of the `)` closing the `(` at `open`, or -1. */
function closing(tokens: readonly MysqlToken[], open: number): number {
  let depth = 0;
  for (let k = open; k < tokens.length; k += 1) {
    if (isSymbol(tokens[k], '(')) depth += 1;
    if (isSymbol(tokens[k], ')')) {
      depth -= 1;
      if (depth === 0) return k;
    }
  }
  return -1;
}

/** Rewrites WITHIN GROUP clauses into marker arguments (see above); returns `code` unchanged when there are none. */
export function desugarWithinGroup(code: string, tokens: readonly MysqlToken[]): string {
  for (const token of tokens) {
    if (token.kind === 'word' && MARKER_NAMES.has(token.text.toLowerCase())) {
      throw new AppError(ErrorCode.SQL_NOT_ALLOWED, `\`${token.text}\` is a name reserved by the gate.`, {
        construct: 'reserved name',
        position: token.start,
      });
    }
  }
  let result = code;
  for (let i = 0; i < tokens.length; i += 1) {
    const name = tokens[i];
    if (!name || name.kind !== 'word' || !ORDERED_SET_FUNCTIONS.has(name.text.toLowerCase()) || !isSymbol(tokens[i + 1], '(')) continue;
    const argsEnd = closing(tokens, i + 1);
    if (argsEnd === -1) continue;
    const j = argsEnd;
    if (!(isWord(tokens[j + 1], 'within') && isWord(tokens[j + 2], 'group') && isSymbol(tokens[j + 3], '('))) continue;
    if (!(isWord(tokens[j + 4], 'order') && isWord(tokens[j + 5], 'by'))) continue;
    const groupEnd = closing(tokens, j + 3);
    if (groupEnd === -1) continue;
    let last = groupEnd - 1;
    let direction: keyof typeof MARKERS = 'ASC';
    if (isWord(tokens[last], 'asc') || isWord(tokens[last], 'desc')) {
      direction = (tokens[last] as MysqlToken).text.toUpperCase() as keyof typeof MARKERS;
      last -= 1;
    }
    const first = j + 6;
    if (last < first) continue; // empty ORDER BY: let the parser report it
    let depth = 0;
    for (let k = first; k <= last; k += 1) {
      if (isSymbol(tokens[k], '(')) depth += 1;
      if (isSymbol(tokens[k], ')')) depth -= 1;
      if (depth === 0 && isSymbol(tokens[k], ',')) {
        throw new AppError(ErrorCode.SQL_NOT_ALLOWED, 'WITHIN GROUP takes exactly one ORDER BY expression.', {
          construct: 'WITHIN GROUP',
          position: (tokens[k] as MysqlToken).start,
        });
      }
    }
    const firstToken = tokens[first] as MysqlToken;
    const lastToken = tokens[last] as MysqlToken;
    const from = (tokens[j] as MysqlToken).start;
    const to = (tokens[groupEnd] as MysqlToken).start + 1;
    const expression = code.slice(firstToken.start, lastToken.start + lastToken.text.length);
    const isEmptyArgs = j === i + 2;
    const replacement = `${isEmptyArgs ? '' : ', '}${MARKERS[direction]}(${expression}))`;
    const padded = replacement.length < to - from ? replacement + ' '.repeat(to - from - replacement.length) : replacement;
    // Same length in the common case, so later token offsets still hold; when longer, offsets after it shift, which only affects error positions.
    result = result.slice(0, from + (result.length - code.length)) + padded + result.slice(to + (result.length - code.length));
    i = groupEnd;
  }
  return result;
}

function restore(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) restore(item);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const record = node as AstNode;
  if (record.type === 'function') {
    const name = record.name as { name?: { value?: unknown }[] } | undefined;
    const fn = typeof name?.name?.[0]?.value === 'string' ? name.name[0].value.toLowerCase() : '';
    const args = record.args as { value?: unknown[] } | undefined;
    const lastArg = args?.value?.at(-1) as AstNode | undefined;
    const lastName = (lastArg?.name as { name?: { value?: unknown }[] } | undefined)?.name?.[0]?.value;
    if (
      ORDERED_SET_FUNCTIONS.has(fn) &&
      lastArg?.type === 'function' &&
      typeof lastName === 'string' &&
      MARKER_NAMES.has(lastName.toLowerCase()) &&
      Array.isArray((lastArg.args as { value?: unknown[] } | undefined)?.value) &&
      (lastArg.args as { value: unknown[] }).value.length === 1 &&
      (lastArg.over === null || lastArg.over === undefined)
    ) {
      args?.value?.pop();
      const direction = lastName.toLowerCase() === MARKERS.DESC ? 'DESC' : 'ASC';
      record.within_group = {
        type: 'within',
        keyword: 'group',
        orderby: [{ expr: (lastArg.args as { value: unknown[] }).value[0], type: direction }],
      };
    }
  }
  for (const value of Object.values(record)) restore(value);
}

/** Moves marker arguments back into `within_group` (see desugarWithinGroup). */
export function restoreWithinGroup(ast: AstNode): void {
  restore(ast);
}
