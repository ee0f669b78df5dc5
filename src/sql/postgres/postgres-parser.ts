import { fingerprint, loadModule, parse } from 'libpg-query';
import type { Node, ParseResult } from 'libpg-query';
import { LRUCache } from 'lru-cache';
import { deparseSync } from 'pgsql-deparser';
import { AppError, ErrorCode } from '../../errors/app-error.js';
import { exactlyOneStatement, tooComplex } from './postgres-refusals.js';

/**
 * The real Postgres parser (libpg-query, PostgreSQL's own grammar compiled to WebAssembly) and the
 * deparser that prints a rewritten tree back to SQL, behind one small door: parse errors become
 * SQL_SYNTAX with a 1-based position, a tree too deep for the stack becomes SQL_NOT_ALLOWED, and
 * nothing but AppError leaves.
 */

let moduleReady: Promise<void> | undefined;

export async function ensureParser(): Promise<void> {
  moduleReady ??= loadModule();
  await moduleReady;
}

export async function parseTree(sql: string): Promise<ParseResult> {
  await ensureParser();
  if (sql.trim() === '') throw exactlyOneStatement();
  try {
    return await parseRemembered(sql);
  } catch (error) {
    throw syntaxError(error, 0);
  }
}

/**
 * Parsing is a pure function of the text, and agents send the same statements again and again (with
 * other parameters), as the gate itself parses each rewritten statement again to check it. So the trees
 * of recent texts are kept, as JSON: each use gets a tree of its own (the rewrite edits the tree it is
 * given), and JSON.parse is several times cheaper than the parser. Only what parsed is kept; a text's
 * entry holds its fingerprint too once asked. The 2,000 most recently used are kept, within 8 million
 * characters.
 */
const REMEMBERED_TEXT_MAX = 16_384;
const remembered = new LRUCache<string, { tree: string; fingerprint?: string }>({
  max: 2_000,
  maxSize: 8_000_000,
  // The text and its tree, in characters (a fingerprint added later is a few more).
  sizeCalculation: (entry, text) => text.length + entry.tree.length,
});

export async function parseRemembered(text: string): Promise<ParseResult> {
  const hit = remembered.get(text);
  if (hit !== undefined) return JSON.parse(hit.tree) as ParseResult;
  const parsed = await parse(text);
  if (text.length <= REMEMBERED_TEXT_MAX) remembered.set(text, { tree: JSON.stringify(parsed) });
  return parsed;
}

export async function parseOne(sql: string): Promise<Node> {
  const parsed = await parseTree(sql);
  const statement = parsed.stmts?.[0]?.stmt;
  if (parsed.stmts?.length !== 1 || statement === undefined) throw exactlyOneStatement();
  return statement;
}

export async function fingerprintOf(sql: string): Promise<string> {
  const entry = remembered.get(sql);
  if (entry?.fingerprint !== undefined) return entry.fingerprint;
  let found: string;
  try {
    found = await fingerprint(sql);
  } catch (error) {
    throw syntaxError(error, 0);
  }
  // Only a text that parsed (and so is remembered) keeps its fingerprint.
  if (entry !== undefined) entry.fingerprint = found;
  return found;
}

/** The gate throws AppError only: a statement too deep for the stack is refused, anything else is ours. */
export async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (error instanceof RangeError) throw tooComplex(error);
    throw new AppError(ErrorCode.INTERNAL, 'The SQL gate could not check the statement.', undefined, { cause: error });
  }
}

export function syntaxError(error: unknown, offset: number): AppError {
  if (error instanceof RangeError) return tooComplex(error);
  const details = (error as { sqlDetails?: { message?: string; cursorPosition?: number } } | null)?.sqlDetails;
  const message = details?.message ?? (error instanceof Error ? error.message : 'the statement could not be parsed');
  // libpg-query reports a 0-based character offset; Postgres and our callers count from 1.
  const position = Math.max(1, (details?.cursorPosition ?? 0) + 1 - offset);
  return new AppError(ErrorCode.SQL_SYNTAX, `SQL syntax error: ${message} (at character ${position}).`, { position }, { cause: error });
}

export function deparse(tree: ParseResult | Node): string {
  try {
    return deparseSync(tree, { pretty: false });
  } catch (error) {
    throw new AppError(ErrorCode.INTERNAL, 'The rewritten statement could not be printed.', undefined, { cause: error });
  }
}
