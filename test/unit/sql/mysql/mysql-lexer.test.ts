import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../../../src/errors/app-error.js';
import { normaliseMysql } from '../../../../src/sql/mysql/mysql-fingerprint.js';
import { lexMysql } from '../../../../src/sql/mysql/mysql-lexer.js';

function refusal(sql: string): AppError {
  try {
    lexMysql(sql);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error(`expected the lexer to refuse ${sql}`);
}

describe('lexMysql', () => {
  it('blanks comments and the trailing semicolon without moving anything', () => {
    const sql = "select a /* x */, b -- y\nfrom t # z\n;";
    const { code } = lexMysql(sql);
    expect(code).toHaveLength(sql.length);
    expect(code).toBe('select a        , b     \nfrom t    \n ');
  });

  it('keeps comment-like text inside strings and quoted identifiers', () => {
    const sql = "select '/*!x*/ -- # ;', `a -- b` from t";
    expect(lexMysql(sql).code).toBe(sql);
  });

  it('reads doubled quotes and backslash escapes inside strings', () => {
    const { tokens } = lexMysql("select 'it''s', 'a\\\\', 'x\\ny', `we``ird`");
    expect(tokens.map((token) => token.text)).toEqual(['select', "'it''s'", ',', "'a\\\\'", ',', "'x\\ny'", ',', '`we``ird`']);
  });

  it('refuses a backslash-escaped quote, which NO_BACKSLASH_ESCAPES would read differently', () => {
    expect(refusal("select 'a\\'b'").details).toMatchObject({ construct: 'backslash-escaped quote', position: 9 });
  });

  it('treats -- as a comment only before a space or control character, and refuses it otherwise', () => {
    expect(lexMysql('select 1 --').code).toBe('select 1   ');
    expect(lexMysql('select 1 --\tx').code.trim()).toBe('select 1');
    expect(refusal('select 1 --1').details?.construct).toBe('ambiguous double dash');
    expect(refusal('select a--b from t').details?.construct).toBe('ambiguous double dash');
  });

  it('refuses executable comments in every spelling, and optimizer hints', () => {
    for (const sql of ['select 1 /*!50000 , 2*/', 'select /*! 1 */', 'select 1 /*M!100000 , 2*/', 'select 1 /*m! x */']) {
      expect(refusal(sql).details?.construct).toBe('executable comment');
    }
    expect(refusal('select /*+ SET_VAR(sql_mode = "") */ 1').details?.construct).toBe('optimizer hint');
    expect(lexMysql('select 1 /* ! not executable */').code.trim()).toBe('select 1');
  });

  it('refuses nested comments and bare carriage returns in line comments', () => {
    expect(refusal('select 1 /* /* */').details?.construct).toBe('nested comment');
    expect(refusal('select 1 -- x\r, 2').details?.construct).toBe('carriage return in comment');
    expect(lexMysql('select 1 -- x\r\n, 2').code).toContain(', 2');
  });

  it('allows one trailing semicolon and nothing after it but comments', () => {
    expect(lexMysql('select 1 ; -- end').code.trim()).toBe('select 1');
    expect(refusal('select 1; select 2').details).toMatchObject({ construct: 'multiple statements', position: 8 });
    expect(refusal('select 1;;').details?.construct).toBe('multiple statements');
  });

  it('refuses double-quoted text and NUL characters', () => {
    expect(refusal('select "a"').details?.construct).toBe('double-quoted text');
    expect(refusal("select 'a\u0000'").details?.construct).toBe('NUL character');
    expect(refusal('select 1 -- \u0000').details?.construct).toBe('NUL character');
  });

  it('reports unterminated strings, identifiers and comments as syntax errors with their position', () => {
    for (const [sql, position] of [["select 'abc", 7], ['select `abc', 7], ['select 1 /* abc', 9], ["select 'a\\", 7]] as const) {
      const error = refusal(sql);
      expect(error.code).toBe(ErrorCode.SQL_SYNTAX);
      expect(error.details?.position).toBe(position);
    }
    expect(refusal('   ').code).toBe(ErrorCode.SQL_SYNTAX);
  });

  it('tells numbers, words and placeholders apart', () => {
    const kinds = lexMysql("select 1, 1.5, .5, 1e-3, 0x1f, x'41', t.a, ? from t").tokens.map((token) => `${token.kind}:${token.text}`);
    expect(kinds).toEqual([
      'word:select', 'number:1', 'symbol:,', 'number:1.5', 'symbol:,', 'number:.5', 'symbol:,', 'number:1e-3', 'symbol:,',
      'number:0x1f', 'symbol:,', 'word:x', "string:'41'", 'symbol:,', 'word:t', 'symbol:.', 'word:a', 'symbol:,',
      'placeholder:?', 'word:from', 'word:t',
    ]);
  });
});

describe('normaliseMysql', () => {
  it('replaces literals, folds lists and signs, lower-cases words and keeps quoted identifiers', () => {
    const text = normaliseMysql(lexMysql("SELECT `Id`, Total FROM orders WHERE id IN (1, 2, 3) AND total > -5 AND s = x'41' LIMIT ?").tokens);
    expect(text).toBe('select `Id` , total from orders where id in ( ? ) and total > ? and s = ? limit ?');
  });

  it('keeps a binary minus', () => {
    expect(normaliseMysql(lexMysql('select total - 5 from orders').tokens)).toBe('select total - ? from orders');
  });
});
