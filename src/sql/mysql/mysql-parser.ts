import { createRequire } from 'node:module';
import type { AST, Parser } from 'node-sql-parser';
import { LRUCache } from 'lru-cache';
import { AppError, ErrorCode } from '../../errors/app-error.js';

/**
 * node-sql-parser behind one small door. The package is CommonJS and takes about 190 ms to load, so it
 * is required by the first parse, not when this module is imported.
 *
 * Two grammars are tried: MariaDB first, then MySQL when MariaDB's fails. Both come from the same
 * grammar family and give the same AST shapes, and each misses things the other has (MariaDB's
 * lacks GROUP_CONCAT(… ORDER BY … SEPARATOR …), `->`/`->>`, named WINDOW clauses, ORDER BY/LIMIT on
 * UPDATE and DELETE, STRAIGHT_JOIN; MySQL's lacks RETURNING, DEFAULT in VALUES). The fallback is
 * safe because every AST is judged by the same allow-list resolver, and the text the parser sees has
 * already been lexed by the gate (no comments left, one statement).
 */

let parser: Parser | undefined;

/** The one Parser, made on first use. */
function parserOf(): Parser {
  parser ??= new (createRequire(import.meta.url)('node-sql-parser') as { Parser: typeof Parser }).Parser();
  return parser;
}

export type MysqlGrammar = 'MariaDB' | 'MySQL';

/** An AST node as the parser builds it: plain JSON-like objects. */
export type AstNode = Record<string, unknown>;

export interface ParsedMysql {
  ast: AstNode;
  grammar: MysqlGrammar;
}

interface PegLocation {
  start?: { offset?: number; line?: number; column?: number };
}

function locationOf(error: unknown): PegLocation['start'] | undefined {
  if (typeof error === 'object' && error !== null && 'location' in error) {
    const location = (error as { location?: PegLocation }).location;
    return location?.start;
  }
  return undefined;
}

/** The parser's own words, shortened: what it expected (a few keywords and symbols) and what it found. */
function parserWords(error: unknown): string {
  if (typeof error !== 'object' || error === null) return '';
  const { expected, found } = error as { expected?: unknown; found?: unknown };
  const wanted: string[] = [];
  if (Array.isArray(expected)) {
    for (const item of expected) {
      const text = (item as { type?: unknown; text?: unknown }).type === 'literal' ? (item as { text?: unknown }).text : undefined;
      if (typeof text !== 'string' || ['#', '--', '/*'].includes(text) || wanted.includes(text)) continue;
      wanted.push(text);
    }
  }
  const shown = wanted.slice(0, 8).map((text) => `"${text}"`);
  const expectedPart = shown.length === 0 ? '' : `expected ${shown.join(', ')}${wanted.length > shown.length ? ', …' : ''} but `;
  const foundPart = typeof found === 'string' ? `found "${found}"` : 'found the end of the statement';
  return `${expectedPart}${foundPart}`;
}

/**
 * The parser is slow (most of a millisecond for a short SELECT) and a pure function of the text, and
 * agents send the same statements again and again with other parameters. So the trees of recent texts
 * are kept; each use gets a copy of its own, since the rewrite edits the tree it is given. Only what
 * parsed is kept: the 1,000 most recently used, within a million characters of text.
 */
const REMEMBERED_TEXT_MAX = 16_384;
const remembered = new LRUCache<string, ParsedMysql>({ max: 1_000, maxSize: 1_000_000, sizeCalculation: (_, code) => Math.max(1, code.length) });

/** Parses one statement (already lexed: `code` has no comments). Throws SQL_SYNTAX with a position when neither grammar accepts it. */
export function parseMysql(code: string, original: string = code): ParsedMysql {
  const known = remembered.get(code);
  if (known !== undefined) return { ast: structuredClone(known.ast), grammar: known.grammar };
  const parsed = parseAfresh(code, original);
  if (code.length <= REMEMBERED_TEXT_MAX) remembered.set(code, { ast: structuredClone(parsed.ast), grammar: parsed.grammar });
  return parsed;
}

function parseAfresh(code: string, original: string): ParsedMysql {
  // Outside the try: a parser that cannot be loaded is not a syntax error.
  const sqlParser = parserOf();
  let firstError: unknown;
  for (const grammar of ['MariaDB', 'MySQL'] as const) {
    try {
      const result = sqlParser.astify(code, { database: grammar });
      const statements = Array.isArray(result) ? result : [result];
      if (statements.length !== 1 || typeof statements[0] !== 'object' || statements[0] === null) {
        throw new AppError(ErrorCode.SQL_NOT_ALLOWED, 'Only one statement can be run at a time.', {
          construct: 'multiple statements',
        });
      }
      return { ast: statements[0] as unknown as AstNode, grammar };
    } catch (error) {
      if (error instanceof AppError) throw error;
      firstError ??= error;
    }
  }
  const start = locationOf(firstError);
  const offset = start?.offset;
  if (offset === undefined) {
    throw new AppError(
      ErrorCode.SQL_SYNTAX,
      'The statement could not be parsed as MySQL/MariaDB SQL.',
      undefined,
      { cause: firstError },
    );
  }
  const near = original.slice(offset, offset + 24).replace(/\s+/g, ' ').trim();
  throw new AppError(
    ErrorCode.SQL_SYNTAX,
    `Syntax error at line ${start?.line ?? 1}, column ${start?.column ?? offset + 1}` +
      (near ? ` near "${near}"` : ' at the end of the statement') +
      `: ${parserWords(firstError)}.` +
      ' If this is valid MySQL/MariaDB, the gate\'s parser does not support the construct: rewrite it with plainer syntax.',
    { position: offset },
    { cause: firstError },
  );
}

/** Prints an AST back to SQL with the grammar that parsed it (identifiers in backticks). */
export function sqlifyMysql(ast: AstNode, grammar: MysqlGrammar): string {
  return parserOf().sqlify(ast as unknown as AST, { database: grammar });
}
