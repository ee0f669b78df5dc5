import { AppError, ErrorCode } from '../../errors/app-error.js';
import type { GateCatalog, StatementAnalysis } from '../analysis.js';
import { fingerprintMysql } from './mysql-fingerprint.js';
import { type MysqlToken, lexMysql } from './mysql-lexer.js';
import { type AstNode, type MysqlGrammar, parseMysql } from './mysql-parser.js';
import { MysqlResolver } from './mysql-resolver.js';
import type { MysqlBindings } from './mysql-scope.js';
import { desugarWithinGroup, restoreWithinGroup } from './mysql-within-group.js';

/**
 * One MySQL/MariaDB statement taken through the gate's stages: lex (mysql-lexer.ts), refuse by
 * leading keyword every statement that is not SELECT/WITH/INSERT/REPLACE/UPDATE/DELETE or EXPLAIN
 * SELECT (many of them — DO, HANDLER, PREPARE, FLUSH… — the parser does not even know, and they must
 * read "not allowed", not "syntax error"), parse (mysql-parser.ts, with WITHIN GROUP carried through
 * by mysql-within-group.ts), resolve (mysql-resolver.ts).
 */
const STATEMENT_NAMES: Record<string, string> = {
  set: 'SET',
  use: 'USE',
  call: 'CALL',
  do: 'DO',
  handler: 'HANDLER',
  lock: 'LOCK TABLES',
  unlock: 'UNLOCK TABLES',
  grant: 'GRANT',
  revoke: 'REVOKE',
  begin: 'transaction control (BEGIN)',
  start: 'transaction control (START TRANSACTION)',
  commit: 'transaction control (COMMIT)',
  rollback: 'transaction control (ROLLBACK)',
  savepoint: 'transaction control (SAVEPOINT)',
  release: 'transaction control (RELEASE SAVEPOINT)',
  xa: 'transaction control (XA)',
  prepare: 'prepared statements (PREPARE)',
  execute: 'prepared statements (EXECUTE)',
  deallocate: 'prepared statements (DEALLOCATE PREPARE)',
  show: 'SHOW',
  describe: 'DESCRIBE',
  desc: 'DESCRIBE',
  flush: 'FLUSH',
  kill: 'KILL',
  create: 'DDL (CREATE)',
  drop: 'DDL (DROP)',
  alter: 'DDL (ALTER)',
  truncate: 'DDL (TRUNCATE)',
  rename: 'DDL (RENAME)',
  analyze: 'ANALYZE',
  optimize: 'table maintenance (OPTIMIZE)',
  repair: 'table maintenance (REPAIR)',
  check: 'table maintenance (CHECK)',
  checksum: 'table maintenance (CHECKSUM)',
  install: 'plugin management (INSTALL)',
  uninstall: 'plugin management (UNINSTALL)',
  shutdown: 'SHUTDOWN',
  reset: 'RESET',
  purge: 'PURGE',
  change: 'replication control (CHANGE)',
  binlog: 'BINLOG',
  cache: 'CACHE INDEX',
  help: 'HELP',
  signal: 'SIGNAL',
  resignal: 'RESIGNAL',
  get: 'GET DIAGNOSTICS',
  declare: 'DECLARE',
  values: 'VALUES',
  table: 'TABLE',
  backup: 'BACKUP',
  restart: 'RESTART',
  clone: 'CLONE',
};

const ALLOWED_LEADS = new Set(['select', 'with', 'insert', 'replace', 'update', 'delete', 'explain']);

function notAllowed(message: string, construct: string): never {
  throw new AppError(ErrorCode.SQL_NOT_ALLOWED, message, { construct });
}

function word(token: MysqlToken | undefined): string | undefined {
  return token?.kind === 'word' ? token.text.toLowerCase() : undefined;
}

/** Refuses, by its leading keywords, any statement that is not a plain read or write. */
function checkStatementKind(tokens: readonly MysqlToken[]): void {
  let index = 0;
  while (tokens[index]?.kind === 'symbol' && tokens[index]?.text === '(') index += 1;
  const lead = word(tokens[index]);
  if (lead === undefined) {
    throw new AppError(ErrorCode.SQL_SYNTAX, 'The statement does not start with a keyword.', { position: tokens[index]?.start ?? 0 });
  }
  if (!ALLOWED_LEADS.has(lead)) {
    let construct = STATEMENT_NAMES[lead] ?? lead.toUpperCase();
    if (lead === 'load') construct = `LOAD ${(word(tokens[index + 1]) ?? '').toUpperCase()}`.trim();
    const hint =
      lead === 'values' || lead === 'table' ? ' Use SELECT instead.' : ' Only SELECT, INSERT, UPDATE, DELETE, REPLACE and EXPLAIN SELECT are.';
    notAllowed(`${construct} statements are not allowed.${hint}`, construct);
  }
  if (lead === 'explain') {
    const next = word(tokens[index + 1]);
    if (next === 'analyze') notAllowed('EXPLAIN ANALYZE is not allowed: it runs the statement.', 'EXPLAIN ANALYZE');
    if (next === 'format' || next === 'extended' || next === 'partitions') {
      notAllowed(`EXPLAIN ${next.toUpperCase()} is not supported; use plain EXPLAIN SELECT.`, `EXPLAIN ${next.toUpperCase()}`);
    }
    if (next === 'insert' || next === 'update' || next === 'delete' || next === 'replace') {
      notAllowed('EXPLAIN is only allowed for a SELECT.', 'EXPLAIN of a write');
    }
    if (next !== 'select' && next !== 'with' && tokens[index + 1]?.text !== '(') {
      notAllowed('EXPLAIN is only allowed for a SELECT (table metadata comes from the catalog).', 'EXPLAIN of a table');
    }
  }
}

/** Everything the gate learns about a statement, including what the rewriter needs. */
export interface PreparedMysql {
  analysis: StatementAnalysis;
  ast: AstNode;
  grammar: MysqlGrammar;
  bindings: MysqlBindings;
}

/**
 * Analyses one MySQL/MariaDB statement against the catalog. Synchronous. Throws AppError:
 * SQL_SYNTAX when it cannot be lexed or parsed, SQL_NOT_ALLOWED for anything not understood or not
 * allowed (with `details.construct` naming it).
 */
export function analyseMysql(sql: string, catalog: GateCatalog): StatementAnalysis {
  return prepareMysql(sql, catalog).analysis;
}

/** Lexes, parses and resolves one statement. Used by analyseMysql and the rewriter. */
export function prepareMysql(sql: string, catalog: GateCatalog): PreparedMysql {
  const lexed = lexMysql(sql);
  checkStatementKind(lexed.tokens);
  const { ast, grammar } = parseMysql(desugarWithinGroup(lexed.code, lexed.tokens), sql);
  restoreWithinGroup(ast);
  const resolution = new MysqlResolver(catalog).resolveStatement(ast);
  return {
    analysis: {
      dialect: 'mysql',
      kind: resolution.kind,
      statementType: resolution.statementType,
      tables: resolution.tables,
      functions: resolution.functions,
      fingerprint: fingerprintMysql(lexed.tokens),
    },
    ast,
    grammar,
    bindings: resolution.bindings,
  };
}

