import type { LinkableColumn, LinkableTable, LinkedSchema } from './nl-types.js';

/**
 * Schema linking (DESIGN.md, "Natural language"): rank the tables and columns the agent may read by
 * how well they match a question, and render the best of them as compact DDL-like text within a
 * token budget. Pure and deterministic: the same question and tables always give the same text.
 *
 * The text holds only what the caller passed in (names, types, keys, comments, samples), flattened to
 * one line each so a hostile comment or sample cannot add lines of its own; tables left out are
 * counted, never named.
 */

export type LinkDialect = 'postgres' | 'mysql';

export interface LinkOptions {
  tokenBudget: number;
  dialect: LinkDialect;
}

// ───────────── words ─────────────

const STOP_WORDS = new Set(
  (
    'a an the of in on at for to by with without from into and or not no nor but if then than as is are was were be been ' +
    'being am do does did done have has had having i me my we us our you your he she they them their it its this that ' +
    'these those there here what which who whom whose when where why how many much any some each every all both per ' +
    'show list give get find tell return display fetch please can could would should will shall may might must ' +
    'so also just only very more most less least over under about above below between during same other such ' +
    'up down out off again once let lets want need like'
  ).split(' '),
);

/**
 * A crude English stemmer, the same on both sides of every comparison: plural "s"/"es"/"ies", then
 * "ing"/"ed" (undoubling a final consonant), then a final "e" — so "price", "prices" and "pricing"
 * meet at "pric", "boxes" and "box" at "box", "shipped" and "shipping" at "ship".
 */
export function stemWord(word: string): string {
  let w = word;
  if (w.length <= 3 || !/^[a-z]+$/.test(w)) return w;
  // Plural first ("ratings" → "rating"), then the verb ending ("rating" → "rat"), then a final "e".
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('s') && !/(?:ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.endsWith('ing') && w.length > 5) w = undouble(w.slice(0, -3));
  else if (w.endsWith('ed') && w.length > 4) w = undouble(w.slice(0, -2));
  if (w.endsWith('e') && w.length > 3) w = w.slice(0, -1);
  return w;
}

function undouble(w: string): string {
  const last = w.at(-1);
  return last !== undefined && w.at(-2) === last && !'aeiouslz'.includes(last) ? w.slice(0, -1) : w;
}

const ASCII = /^[\x20-\x7e]*$/;

/** Lower-cased words of free text, stop-words dropped (not stemmed). */
export function tokenize(text: string): string[] {
  const lower = text.toLowerCase();
  // ASCII text (nearly all names and comments) splits several times faster without Unicode classes.
  const words = ASCII.test(lower) ? lower.split(/[^a-z0-9]+/) : lower.split(/[^\p{L}\p{N}]+/u);
  const out: string[] = [];
  for (const word of words) {
    if (word !== '' && !STOP_WORDS.has(word)) out.push(word);
  }
  return out;
}

/** The words of an identifier: snake_case, kebab-case, camelCase and digits split apart. */
export function identifierWords(name: string): string[] {
  if (/^[a-z0-9_]*$/.test(name)) return tokenize(name);
  return tokenize(name.replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1 $2').replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, '$1 $2'));
}

// ───────────── scoring ─────────────

/** Weights: names beat comments, comments beat sample values; an exact word beats a stem match. */
const WEIGHT = {
  tableExact: 10,
  tableStem: 8,
  /** Every word of the table's name is in the question ("order items" → order_items, not orders). */
  tableCovered: 4,
  columnExact: 6,
  columnStem: 5,
  commentExact: 3,
  commentStem: 2,
  sampleExact: 2,
  sampleStem: 1.5,
} as const;

/** A table that bridges two matched tables along foreign keys scores this share of the weaker one. */
const BRIDGE_SHARE = 0.5;
/** A table one foreign key away from a matched table scores this share of it. */
const NEIGHBOUR_SHARE = 0.25;
/** Matched tables scoring at least this share of the best one seed the join-path search. */
const SEED_SHARE = 0.4;
const MAX_SEEDS = 8;
/** Longest join path searched between two seeds, in foreign keys. */
const MAX_PATH_EDGES = 4;

const SAMPLES_SHOWN = 3;
const SAMPLE_CHARS = 40;
const COMMENT_CHARS = 160;

interface Terms {
  /** stem → index of the question term. */
  byStem: Map<string, number>;
  /** Each term's raw words (several words can share a stem). */
  raws: Set<string>[];
}

function questionTerms(question: string): Terms {
  const byStem = new Map<string, number>();
  const raws: Set<string>[] = [];
  for (const word of tokenize(question)) {
    const stem = stemWord(word);
    let index = byStem.get(stem);
    if (index === undefined) {
      index = raws.length;
      byStem.set(stem, index);
      raws.push(new Set());
    }
    raws[index]?.add(word);
  }
  return { byStem, raws };
}

class Matcher {
  private readonly stems = new Map<string, string>();
  /**
   * Matches every lower-cased text holding a word that could stem to a question term: a stem is a
   * prefix of its word, but for "ies" → "y". Texts it rejects (most of them) are never split.
   */
  private readonly probe: RegExp | null;

  constructor(private readonly terms: Terms) {
    const probes = [...terms.byStem.keys()].map((stem) => (stem.length > 1 && stem.endsWith('y') ? stem.slice(0, -1) : stem));
    this.probe = probes.length === 0 ? null : new RegExp(probes.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'u');
  }

  get size(): number {
    return this.terms.raws.length;
  }

  /** Score the words of an identifier (split at _ and case changes). */
  identifier(name: string, scores: Float64Array, exact: number, stem: number): boolean {
    return this.mayMatch(name) && this.words(identifierWords(name), scores, exact, stem);
  }

  /** Score the words of free text. */
  text(text: string, scores: Float64Array, exact: number, stem: number): boolean {
    return this.mayMatch(text) && this.words(tokenize(text), scores, exact, stem);
  }

  /** Whether every word of the identifier is a question term. */
  covers(name: string): boolean {
    if (!this.mayMatch(name)) return false;
    const words = identifierWords(name);
    return words.length > 0 && words.every((word) => this.terms.byStem.has(this.stem(word)));
  }

  private mayMatch(text: string): boolean {
    return this.probe !== null && this.probe.test(text.toLowerCase());
  }

  private stem(word: string): string {
    let stemmed = this.stems.get(word);
    if (stemmed === undefined) {
      stemmed = stemWord(word);
      this.stems.set(word, stemmed);
    }
    return stemmed;
  }

  /** Raise `scores[term]` to the weight of each term that `words` hit. Returns whether any did. */
  private words(words: readonly string[], scores: Float64Array, exact: number, stem: number): boolean {
    let hit = false;
    for (const word of words) {
      const index = this.terms.byStem.get(this.stem(word));
      if (index === undefined) continue;
      const weight = this.terms.raws[index]?.has(word) ? exact : stem;
      if (weight > (scores[index] ?? 0)) scores[index] = weight;
      hit = true;
    }
    return hit;
  }
}

interface Scored {
  table: LinkableTable;
  key: string;
  /** From the table's own words. */
  direct: number;
  /** From foreign keys to matched tables. */
  linked: number;
  /** Indexes of columns that matched a question word. */
  matchedColumns: Set<number>;
  /** Position in the input, the last tie-breaker. */
  order: number;
}

const tableKey = (schema: string, name: string) => `${schema}\u0000${name}`;

function scoreTable(table: LinkableTable, matcher: Matcher, order: number): Scored {
  const size = matcher.size;
  const matchedColumns = new Set<number>();
  const scored: Scored = { table, key: tableKey(table.schema, table.name), direct: 0, linked: 0, matchedColumns, order };
  if (size === 0) return scored;

  const tableScores = new Float64Array(size);
  matcher.identifier(table.name, tableScores, WEIGHT.tableExact, WEIGHT.tableStem);
  if (table.comment) matcher.text(table.comment, tableScores, WEIGHT.commentExact, WEIGHT.commentStem);

  const columnScores = new Float64Array(size);
  table.columns.forEach((column, index) => {
    columnScores.fill(0);
    let hit = matcher.identifier(column.name, columnScores, WEIGHT.columnExact, WEIGHT.columnStem);
    if (column.comment) hit = matcher.text(column.comment, columnScores, WEIGHT.commentExact, WEIGHT.commentStem) || hit;
    for (const sample of column.samples ?? []) {
      hit = matcher.text(sample, columnScores, WEIGHT.sampleExact, WEIGHT.sampleStem) || hit;
    }
    if (!hit) return;
    matchedColumns.add(index);
    for (let term = 0; term < size; term++) {
      const value = columnScores[term] ?? 0;
      if (value > (tableScores[term] ?? 0)) tableScores[term] = value;
    }
  });

  // Each question word counts once per table, at its best match: a wide table gains nothing from size.
  let total = 0;
  for (const value of tableScores) total += value;
  if (total > 0 && matcher.covers(table.name)) total += WEIGHT.tableCovered;
  scored.direct = total;
  return scored;
}

/** Undirected foreign-key graph between the given tables. */
function foreignKeyGraph(scored: Scored[]): Map<string, Set<string>> {
  const known = new Set(scored.map((s) => s.key));
  const graph = new Map<string, Set<string>>();
  const link = (a: string, b: string) => {
    let set = graph.get(a);
    if (!set) graph.set(a, (set = new Set()));
    set.add(b);
  };
  for (const s of scored) {
    for (const fk of s.table.foreignKeys) {
      const other = tableKey(fk.referencedSchema, fk.referencedTable);
      if (other === s.key || !known.has(other)) continue;
      link(s.key, other);
      link(other, s.key);
    }
  }
  return graph;
}

/** Shortest path (by foreign keys) from `from` to `to`, endpoints included; neighbours visited in sorted order. */
function shortestPath(graph: Map<string, Set<string>>, from: string, to: string): string[] | null {
  const previous = new Map<string, string | null>([[from, null]]);
  let frontier = [from];
  for (let depth = 0; depth < MAX_PATH_EDGES && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const node of frontier) {
      for (const neighbour of [...(graph.get(node) ?? [])].sort()) {
        if (previous.has(neighbour)) continue;
        previous.set(neighbour, node);
        if (neighbour === to) {
          const path = [to];
          let step = previous.get(to) ?? null;
          while (step !== null) {
            path.push(step);
            step = previous.get(step) ?? null;
          }
          return path.reverse();
        }
        next.push(neighbour);
      }
    }
    frontier = next;
  }
  return null;
}

function addJoinPaths(scored: Scored[]): void {
  const byKey = new Map(scored.map((s) => [s.key, s]));
  const best = Math.max(0, ...scored.map((s) => s.direct));
  if (best <= 0) return;
  const seeds = scored
    .filter((s) => s.direct >= best * SEED_SHARE)
    .sort(byRank)
    .slice(0, MAX_SEEDS);
  const graph = foreignKeyGraph(scored);
  const raise = (key: string, value: number) => {
    const s = byKey.get(key);
    if (s && value > s.linked) s.linked = value;
  };
  for (const seed of seeds) {
    for (const neighbour of graph.get(seed.key) ?? []) raise(neighbour, seed.direct * NEIGHBOUR_SHARE);
  }
  for (let i = 0; i < seeds.length; i++) {
    for (let j = i + 1; j < seeds.length; j++) {
      const a = seeds[i] as Scored;
      const b = seeds[j] as Scored;
      const path = shortestPath(graph, a.key, b.key);
      if (!path) continue;
      const share = Math.min(a.direct, b.direct) * BRIDGE_SHARE;
      for (const key of path.slice(1, -1)) raise(key, share);
    }
  }
}

const scoreOf = (s: Scored) => Math.max(s.direct, s.linked);

function byRank(a: Scored, b: Scored): number {
  return scoreOf(b) - scoreOf(a) || compareText(a.table.schema, b.table.schema) || compareText(a.table.name, b.table.name) || a.order - b.order;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ───────────── rendering ─────────────

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
function oneLine(text: string, max: number): string {
  const flat = text.replace(CONTROL, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1).trimEnd()}…` : flat;
}

function sampleLiteral(sample: string): string {
  return `'${oneLine(sample, SAMPLE_CHARS).replaceAll("'", "''")}'`;
}

/** A table as text: the columns `shown` picks, and foreign keys only to tables `mayName` allows. */
function renderTable(
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

/** Tokens estimated as ceil(characters / 4). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

// ───────────── linking ─────────────

/**
 * Rank `tables` for `question` and render the best of them within `options.tokenBudget`.
 *
 * - Each question word scores a table once, at its best match: table name > column name > comment >
 *   sample value, exact word > stem. A table whose whole name is in the question gets a bonus.
 * - Tables on a foreign-key path between two strongly matched tables (a join path), and neighbours of
 *   those, are added with a smaller score.
 * - Tables are filled in rank order; one that does not fit whole is tried with only its matched and
 *   key columns; one that does not fit that way is left out (and a smaller one after it may still
 *   fit). The best table is always included when anything matched, even over the budget.
 * - When nothing matches, the smallest tables (fewest columns) are filled in until the budget.
 */
export function linkSchema(question: string, tables: LinkableTable[], options: LinkOptions): LinkedSchema {
  const matcher = new Matcher(questionTerms(question));
  const scored = tables.map((table, order) => scoreTable(table, matcher, order));
  addJoinPaths(scored);

  const anyMatch = scored.some((s) => scoreOf(s) > 0);
  const candidates = anyMatch
    ? scored.filter((s) => scoreOf(s) > 0).sort(byRank)
    : [...scored].sort(
        (a, b) =>
          a.table.columns.length - b.table.columns.length ||
          compareText(a.table.schema, b.table.schema) ||
          compareText(a.table.name, b.table.name) ||
          a.order - b.order,
      );

  // Choose with every foreign key drawn (the longest each table can be), then draw only those whose
  // referenced table made it in: the text never names a table it left out, and only gets shorter.
  const budgetChars = Math.max(0, options.tokenBudget) * 4;
  const everyTable = () => true;
  const picks: { candidate: Scored; shown: (index: number) => boolean }[] = [];
  let length = 0;
  for (const candidate of candidates) {
    const { table } = candidate;
    const separator = picks.length === 0 ? 0 : 1;
    const room = budgetChars - length - separator;
    const forced = anyMatch && picks.length === 0;
    const keys = new Set([...table.primaryKey, ...table.foreignKeys.flatMap((fk) => fk.columns)]);
    const inPart = (index: number) => candidate.matchedColumns.has(index) || keys.has(table.columns[index]?.name ?? '');
    // Lower bounds (quoting only lengthens a name) spare rendering tables that cannot fit.
    const header = table.schema.length + 1 + table.name.length;
    let wholeBound = header;
    let partBound = header;
    let partCount = 0;
    table.columns.forEach((column, index) => {
      wholeBound += column.name.length + 3;
      if (inPart(index)) {
        partBound += column.name.length + 3;
        partCount++;
      }
    });
    const hasPart = partCount > 0 && partCount < table.columns.length;
    if (!forced && (hasPart ? partBound : wholeBound) > room) continue;
    if (wholeBound <= room) {
      const whole = renderTable(table, options.dialect, everyTable, everyTable);
      if (whole.length <= room) {
        picks.push({ candidate, shown: everyTable });
        length += separator + whole.length;
        continue;
      }
    }
    if (!hasPart && !forced) continue;
    const shown = hasPart ? inPart : everyTable;
    const text = renderTable(table, options.dialect, shown, everyTable);
    if (forced || text.length <= room) {
      picks.push({ candidate, shown });
      length += separator + text.length;
    }
  }

  const chosenKeys = new Set(picks.map((p) => p.candidate.key));
  const mayName = (schema: string, name: string) => chosenKeys.has(tableKey(schema, name));
  const text = picks.map((p) => renderTable(p.candidate.table, options.dialect, p.shown, mayName)).join('\n');
  const chosen = picks.map(({ candidate: { table }, candidate, shown }) => ({
    schema: table.schema,
    name: table.name,
    score: round(scoreOf(candidate)),
    columns: table.columns.filter((_, index) => shown(index)).map((column) => column.name),
  }));
  return { tables: chosen, text, tokens: estimateTokens(text), omitted: tables.length - chosen.length };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
