import type { LinkableColumn, LinkableTable } from './nl-types.js';

/**
 * How linked tables and catalog terms are written for the model: compact DDL-like text, one line per
 * table header, column and term. Free text (comments, samples, definitions, example SQL) is flattened to
 * one line and cut, so a hostile comment or term cannot add lines of its own. Pure.
 */

export type LinkDialect = 'postgres' | 'mysql';

const SAMPLES_SHOWN = 3;
const SAMPLE_CHARS = 40;
const COMMENT_CHARS = 160;
const DEFINITION_CHARS = 240;
const EXAMPLE_QUESTION_CHARS = 160;
const EXAMPLE_SQL_CHARS = 480;

const COMMON_RESERVED =
  'all alter analyse analyze and any array as asc asymmetric authorization between binary both by case cast check collate ' +
  'column constraint create cross current_date current_role current_time current_timestamp current_user default ' +
  'deferrable delete desc distinct do drop else end except exists false fetch for foreign freeze from full grant group ' +
  'having ilike in index initially inner insert intersect interval into is isnull join key lateral leading left like ' +
  'limit localtime localtimestamp natural not notnull null offset on only or order outer over overlaps partition ' +
  'placing primary range references returning right row rows select session_user set similar some symmetric table ' +
  'tablesample then to trailing true union unique update user using values variadic verbose when where window with';
const MYSQL_RESERVED =
  'accessible add before bigint blob call cascade change char character condition continue convert cube cume_dist ' +
  'cursor database databases dec decimal declare delayed dense_rank describe div double dual each elseif empty ' +
  'enclosed escaped exit explain first_value float function generated get groups high_priority hour_minute if ' +
  'ignore inout int integer iterate keys kill lag last_value lead leave lines load lock long loop match mod ' +
  'modifies nth_value ntile numeric of optimize option optionally out outfile percent_rank precision procedure ' +
  'purge rank read real recursive regexp release rename repeat replace require resignal restrict revoke rlike ' +
  'row_number schema schemas separator show signal spatial specific sql sqlexception sqlstate sqlwarning ' +
  'ssl starting stored straight_join system terminated trigger undo unlock unsigned usage use utc_date ' +
  'utc_time utc_timestamp varchar varying virtual while write xor year_month zerofill';

const RESERVED: Record<LinkDialect, Set<string>> = {
  postgres: new Set(COMMON_RESERVED.split(' ')),
  mysql: new Set(`${COMMON_RESERVED} ${MYSQL_RESERVED}`.split(' ')),
};

const CONTROL = /[\p{Cc}\u2028\u2029]/gu;

/** An identifier as the dialect needs it written: bare when it can be, quoted otherwise. */
export function quoteIdentifier(name: string, dialect: LinkDialect): string {
  // A control character in a name would break the one-line layout; the replacement makes any SQL that
  // copies it fail the gate's lookup instead of naming something else.
  const safe = name.replace(CONTROL, '\uFFFD');
  const bare = dialect === 'postgres' ? /^[a-z_][a-z0-9_$]*$/ : /^[A-Za-z_][A-Za-z0-9_$]*$/;
  if (bare.test(safe) && !RESERVED[dialect].has(safe.toLowerCase())) return safe;
  return dialect === 'postgres' ? `"${safe.replaceAll('"', '""')}"` : `\`${safe.replaceAll('`', '``')}\``;
}

/** Free text on one line, at most `max` characters. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(CONTROL, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1).trimEnd()}…` : flat;
}

function sampleLiteral(sample: string): string {
  return `'${oneLine(sample, SAMPLE_CHARS).replaceAll("'", "''")}'`;
}

/** A table as text: the columns `shown` picks, and foreign keys only to tables `mayName` allows. */
export function renderTable(
  table: LinkableTable,
  dialect: LinkDialect,
  shown: (index: number) => boolean,
  mayName: (schema: string, name: string) => boolean,
): string {
  const q = (name: string) => quoteIdentifier(name, dialect);
  const references = new Map<string, string>();
  for (const fk of table.foreignKeys) {
    if (!mayName(fk.referencedSchema, fk.referencedTable)) continue;
    const target =
      fk.referencedSchema === table.schema ? q(fk.referencedTable) : `${q(fk.referencedSchema)}.${q(fk.referencedTable)}`;
    fk.columns.forEach((column, i) => {
      const referenced = fk.referencedColumns[i];
      if (referenced !== undefined && !references.has(column)) references.set(column, `${target}.${q(referenced)}`);
    });
  }
  const primary = new Set(table.primaryKey);
  const lines = [`${q(table.schema)}.${q(table.name)}${table.comment ? ` -- ${oneLine(table.comment, COMMENT_CHARS)}` : ''}`];
  let hidden = 0;
  table.columns.forEach((column, index) => {
    if (shown(index)) lines.push(`  ${renderColumn(column, dialect, primary.has(column.name), references.get(column.name))}`);
    else hidden++;
  });
  if (hidden > 0) lines.push(`  -- ${hidden} more column${hidden === 1 ? '' : 's'}`);
  return lines.join('\n');
}

function renderColumn(column: LinkableColumn, dialect: LinkDialect, primary: boolean, reference: string | undefined): string {
  const type = oneLine(column.dataType, 60);
  let line = type ? `${quoteIdentifier(column.name, dialect)} ${type}` : quoteIdentifier(column.name, dialect);
  if (primary) line += ' pk';
  if (reference) line += ` -> ${reference}`;
  const notes: string[] = [];
  if (column.comment) notes.push(oneLine(column.comment, COMMENT_CHARS));
  const samples = (column.samples ?? []).slice(0, SAMPLES_SHOWN);
  if (samples.length > 0) notes.push(`e.g. ${samples.map(sampleLiteral).join(', ')}`);
  if (notes.length > 0) line += ` -- ${notes.join('; ')}`;
  return line;
}

/** A catalog term's definition as one comment line. */
export function renderDefinition(term: string, definition: string): string {
  const text = oneLine(definition, DEFINITION_CHARS);
  return `-- ${oneLine(term, 60)}${text ? `: ${text}` : ''}`;
}

/** A catalog example as one comment line: the question, then its SQL. */
export function renderExample(question: string, sql: string): string {
  return `-- example: ${oneLine(question, EXAMPLE_QUESTION_CHARS)} => ${oneLine(sql, EXAMPLE_SQL_CHARS)}`;
}

/** Tokens estimated as ceil(characters / 4). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
