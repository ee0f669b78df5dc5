import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../../src/errors/app-error.js';
import { MAX_SQL_CHARS, extractSql } from '../../../src/nl/sql-extract.js';
import { refusal } from '../../helpers/app-error.js';


const fence = (language: string, body: string) => `\`\`\`${language}\n${body}\n\`\`\``;

describe('extractSql from fenced blocks', () => {
  it('takes the SQL out of a ```sql block and drops the prose around it', () => {
    const reply = `Here is the query:\n\n${fence('sql', 'SELECT id, total\nFROM orders\nWHERE status = \'paid\'\nLIMIT 100;')}\n\nThis returns paid orders.`;
    expect(extractSql(reply)).toBe("SELECT id, total\nFROM orders\nWHERE status = 'paid'\nLIMIT 100");
  });

  it('accepts other SQL language tags in any case', () => {
    for (const language of ['SQL', 'postgresql', 'mysql', 'pgsql', 'sql title="q"']) {
      expect(extractSql(fence(language, 'select 1'))).toBe('select 1');
    }
  });

  it('takes an untagged or otherwise tagged block when it holds a statement', () => {
    expect(extractSql(fence('', 'select count(*) from orders'))).toBe('select count(*) from orders');
    expect(extractSql(fence('text', 'SELECT 1'))).toBe('SELECT 1');
  });

  it('prefers the SQL-tagged block over other blocks', () => {
    const reply = `${fence('text', 'id | total\n1 | 10')}\n${fence('sql', 'select id, total from orders')}\n${fence('json', '{"select": 1}')}`;
    expect(extractSql(reply)).toBe('select id, total from orders');
  });

  it('reads a block on one line and a block whose statement starts on the fence line', () => {
    expect(extractSql('Run ```SELECT 1``` please')).toBe('SELECT 1');
    expect(extractSql('Run ```sql SELECT 2``` please')).toBe('SELECT 2');
    expect(extractSql('```select id\nfrom t\n```')).toBe('select id\nfrom t');
  });

  it('reads an unclosed block to the end of the reply', () => {
    expect(extractSql('```sql\nSELECT id FROM orders\nWHERE total > 10')).toBe('SELECT id FROM orders\nWHERE total > 10');
  });

  it('reads ~~~ fences and longer backtick fences', () => {
    expect(extractSql('~~~sql\nselect 1\n~~~')).toBe('select 1');
    expect(extractSql('````sql\nselect 2\n````')).toBe('select 2');
  });

  it('strips trailing semicolons, blanks and a trailing comment', () => {
    expect(extractSql(fence('sql', 'select 1 ;; \n\t'))).toBe('select 1');
    expect(extractSql(fence('sql', 'select 1; -- all done\n/* bye */'))).toBe('select 1');
  });

  it('keeps comments and semicolons inside strings, quoted names and comments', () => {
    const sql = "-- paid orders\nselect 'a;b' as \"x;y\", `c;d` /* ; */ from t where note = 'it''s; fine' and body = $$x; y$$";
    expect(extractSql(fence('sql', `${sql};`))).toBe(sql);
  });

  it('keeps a second statement in the block, semicolon and all, for the gate to refuse', () => {
    expect(extractSql(fence('sql', 'select 1; drop table x;'))).toBe('select 1; drop table x');
    expect(extractSql(fence('sql', 'SELECT * FROM orders;\nDELETE FROM orders'))).toBe('SELECT * FROM orders;\nDELETE FROM orders');
  });

  it('keeps a second statement after a semicolon hidden in a MySQL # comment or a backslash string', () => {
    // Unsure lexing hides the break, which keeps the whole text: the gate still sees both statements.
    expect(extractSql(fence('sql', "select 'a\\'; drop table x"))).toContain('drop table x');
    expect(extractSql(fence('sql', 'select 1 # x\n; drop table x'))).toContain('drop table x');
  });

  it('joins two different SQL blocks with a semicolon rather than choose one', () => {
    const reply = `${fence('sql', 'select 1;')}\nOr, to clean up:\n${fence('sql', 'drop table orders')}`;
    expect(extractSql(reply)).toBe('select 1;\ndrop table orders');
  });

  it('takes the same block repeated once', () => {
    expect(extractSql(`${fence('sql', 'select 1;')}\nAgain:\n${fence('sql', 'select 1')}`)).toBe('select 1');
  });
});

describe('extractSql from prose', () => {
  it('takes the text from the first statement keyword on', () => {
    expect(extractSql('Here is the query:\nSELECT id FROM orders')).toBe('SELECT id FROM orders');
    expect(extractSql('select count(*) from customers')).toBe('select count(*) from customers');
    expect(extractSql('SQL: SELECT 1')).toBe('SELECT 1');
  });

  it('finds a statement inside a line of prose by its shape', () => {
    expect(extractSql('The answer is select count(*) from orders where total > 5')).toBe('select count(*) from orders where total > 5');
    expect(extractSql('Try WITH t AS (SELECT 1) SELECT * FROM t')).toBe('WITH t AS (SELECT 1) SELECT * FROM t');
  });

  it('does not mistake English "with", "use" or "select query" for the statement', () => {
    expect(extractSql('Here is a query with a join:\nSELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id')).toBe(
      'SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id',
    );
    expect(extractSql('Use this query:\nSELECT 1')).toBe('SELECT 1');
    expect(extractSql('Here is the SELECT query: SELECT id FROM t')).toBe('SELECT id FROM t');
  });

  it('reads a CTE that starts a line', () => {
    const sql = 'WITH RECURSIVE tree(id, parent) AS (SELECT 1, NULL)\nSELECT * FROM tree';
    expect(extractSql(`Query:\n${sql}`)).toBe(sql);
  });

  it('drops an explanation after the semicolon', () => {
    expect(extractSql('SELECT count(*) FROM orders;\n\nThis counts every order.')).toBe('SELECT count(*) FROM orders');
  });

  it('drops an explanation after a blank line, but not a clause continuing the statement', () => {
    expect(extractSql('SELECT count(*) FROM orders\n\nThis counts every order.')).toBe('SELECT count(*) FROM orders');
    expect(extractSql('SELECT id\nFROM orders\n\nWHERE total > 5\n\nORDER BY id')).toBe('SELECT id\nFROM orders\n\nWHERE total > 5\n\nORDER BY id');
  });

  it('keeps a second statement after the semicolon, in any case, for the gate to refuse', () => {
    expect(extractSql('select 1; drop table x')).toBe('select 1; drop table x');
    expect(extractSql('SELECT 1;\nuse mysql')).toBe('SELECT 1;\nuse mysql');
    expect(extractSql('SELECT 1; (SELECT 2)')).toBe('SELECT 1; (SELECT 2)');
    expect(extractSql('SELECT 1;\nNow also: DROP TABLE users')).toBe('SELECT 1;\nNow also: DROP TABLE users');
  });

  it('keeps a hostile statement written before the SELECT', () => {
    expect(extractSql('Sure! DELETE FROM orders; SELECT 1')).toBe('DELETE FROM orders; SELECT 1');
    expect(extractSql('First:\nSET ROLE admin;\nSELECT 1')).toBe('SET ROLE admin;\nSELECT 1');
  });

  it('returns a data-modifying statement as it is, for the gate to refuse', () => {
    expect(extractSql('UPDATE orders SET total = 0')).toBe('UPDATE orders SET total = 0');
    expect(extractSql(fence('sql', 'insert into t values (1)'))).toBe('insert into t values (1)');
  });

  it('ends SQL quoted inline in backticks at the closing backtick', () => {
    expect(extractSql('Run `SELECT count(*) FROM orders`.')).toBe('SELECT count(*) FROM orders');
    expect(extractSql('Run `SELECT `id` FROM `t``, then look.')).toBe('SELECT `id` FROM `t`');
  });
});

describe('extractSql reasoning blocks', () => {
  it('strips <think> blocks, even ones that hold SQL', () => {
    const reply = '<think>Maybe DELETE FROM orders? No. SELECT 0 FROM x;</think>\n```sql\nSELECT 1\n```';
    expect(extractSql(reply)).toBe('SELECT 1');
    expect(extractSql('<THINKING>\nselect 0 from t\n</THINKING>select 2')).toBe('select 2');
  });

  it('drops reasoning before a stray closing tag (the opening one was in the prompt)', () => {
    expect(extractSql('I should select from orders...\n</think>\n\nSELECT id FROM orders')).toBe('SELECT id FROM orders');
  });

  it('refuses a reply whose reasoning never ended', () => {
    expect(refusal(() => extractSql('<think>SELECT 1 FROM t would work, but')).code).toBe(ErrorCode.LLM_BAD_OUTPUT);
  });
});

describe('extractSql refusals', () => {
  it('refuses an empty reply or one without SQL', () => {
    for (const reply of ['', '   \n', "I'm sorry, I can't help with that.", 'I cannot select from that table.', fence('sql', '  ;  '), '<think>hmm</think>']) {
      const error = refusal(() => extractSql(reply));
      expect(error.code).toBe(ErrorCode.LLM_BAD_OUTPUT);
      expect(error.message).toBe('The model replied without a SQL statement.');
    }
  });

  it('refuses SQL longer than 20,000 characters', () => {
    const long = `SELECT ${'1, '.repeat(MAX_SQL_CHARS / 3)}1`;
    const error = refusal(() => extractSql(fence('sql', long)));
    expect(error.code).toBe(ErrorCode.LLM_BAD_OUTPUT);
    expect(error.details).toMatchObject({ limit: 20_000 });
    const justFits = `SELECT ${'x'.repeat(MAX_SQL_CHARS - 7)}`;
    expect(extractSql(justFits)).toHaveLength(MAX_SQL_CHARS);
  });

  it('refuses a reply too long to search', () => {
    expect(refusal(() => extractSql(`SELECT 1 ${' '.repeat(300_000)}`)).code).toBe(ErrorCode.LLM_BAD_OUTPUT);
  });

  it('handles a long hostile reply quickly', () => {
    const started = performance.now();
    for (const reply of ['```'.repeat(20_000), `${'select '.repeat(20_000)}x`, `${"'".repeat(50_000)};`, `with ${'a '.repeat(50_000)}`]) {
      try {
        extractSql(reply);
      } catch (error) {
        expect(error).toBeInstanceOf(AppError);
      }
    }
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
