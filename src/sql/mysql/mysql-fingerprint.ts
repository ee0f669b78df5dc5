import { createHash } from 'node:crypto';
import type { MysqlToken } from './mysql-lexer.js';

/** Words after which a `-`/`+` is a sign, not an operator. */
const SIGN_CONTEXT = new Set([
  'select', 'where', 'and', 'or', 'not', 'xor', 'in', 'between', 'like', 'regexp', 'rlike', 'is', 'then', 'else', 'when', 'case',
  'by', 'limit', 'offset', 'values', 'value', 'set', 'on', 'having', 'interval', 'div', 'mod', 'return', 'escape',
]);

function isSign(tokens: readonly MysqlToken[], index: number): boolean {
  const token = tokens[index];
  if (token?.kind !== 'symbol' || (token.text !== '-' && token.text !== '+')) return false;
  if (tokens[index + 1]?.kind !== 'number') return false;
  const previous = tokens[index - 1];
  if (!previous) return true;
  if (previous.kind === 'symbol') return previous.text !== ')';
  return previous.kind === 'word' && SIGN_CONTEXT.has(previous.text.toLowerCase());
}

/**
 * The statement's shape, whatever its literals: every string, number and placeholder becomes `?`
 * (a signed number too), a comma-separated run of them (an IN list, a VALUES row) collapses to one
 * `?`, unquoted words are lower-cased, `quoted identifiers` are kept as written, comments and
 * whitespace are gone. The
 * fingerprint is the SHA-1 (hex) of that text: short, stable, and free of any literal the statement
 * held.
 */
export function normaliseMysql(tokens: readonly MysqlToken[]): string {
  const parts: string[] = [];
  for (let k = 0; k < tokens.length; k += 1) {
    const token = tokens[k] as MysqlToken;
    const following = tokens[k + 1];
    if (
      token.kind === 'word' &&
      following?.kind === 'string' &&
      following.start === token.start + token.text.length &&
      /^(?:x|b|n|_[a-z0-9_]+)$/i.test(token.text)
    ) {
      continue; // the prefix of X'41', _utf8mb4'x'
    }
    if (isSign(tokens, k)) continue; // -5 is one literal
    switch (token.kind) {
      case 'string':
      case 'number':
      case 'placeholder':
        parts.push('?');
        break;
      case 'word':
        parts.push(token.text.toLowerCase());
        break;
      default:
        parts.push(token.text);
    }
  }
  return parts.join(' ').replace(/\?(?: , \?)+/g, '?');
}

export function fingerprintMysql(tokens: readonly MysqlToken[]): string {
  return createHash('sha1').update(normaliseMysql(tokens)).digest('hex');
}
