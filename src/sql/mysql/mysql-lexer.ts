import { AppError, ErrorCode } from '../../errors/app-error.js';

/**
 * The gate's own MySQL/MariaDB lexer, run before the parser (DESIGN.md, "Checked on this machine").
 *
 * node-sql-parser is a good parser but a poor judge of what the server will execute: it silently
 * drops executable comments (`/*! … *\/`, `/*M! … *\/`) that MySQL and MariaDB run, and it treats
 * `--1` as a comment where the server sees two minus signs. So this lexer decides, the way the server
 * does, where strings, identifiers and comments are, and:
 * - rejects executable comments and optimizer hints (`/*+ … *\/`: harmless mostly, but MySQL 8 hints
 *   such as SET_VAR and MAX_EXECUTION_TIME change session settings for the statement, which could undo
 *   the connector's timeout), nested comment openers, and `--` not followed by a space or control
 *   character (the server and the parser disagree on it);
 * - rejects double-quoted text: it is a string by default but an identifier under sql_mode
 *   ANSI_QUOTES, so the gate could not know which columns it reads;
 * - rejects a backslash-escaped quote inside a string (`'it\'s'`): under sql_mode
 *   NO_BACKSLASH_ESCAPES the string would end there and the rest would run as SQL. `''` works in every
 *   mode;
 * - rejects more than one statement (one trailing `;` is fine) and NUL characters;
 * - rejects unterminated strings, identifiers and comments as syntax errors.
 * The parser is then given `code`: the same text with every comment and the trailing `;` replaced by
 * spaces (same length, so positions still match), so no comment can mean one thing to the parser and
 * another to the server.
 */

export type MysqlTokenKind = 'word' | 'quoted_identifier' | 'string' | 'number' | 'placeholder' | 'symbol';

export interface MysqlToken {
  kind: MysqlTokenKind;
  /** The token as written (a string token keeps its quotes). */
  text: string;
  /** Offset of the first character in the statement. */
  start: number;
}

export interface LexedMysql {
  /** The statement with comments and the trailing `;` blanked out: what the parser sees. */
  code: string;
  tokens: MysqlToken[];
}

const WORD_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;
const NUMBER = /^(?:0x[0-9a-f]+|0b[01]+|\d+(?:\.\d*)?(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?)$/i;

function notAllowed(message: string, construct: string, position: number): never {
  throw new AppError(ErrorCode.SQL_NOT_ALLOWED, message, { construct, position });
}

function syntax(message: string, position: number): never {
  throw new AppError(ErrorCode.SQL_SYNTAX, message, { position });
}

function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f' || ch === '\v';
}

/** MySQL starts a `--` comment only when the second dash is followed by whitespace, a control character or the end. */
function startsDashComment(ch: string | undefined): boolean {
  if (ch === undefined) return true;
  const code = ch.charCodeAt(0);
  return code <= 0x20 || code === 0x7f;
}

/** Lexes one MySQL/MariaDB statement; throws AppError (SQL_SYNTAX or SQL_NOT_ALLOWED) on anything it will not pass to the parser. */
export function lexMysql(sql: string): LexedMysql {
  const chars = sql.split('');
  const tokens: MysqlToken[] = [];
  const blank = (from: number, to: number): void => {
    for (let k = from; k < to; k += 1) if (chars[k] !== '\n') chars[k] = ' ';
  };
  let semicolonAt = -1;
  let i = 0;
  const n = sql.length;

  while (i < n) {
    const ch = sql[i] as string;
    const next = sql[i + 1];

    if (ch === '\0') notAllowed('The statement contains a NUL character.', 'NUL character', i);
    if (isSpace(ch)) {
      i += 1;
      continue;
    }

    // Line comments: `#…` and `-- …`, up to the end of the line.
    if (ch === '#' || (ch === '-' && next === '-')) {
      if (ch === '-' && !startsDashComment(sql[i + 2])) {
        notAllowed(
          "'--' is only a comment when followed by a space; write '- -' for a double minus.",
          'ambiguous double dash',
          i,
        );
      }
      let end = sql.indexOf('\n', i);
      if (end === -1) end = n;
      const body = sql.slice(i, end);
      if (body.includes('\0')) notAllowed('The statement contains a NUL character.', 'NUL character', i);
      if (/\r(?!\n|$)/.test(body)) {
        notAllowed('A line comment contains a bare carriage return; end lines with \\n.', 'carriage return in comment', i);
      }
      blank(i, end);
      i = end;
      continue;
    }

    // Block comments.
    if (ch === '/' && next === '*') {
      const third = sql[i + 2];
      if (third === '!' || ((third === 'M' || third === 'm') && sql[i + 3] === '!')) {
        notAllowed(
          'Executable comments (/*! … */, /*M! … */) are not allowed: the server runs their content.',
          'executable comment',
          i,
        );
      }
      if (third === '+') {
        notAllowed('Optimizer hints (/*+ … */) are not allowed: some change session settings.', 'optimizer hint', i);
      }
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) syntax('The statement has an unterminated /* comment.', i);
      const body = sql.slice(i + 2, end);
      if (body.includes('/*')) notAllowed('Nested comments are not allowed.', 'nested comment', i);
      if (body.includes('\0')) notAllowed('The statement contains a NUL character.', 'NUL character', i);
      blank(i, end + 2);
      i = end + 2;
      continue;
    }

    if (semicolonAt !== -1) {
      notAllowed('Only one statement can be run at a time.', 'multiple statements', semicolonAt);
    }

    if (ch === ';') {
      semicolonAt = i;
      chars[i] = ' ';
      i += 1;
      continue;
    }

    if (ch === '"') {
      notAllowed(
        "Double-quoted text is not allowed: it is a string or an identifier depending on sql_mode. Use '…' for strings and `…` for identifiers.",
        'double-quoted text',
        i,
      );
    }

    if (ch === "'") {
      const start = i;
      i += 1;
      for (;;) {
        if (i >= n) syntax('The statement has an unterminated string.', start);
        const c = sql[i];
        if (c === '\0') notAllowed('The statement contains a NUL character.', 'NUL character', i);
        if (c === '\\') {
          if (i + 1 >= n) syntax('The statement has an unterminated string.', start);
          if (sql[i + 1] === "'") {
            notAllowed(
              "A backslash-escaped quote (\\') is not allowed: its meaning depends on sql_mode. Double the quote instead ('').",
              'backslash-escaped quote',
              i,
            );
          }
          i += 2;
          continue;
        }
        if (c === "'") {
          if (sql[i + 1] === "'") {
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        i += 1;
      }
      tokens.push({ kind: 'string', text: sql.slice(start, i), start });
      continue;
    }

    if (ch === '`') {
      const start = i;
      i += 1;
      for (;;) {
        if (i >= n) syntax('The statement has an unterminated `identifier`.', start);
        const c = sql[i];
        if (c === '\0') notAllowed('The statement contains a NUL character.', 'NUL character', i);
        if (c === '`') {
          if (sql[i + 1] === '`') {
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        i += 1;
      }
      tokens.push({ kind: 'quoted_identifier', text: sql.slice(start, i), start });
      continue;
    }

    if (WORD_CHAR.test(ch) || (ch === '.' && next !== undefined && /\d/.test(next) && !isAfterWord(tokens, i))) {
      const start = i;
      i += 1;
      while (i < n) {
        const c = sql[i] as string;
        if (WORD_CHAR.test(c)) {
          i += 1;
        } else if (c === '.' && /^\d+$/.test(sql.slice(start, i)) && /\d|e|E/.test(sql[i + 1] ?? '')) {
          i += 1; // 1.5
        } else if ((c === '+' || c === '-') && /^(?:\d+(?:\.\d*)?|\.\d+)e$/i.test(sql.slice(start, i))) {
          i += 1; // 1e-3
        } else {
          break;
        }
      }
      const text = sql.slice(start, i);
      // X'41', B'01', N'x', _utf8mb4'x': a prefixed string literal.
      if (sql[i] === "'" && /^(?:x|b|n|_[a-z0-9_]+)$/i.test(text)) {
        tokens.push({ kind: 'word', text, start });
        continue;
      }
      tokens.push({ kind: NUMBER.test(text) ? 'number' : 'word', text, start });
      continue;
    }

    if (ch === '?') {
      tokens.push({ kind: 'placeholder', text: '?', start: i });
      i += 1;
      continue;
    }

    tokens.push({ kind: 'symbol', text: ch, start: i });
    i += 1;
  }

  if (tokens.length === 0) syntax('The statement is empty.', 0);
  return { code: chars.join(''), tokens };
}

/** `t.5` is not a number; `.5` after an operator is. */
function isAfterWord(tokens: readonly MysqlToken[], at: number): boolean {
  const last = tokens.at(-1);
  if (!last) return false;
  const end = last.start + last.text.length;
  return end === at && (last.kind === 'word' || last.kind === 'quoted_identifier');
}
