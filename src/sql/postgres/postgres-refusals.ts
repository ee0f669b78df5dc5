import type { Node } from 'libpg-query';
import { AppError, ErrorCode } from '../../errors/app-error.js';
import type { AppErrorDetails } from '../../errors/app-error.js';
import { kindOf, payloadOf } from './postgres-ast.js';

/**
 * The Postgres gate's refusals, each naming what was refused and why (`details.construct`,
 * `details.reason`): SQL_NOT_ALLOWED always, so an agent can tell a refusal from a syntax error.
 */

export function notAllowed(message: string, details: AppErrorDetails): AppError {
  return new AppError(ErrorCode.SQL_NOT_ALLOWED, message, details);
}

export function exactlyOneStatement(): AppError {
  return notAllowed('Send exactly one statement: empty input and several statements separated by ";" are refused.', {
    reason: 'exactly one statement',
  });
}

export function tooComplex(cause: unknown): AppError {
  return new AppError(
    ErrorCode.SQL_NOT_ALLOWED,
    'The statement is nested too deeply to be checked. Simplify it.',
    { reason: 'too complex' },
    { cause },
  );
}

export function unsupported(construct: string): AppError {
  return notAllowed(`The statement uses ${construct}, which the SQL gate does not understand, so it is refused.`, {
    construct,
    reason: 'not understood',
  });
}

export function catalogRead(name: string): AppError {
  return notAllowed(`Reading ${name} is not allowed: catalog reads are not allowed. Ask for the tables you have access to instead.`, {
    reason: 'catalog reads are not allowed',
    table: name,
  });
}

export function unknownTable(name: string): AppError {
  return notAllowed(`Unknown table ${name}: it is not in the database's catalog (names are case-sensitive when quoted).`, {
    reason: 'unknown table',
    table: name,
  });
}

export function unknownColumn(name: string): AppError {
  return notAllowed(`Unknown column ${name}: no table in scope has it.`, { reason: 'unknown column', column: name });
}

export function ambiguousColumn(name: string): AppError {
  return notAllowed(`Column ${name} is ambiguous: more than one table in scope has it. Qualify it with a table name or alias.`, {
    reason: 'ambiguous column',
    column: name,
  });
}

export function systemColumn(name: string): AppError {
  return notAllowed(`System column ${name} is not allowed.`, { reason: 'system column', column: name });
}

const STATEMENT_NAMES: Record<string, string> = {
  CreateTableAsStmt: 'CREATE TABLE AS',
  CopyStmt: 'COPY',
  VariableShowStmt: 'SHOW',
  CallStmt: 'CALL',
  DoStmt: 'DO',
  LockStmt: 'LOCK',
  ListenStmt: 'LISTEN',
  UnlistenStmt: 'UNLISTEN',
  NotifyStmt: 'NOTIFY',
  PrepareStmt: 'PREPARE',
  ExecuteStmt: 'EXECUTE',
  DeallocateStmt: 'DEALLOCATE',
  DeclareCursorStmt: 'DECLARE CURSOR',
  FetchStmt: 'FETCH',
  ClosePortalStmt: 'CLOSE',
  RefreshMatViewStmt: 'REFRESH MATERIALIZED VIEW',
  DiscardStmt: 'DISCARD',
  LoadStmt: 'LOAD',
  TruncateStmt: 'TRUNCATE',
  CheckPointStmt: 'CHECKPOINT',
  ClusterStmt: 'CLUSTER',
  ReindexStmt: 'REINDEX',
  DropStmt: 'DROP',
  CreateStmt: 'CREATE TABLE',
  IndexStmt: 'CREATE INDEX',
  ViewStmt: 'CREATE VIEW',
  CreateFunctionStmt: 'CREATE FUNCTION',
  CreateSchemaStmt: 'CREATE SCHEMA',
  CreateRoleStmt: 'CREATE ROLE',
  CreateExtensionStmt: 'CREATE EXTENSION',
  AlterTableStmt: 'ALTER TABLE',
  AlterRoleStmt: 'ALTER ROLE',
  AlterSystemStmt: 'ALTER SYSTEM',
  RenameStmt: 'ALTER … RENAME',
  CommentStmt: 'COMMENT',
  SecLabelStmt: 'SECURITY LABEL',
  ConstraintsSetStmt: 'SET CONSTRAINTS',
  CreateTrigStmt: 'CREATE TRIGGER',
  RuleStmt: 'CREATE RULE',
  CreateSeqStmt: 'CREATE SEQUENCE',
  AlterSeqStmt: 'ALTER SEQUENCE',
};

const TRANSACTION_NAMES: Record<string, string> = {
  TRANS_STMT_BEGIN: 'BEGIN',
  TRANS_STMT_START: 'START TRANSACTION',
  TRANS_STMT_COMMIT: 'COMMIT',
  TRANS_STMT_ROLLBACK: 'ROLLBACK',
  TRANS_STMT_SAVEPOINT: 'SAVEPOINT',
  TRANS_STMT_RELEASE: 'RELEASE SAVEPOINT',
  TRANS_STMT_ROLLBACK_TO: 'ROLLBACK TO SAVEPOINT',
  TRANS_STMT_PREPARE: 'PREPARE TRANSACTION',
  TRANS_STMT_COMMIT_PREPARED: 'COMMIT PREPARED',
  TRANS_STMT_ROLLBACK_PREPARED: 'ROLLBACK PREPARED',
};

/** A statement that is neither a read nor a write: name the construct in the refusal. */
export function deniedStatement(node: Node | undefined, prefix: string): AppError {
  const kind = kindOf(node);
  const value = node === undefined || kind === '' ? {} : payloadOf<Record<string, unknown>>(node);
  let construct: string;
  switch (kind) {
    case 'VariableSetStmt': {
      const name = typeof value.name === 'string' ? value.name : '';
      const reset = typeof value.kind === 'string' && value.kind.startsWith('VAR_RESET');
      construct = reset ? 'RESET' : name === 'role' ? 'SET ROLE' : name === 'session_authorization' ? 'SET SESSION AUTHORIZATION' : 'SET';
      break;
    }
    case 'TransactionStmt':
      construct = TRANSACTION_NAMES[String(value.kind)] ?? 'transaction control';
      break;
    case 'GrantStmt':
      construct = value.is_grant === true ? 'GRANT' : 'REVOKE';
      break;
    case 'GrantRoleStmt':
      construct = value.is_grant === true ? 'GRANT role' : 'REVOKE role';
      break;
    case 'VacuumStmt':
      construct = value.is_vacuumcmd === true ? 'VACUUM' : 'ANALYZE';
      break;
    case 'CreateTableAsStmt':
      construct = value.objtype === 'OBJECT_MATVIEW' ? 'CREATE MATERIALIZED VIEW' : 'CREATE TABLE AS';
      break;
    default:
      construct = STATEMENT_NAMES[kind] ?? (kind === '' ? 'an empty statement' : statementWords(kind));
  }
  construct = prefix + construct;
  return notAllowed(
    `${construct} is not allowed: only one SELECT, VALUES, TABLE, EXPLAIN, INSERT, UPDATE, DELETE or MERGE statement is accepted.`,
    { construct, reason: `${construct} is not a read or a write` },
  );
}

/** `AlterDomainStmt` → `ALTER DOMAIN`. */
function statementWords(kind: string): string {
  return kind
    .replace(/Stmt$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
}
