import { AppError, ErrorCode } from '../errors/app-error.js';

/**
 * Take the SQL out of a model's reply (DESIGN.md, "Natural language": model → extract → gate).
 *
 * The reply is untrusted. This module only finds the statement text; it never judges it. Whatever it
 * returns goes through the SQL gate, so it leans towards keeping text: when a reply holds a second
 * statement (`select 1; drop table x`) or a second SQL block, both are returned, joined by a
 * semicolon, for the gate to refuse — dropping one would hide what the model really answered.
 * Only text that cannot be a statement (prose after the SQL, comments, stray semicolons) is cut.
 */

/** Longest SQL statement accepted from a model. */
export const MAX_SQL_CHARS = 20_000;
/** Longest reply searched (reasoning models think at length before the SQL). */
export const MAX_REPLY_CHARS = 200_000;

const NO_SQL = 'The model replied without a SQL statement.';

/** Words that begin a statement of any kind, read-only or not. */
const STATEMENT_WORDS =
  'select|with|insert|update|delete|merge|upsert|replace|drop|create|alter|truncate|rename|grant|revoke|copy|call|do|' +
  'execute|exec|prepare|deallocate|declare|explain|describe|desc|show|set|reset|use|values|table|lock|unlock|begin|' +
  'start|commit|rollback|savepoint|release|load|handler|vacuum|analyze|analyse|cluster|reindex|refresh|listen|notify|' +
  'unlisten|discard|checkpoint|comment|security|import|install|uninstall|kill|flush|optimize|repair|purge|shutdown|' +
  'change|checksum|cache|help|signal|resignal|get|fetch|move|close|open|abort|end';
const STARTS_WITH_STATEMENT_WORD = new RegExp(`^(?:${STATEMENT_WORDS})\\b`, 'i');

/** Statement words that seldom begin a line of English. */
const STRONG_WORDS =
  'select|insert|update|delete|merge|upsert|drop|create|alter|truncate|grant|revoke|copy|vacuum|analyze|analyse|' +
  'explain|values|prepare|execute|deallocate|declare|checkpoint|reindex|cluster|listen|notify|unlisten|discard|' +
  'savepoint|rollback|commit|handler|purge|optimize|repair|flush|kill|shutdown|install|uninstall|lock|unlock|' +
  'describe|call|replace|rename|load|refresh|reset';

const CTE = String.raw`with\s+(?:recursive\s+)?[\p{L}_"\x60][^\s(]*\s*(?:\([^()]*\)\s*)?as\s*(?:not\s+materialized\s*|materialized\s*)?\(`;
const LINE_PREFIX = String.raw`^[ \t>*+-]*(?:(?:sql|query|answer)\s*:\s*)?`;

/**
 * A statement starting a line (after a list marker, a quote mark or a "SQL:" label): a strong word in
 * any case, a CTE, or any statement word in capitals ("SET ROLE", "SHOW TABLES"; "Use this query:" is
 * prose). The keyword is group 1.
 */
const LINE_START = [
  new RegExp(`${LINE_PREFIX}(${CTE}|(?:${STRONG_WORDS})\\b(?!\\s*:))`, 'gimud'),
  new RegExp(`${LINE_PREFIX}((?:${STATEMENT_WORDS.toUpperCase()})\\b(?!\\s*:))`, 'gmud'),
];

/**
 * A statement inside a line of prose: only shapes no English sentence has. `select … from` and
 * `grant … on` are found by `inlineStatement` (a lazy regex would rescan the line for every word).
 */
const INLINE = new RegExp(
  [
    String.raw`\b${CTE}`,
    String.raw`\binsert\s+(?:ignore\s+)?into\s`,
    String.raw`\bdelete\s+from\s`,
    String.raw`\bupdate\s+\S+\s+set\s`,
    String.raw`\breplace\s+into\s`,
    String.raw`\bmerge\s+into\s`,
    String.raw`\b(?:drop|create|alter)\s+(?:or\s+replace\s+)?(?:temp\w*\s+|unlogged\s+|materialized\s+)?(?:table|view|schema|database|index|function|procedure|trigger|role|user|sequence|extension|type|event|server)\s`,
    String.raw`\btruncate\s+(?:table\s+)?[\p{L}_"\x60]`,
    String.raw`\bcopy\s+\S+\s+(?:from|to)\s`,
    String.raw`\bset\s+(?:session\s+|local\s+|global\s+)?(?:role|authorization|search_path)\b`,
  ].join('|'),
  'giu',
);
const INLINE_SELECT = /\bselect\s+(?!(?:query|queries|statement|clause|list|permission|privilege)s?\b)\S/giu;
const INLINE_FROM = /\sfrom\s/giu;
const INLINE_GRANT = /\b(?:grant|revoke)\s+\S/giu;
const INLINE_GRANT_OBJECT = /\s(?:on|to|from)\s/giu;

/** A clause that continues a statement on the line after a blank one. */
const CONTINUATION =
  /^(?:from|where|join|inner|left|right|full|outer|cross|natural|on|using|group|order|having|limit|offset|fetch|union|intersect|except|and|or|not|window|qualify|returning|as|case|when|then|else|end|select|values|lateral|partition|over)\b|^[(),*'"`]|^--|^\/\*/i;

/**
 * The one SQL statement in `reply`: a ```sql block, else any fenced block holding SQL, else the text
 * from the first statement keyword on. `<think>` blocks and trailing prose are dropped, and so are
 * trailing semicolons. Throws LLM_BAD_OUTPUT when there is none or it is too long.
 */
export function extractSql(reply: string): string {
  if (typeof reply !== 'string' || reply.trim() === '') throw new AppError(ErrorCode.LLM_BAD_OUTPUT, NO_SQL);
  if (reply.length > MAX_REPLY_CHARS) {
    throw new AppError(ErrorCode.LLM_BAD_OUTPUT, 'The model reply is too long.', { limit: MAX_REPLY_CHARS, length: reply.length });
  }
  const text = stripThinking(reply);
  const blocks = fencedSql(text);
  let sql: string;
  if (blocks.length > 0) {
    const statements = [...new Set(blocks.map((block) => cutTrailing(block, false)).filter((block) => block !== ''))];
    sql = statements.join(';\n');
  } else {
    const start = firstStatement(text);
    sql = start === -1 ? '' : cutTrailing(inlineCode(text, start), true);
  }
  if (sql === '') throw new AppError(ErrorCode.LLM_BAD_OUTPUT, NO_SQL);
  if (sql.length > MAX_SQL_CHARS) {
    throw new AppError(ErrorCode.LLM_BAD_OUTPUT, `The model's SQL is longer than ${MAX_SQL_CHARS.toLocaleString('en-US')} characters.`, {
      limit: MAX_SQL_CHARS,
      length: sql.length,
    });
  }
  return sql;
}

/**
 * Drop reasoning: whole <think> blocks, everything before a stray closing tag (the opening one was in
 * the prompt), and an unclosed block to the end. One pass over the tags.
 */
function stripThinking(reply: string): string {
  const tag = /<(\/?)(?:think|thinking|reasoning)\s*>/gi;
  let out = '';
  let from = 0;
  let inside = false;
  for (let match = tag.exec(reply); match; match = tag.exec(reply)) {
    const closing = match[1] === '/';
    if (!inside && closing) out = '';
    else if (!inside) {
      out += reply.slice(from, match.index);
      inside = true;
    } else if (closing) inside = false;
    else continue;
    from = match.index + match[0].length;
  }
  return inside ? out : out + reply.slice(from);
}

const SQL_LANGUAGES = new Set(['sql', 'postgres', 'postgresql', 'pgsql', 'psql', 'plpgsql', 'mysql', 'mariadb', 'sqlite', 'tsql']);

/** The SQL-tagged fenced blocks, else the untagged or other blocks that hold a statement. */
function fencedSql(text: string): string[] {
  const tagged: string[] = [];
  const other: string[] = [];
  const fence = /`{3,}|~{3,}/g;
  for (let open = fence.exec(text); open; open = fence.exec(text)) {
    const marker = open[0];
    const afterOpen = open.index + marker.length;
    const closing = new RegExp(`${marker[0] === '`' ? '`' : '~'}{${marker.length},}`, 'g');
    closing.lastIndex = afterOpen;
    const close = closing.exec(text);
    const end = close ? close.index : text.length;
    const newline = text.indexOf('\n', afterOpen);
    let language = '';
    let body: string;
    if (newline === -1 || newline >= end) {
      // ```select 1``` or ```sql select 1``` on one line
      body = text.slice(afterOpen, end);
      const tag = /^\s*([a-z]+)\s+/i.exec(body);
      if (tag && SQL_LANGUAGES.has(tag[1]?.toLowerCase() ?? '')) {
        language = tag[1]?.toLowerCase() ?? '';
        body = body.slice(tag[0].length);
      }
    } else {
      const info = text.slice(afterOpen, newline).trim();
      if (STARTS_WITH_STATEMENT_WORD.test(info)) body = text.slice(afterOpen, end);
      else {
        language = info.split(/\s+/)[0]?.toLowerCase() ?? '';
        body = text.slice(newline + 1, end);
      }
    }
    if (body.trim() !== '') {
      if (SQL_LANGUAGES.has(language)) tagged.push(body);
      else if (firstStatement(body) !== -1) other.push(body);
    }
    if (!close) break;
    fence.lastIndex = close.index + close[0].length;
  }
  return tagged.length > 0 ? tagged : other;
}

/** Index where the first statement in prose begins, or -1. */
function firstStatement(text: string): number {
  const found: number[] = [];
  for (const pattern of [...LINE_START, INLINE]) {
    pattern.lastIndex = 0;
    const match = pattern.exec(text);
    if (match) found.push(match.indices?.[1]?.[0] ?? match.index);
  }
  found.push(wordWithLaterOnLine(text, INLINE_SELECT, INLINE_FROM), wordWithLaterOnLine(text, INLINE_GRANT, INLINE_GRANT_OBJECT));
  const starts = found.filter((index) => index !== -1);
  return starts.length === 0 ? -1 : Math.min(...starts);
}

/**
 * The first match of `word` followed later on its line by `later` (whose leading blank may be the
 * line break). Each `later` match is searched for once and reused, so the scan stays linear.
 */
function wordWithLaterOnLine(text: string, word: RegExp, later: RegExp): number {
  word.lastIndex = 0;
  let next: RegExpExecArray | null | undefined;
  for (let match = word.exec(text); match; match = word.exec(text)) {
    const after = match.index + match[0].length;
    if (next === undefined || (next !== null && next.index < after)) {
      later.lastIndex = after;
      next = later.exec(text);
    }
    if (next === null) return -1;
    const lineEnd = text.indexOf('\n', after);
    if (lineEnd === -1 || next.index <= lineEnd) return match.index;
  }
  return -1;
}

/** SQL quoted inline as `SELECT …`: end at the last backtick on its line. */
function inlineCode(text: string, start: number): string {
  if (text[start - 1] !== '`') return text.slice(start);
  const lineEnd = text.indexOf('\n', start);
  const line = text.slice(start, lineEnd === -1 ? text.length : lineEnd);
  const close = line.lastIndexOf('`');
  return close === -1 ? text.slice(start) : line.slice(0, close);
}

/**
 * The statement text without what cannot be a statement after it: trailing semicolons, comments and
 * blanks, and (in prose) an explanation after a semicolon or a blank line. Text after a semicolon that
 * could be a statement is kept, semicolon and all, for the gate to refuse.
 */
function cutTrailing(candidate: string, prose: boolean): string {
  const text = candidate.trim();
  const { semicolon, blankLine } = topLevelBreaks(text);
  if (semicolon !== -1) {
    // After a semicolon, anything that could start a statement (a statement word in any case, a
    // parenthesis) is kept for the gate.
    const rest = text.slice(semicolon + 1);
    if (isBlank(rest) || (!couldBeStatement(rest) && !stripLeading(rest).startsWith('('))) return stripSemicolons(text.slice(0, semicolon));
    return stripSemicolons(text);
  }
  if (prose && blankLine !== -1) {
    const rest = text.slice(blankLine);
    if (!couldBeStatement(rest) && !CONTINUATION.test(stripLeading(rest))) return stripSemicolons(text.slice(0, blankLine));
  }
  return stripSemicolons(text);
}

function stripSemicolons(text: string): string {
  return text.replace(/[\s;]+$/, '');
}

/** Text without leading blanks, comments and semicolons. */
function stripLeading(text: string): string {
  let i = 0;
  for (;;) {
    while (i < text.length && /[\s;]/.test(text[i] ?? '')) i++;
    if (text.startsWith('--', i) || text[i] === '#') {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end + 1;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end === -1) return text.slice(i);
      i = end + 2;
    } else {
      return text.slice(i);
    }
  }
}

function isBlank(text: string): boolean {
  return stripLeading(text) === '';
}

function couldBeStatement(text: string): boolean {
  return STARTS_WITH_STATEMENT_WORD.test(stripLeading(text)) || firstStatement(text) !== -1;
}

/**
 * The first semicolon and the first blank line outside strings, quoted names and comments. Unsure
 * lexing (a backslash escape, an unterminated string) only hides breaks, which keeps more text.
 */
function topLevelBreaks(text: string): { semicolon: number; blankLine: number } {
  let blankLine = -1;
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    const next = text[i + 1];
    if (ch === "'" || ch === '"' || ch === '`') {
      i = skipQuoted(text, i, ch);
    } else if (ch === '-' && next === '-') {
      i = lineEnd(text, i);
    } else if (ch === '#') {
      i = lineEnd(text, i);
    } else if (ch === '/' && next === '*') {
      i = skipBlockComment(text, i);
    } else if (ch === '$') {
      const tag = /^\$(?:[\p{L}_][\p{L}\p{N}_]*)?\$/u.exec(text.slice(i, i + 64));
      if (tag) {
        const close = text.indexOf(tag[0], i + tag[0].length);
        i = close === -1 ? text.length : close + tag[0].length;
      } else i++;
    } else if (ch === ';') {
      return { semicolon: i, blankLine };
    } else if (ch === '\n' && blankLine === -1 && /^\n[ \t\r]*\n/.test(text.slice(i, i + 64))) {
      blankLine = i;
      i++;
    } else {
      i++;
    }
  }
  return { semicolon: -1, blankLine };
}

function skipQuoted(text: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\\' && quote === "'") i += 2;
    else if (ch === quote) {
      if (text[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return text.length;
}

function lineEnd(text: string, start: number): number {
  const end = text.indexOf('\n', start);
  return end === -1 ? text.length : end;
}

function skipBlockComment(text: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < text.length) {
    if (text[i] === '/' && text[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (text[i] === '*' && text[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return text.length;
}
