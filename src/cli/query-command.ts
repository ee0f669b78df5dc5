import type { QueryResultFieldsFragment } from '../../sdk/client.js';
import { UsageError } from './cli-errors.js';
import { cell, type Output } from './cli-output.js';
import { commandUsage } from './cli-usage.js';
import { integerFlag, onePositional, parseCommandArgs, readStdin, type Command } from './command-context.js';
import { databaseIdOf } from './gateway-client.js';

const USAGE = commandUsage('query');

/** warden query "SQL" | --ask "QUESTION" | --explain "SQL", as whoever WARDEN_KEY belongs to. */
export const queryCommand: Command = async (args, context) => {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      database: { type: 'string' },
      param: { type: 'string', multiple: true },
      'max-rows': { type: 'string' },
      ask: { type: 'string' },
      explain: { type: 'boolean' },
    },
    USAGE,
  );
  const { out } = context;
  const maxRows = integerFlag(values['max-rows'], '--max-rows', USAGE);
  if (values.ask !== undefined) {
    if (positionals.length > 0 || values.explain || values.param) throw new UsageError('--ask takes the question alone: no SQL, --explain or --param.', USAGE);
    const client = context.client();
    const databaseId = await databaseIdOf(client, values.database);
    const { askDatabase: answer } = await client.AskDatabase({
      databaseId,
      question: values.ask,
      ...(maxRows !== undefined ? { options: { maxRows } } : {}),
    });
    if (out.json) return out.value(answer);
    out.write(`${answer.sql}\n\n`);
    resultTable(out, answer.result);
    return out.write(`\n${answer.explanation.summary}\n(${answer.provider.name}/${answer.provider.model}, ${answer.usage.totalTokens} tokens, ${Math.round(answer.timings.totalMs)} ms)\n`);
  }

  const given = onePositional(positionals, 'the SQL statement (quote it; - reads it from stdin)', USAGE);
  const sql = given === '-' ? await readStdin() : given;
  const params = values.param?.map(paramOf);
  const client = context.client();
  const databaseId = await databaseIdOf(client, values.database);
  if (values.explain) {
    if (maxRows !== undefined) throw new UsageError('--explain runs nothing: --max-rows does not apply.', USAGE);
    const { explainQuery } = await client.ExplainQuery({ databaseId, sql, ...(params ? { params } : {}) });
    return out.json ? out.value(explainQuery) : out.write(`${JSON.stringify(explainQuery.plan, null, 2)}\n`);
  }
  const { runQuery } = await client.RunQuery({ databaseId, sql, ...(params ? { params } : {}), ...(maxRows !== undefined ? { maxRows } : {}) });
  return out.json ? out.value(runQuery) : resultTable(out, runQuery);
};

/** --param 5 is the number 5, --param DE the string "DE", --param '"5"' the string "5". */
function paramOf(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

function resultTable(out: Output, result: QueryResultFieldsFragment): void {
  if (result.columns.length > 0) {
    out.table(
      result.columns.map((c) => c.name),
      result.rows.map((row) => result.columns.map((c) => cell(row[c.name], 'NULL'))),
    );
  }
  const rows = result.statementType === 'SELECT' || result.columns.length > 0 ? `${result.rowCount} ${result.rowCount === 1 ? 'row' : 'rows'}` : `${result.statementType}: ${result.rowCount} changed`;
  const cut = result.truncated ? `, cut at the ${result.truncatedReason === 'BYTE_CAP' ? 'byte' : 'row'} cap` : '';
  out.write(`(${rows}${cut}, ${Math.round(result.durationMs)} ms)\n`);
}
