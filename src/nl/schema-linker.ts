import { AppError, ErrorCode } from '../errors/app-error.js';
import { findCopies } from './link-copies.js';
import { joinTables } from './link-paths.js';
import { estimateTokens, renderDefinition, renderExample, renderTable, type LinkDialect } from './link-render.js';
import { matchExamples, matchTerms, tablesNamedIn, type ExampleHit, type TermHit } from './link-terms.js';
import { allWords, GENERIC_WORDS, identifierWords, stemWord, tokenize } from './link-words.js';
import type { LinkableTable, LinkableTerm, LinkedSchema } from './nl-types.js';

/**
 * Schema linking (DESIGN.md, "Natural language"): find the tables and columns the agent may read that a
 * question is about, and render them as compact DDL-like text for the model. Pure and deterministic:
 * the same question, tables and terms always give the same text.
 *
 * 1. Score: each question word counts once per table, at its best match — table name > column name >
 *    sample value > comment, exact word > stem; a semantic catalog term or synonym in the question
 *    ("revenue", "signed up") counts for the tables and columns it links, above any name, and makes
 *    other tables' matches of the same words count half. Words that say how or when ("total",
 *    "month") count half and bring no table in alone. Copies (bak_, _2019, "Backup of…") count a
 *    fifth unless the question names what makes them a copy.
 * 2. Keep: the best table; tables the question names as written ("bak_customers"); tables a term it
 *    used links (or whose definition names them); tables an example question close to it reads; the
 *    tables within a share of the best score that match by name, value or term; and, for each word no
 *    kept table speaks of as well as another table does, that table. Then the foreign-key paths that
 *    join what was kept, chosen by how well their tables match the question (cheapest path), not by
 *    length alone; and when the question asks "when" or "who" and no chosen table has a date or a
 *    person's name, the joined table that has one.
 * 3. Render what was kept, with the definitions of the catalog terms the question used. The token
 *    budget is only a ceiling: over it, tables show only their matched and key columns, then the
 *    lowest ranked are left out (the best one never is).
 * 4. When nothing matches, link nothing: `candidates` names a few tables most likely meant, so the
 *    caller can ask which one (NEEDS_CLARIFICATION) instead of sending the model tables at random.
 *
 * The text holds only what the caller passed in, flattened to one line each; tables left out are
 * counted, never named.
 */

export { estimateTokens, quoteIdentifier, type LinkDialect } from './link-render.js';
export { identifierWords, stemWord, tokenize } from './link-words.js';

export interface LinkOptions {
  /** A ceiling on the schema text, in estimated tokens. */
  tokenBudget: number;
  dialect: LinkDialect;
  /** Semantic catalog terms about tables the agent may read. */
  terms?: readonly LinkableTerm[] | undefined;
}

/** Weights: names beat values, values beat comments; an exact word beats a stem match. */
export const WEIGHT = {
  term: 12,
  tableExact: 10,
  tableStem: 8,
  /** Every word of the table's name is in the question ("order items" → order_items, not orders). */
  tableCovered: 4,
  columnExact: 6,
  columnStem: 5,
  /** A key column's words name the table it points to ("customer_id"), not this one. */
  keyColumn: 2,
  sampleExact: 3,
  sampleStem: 2,
  commentExact: 3,
  commentStem: 2,
  /** Times the similarity of a close example question, for each table its SQL reads. */
  example: 10,
} as const;

/** Kept: tables scoring at least this share of the best one… */
export const RELEVANCE_SHARE = 0.8;
/** …and at least this much (a comment's exact word). */
export const RELEVANCE_FLOOR = 3;
/** A copy the question does not name counts this share. */
const COPY_SHARE = 0.2;
/** A generic word ("total", "month") counts this share. */
const GENERIC_SHARE = 0.5;
/** Another table's match of a word a catalog term explains counts this share. */
const EXPLAINED_SHARE = 0.5;
const MAX_CANDIDATES = 5;
/** Tables the caller may read sample values of before linking again. */
const SAMPLED = 6;
const MAX_EXAMPLES_SHOWN = 2;
/** A table brought in for one word only, scoring under this share of the best, must be close to the others. */
const OPTIONAL_SHARE = 0.5;

// ───────────── question words ─────────────

interface QuestionWords {
  /** stem → index of the question word. */
  byStem: Map<string, number>;
  /** Each word's raw forms (several words can share a stem). */
  raws: Set<string>[];
  /** Whether each word says how or when, not what about. */
  generic: boolean[];
}

function questionWords(question: string): QuestionWords {
  const byStem = new Map<string, number>();
  const raws: Set<string>[] = [];
  const generic: boolean[] = [];
  for (const word of tokenize(question)) {
    const stem = stemWord(word);
    let index = byStem.get(stem);
    if (index === undefined) {
      index = raws.length;
      byStem.set(stem, index);
      raws.push(new Set());
      generic.push(true);
    }
    raws[index]?.add(word);
    if (!GENERIC_WORDS.has(word)) generic[index] = false;
  }
  return { byStem, raws, generic };
}

class Matcher {
  private readonly stems = new Map<string, string>();
  /**
   * Matches every lower-cased text holding a word that could stem to a question word: a stem is a
   * prefix of its word, but for "ies" → "y". Texts it rejects (most of them) are never split.
   */
  private readonly probe: RegExp | null;

  constructor(private readonly words: QuestionWords) {
    const probes = [...words.byStem.keys()].map((stem) => (stem.length > 1 && stem.endsWith('y') ? stem.slice(0, -1) : stem));
    this.probe = probes.length === 0 ? null : new RegExp(probes.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'u');
  }

  get size(): number {
    return this.words.raws.length;
  }

  mayMatch(text: string): boolean {
    return this.probe !== null && this.probe.test(text.toLowerCase());
  }

  /** Whether the word is (a form of) a question word. */
  has(word: string): boolean {
    return this.words.byStem.has(this.stem(word));
  }

  stem(word: string): string {
    let stemmed = this.stems.get(word);
    if (stemmed === undefined) {
      stemmed = stemWord(word);
      this.stems.set(word, stemmed);
    }
    return stemmed;
  }

  /** Raise `scores[word]` to the weight of each question word `words` hit. Returns whether any did. */
  hit(words: readonly string[], scores: Float64Array, exact: number, stem: number): boolean {
    let hit = false;
    for (const word of words) {
      const index = this.words.byStem.get(this.stem(word));
      if (index === undefined) continue;
      const weight = this.words.raws[index]?.has(word) ? exact : stem;
      if (weight > (scores[index] ?? 0)) scores[index] = weight;
      hit = true;
    }
    return hit;
  }
}

// ───────────── scoring ─────────────

/** How a table matched a question word: a key column's words, a comment's, or a name, value or term. */
const enum Kind {
  Key,
  Note,
  Strong,
  Value,
}

/** A table's score for a question, and what it rests on. */
export interface RankedTable {
  table: LinkableTable;
  key: string;
  score: number;
  /** Per question word: the best match of any kind (the score adds these up)… */
  words: Float64Array;
  /** …the best but a key column's (the word is about this table)… */
  mentions: Float64Array;
  /** …and the best by name, value or term (which may bring the table in)… */
  strong: Float64Array;
  /** …and the best by a sample value (the question quotes data this table holds). */
  values: Float64Array;
  /** Indexes of columns that matched a question word or a term. */
  matchedColumns: Set<number>;
  /** Per column index: the sample values that matched a question word (shown first). */
  matchedSamples: Map<number, string[]>;
  copy: boolean;
  /** Brought in for sure: named as written, linked by a term the question used, or read by a close example. */
  certain: boolean;
  order: number;
}

const tableKey = (schema: string, name: string) => `${schema}\u0000${name}`;

function raise(entry: RankedTable, index: number, value: number, kind: Kind): void {
  if (value <= 0) return;
  if (value > (entry.words[index] ?? 0)) entry.words[index] = value;
  if (kind >= Kind.Note && value > (entry.mentions[index] ?? 0)) entry.mentions[index] = value;
  if (kind >= Kind.Strong && value > (entry.strong[index] ?? 0)) entry.strong[index] = value;
  if (kind === Kind.Value && value > (entry.values[index] ?? 0)) entry.values[index] = value;
}

function scoreWords(entry: RankedTable, matcher: Matcher): void {
  const { table } = entry;
  const size = matcher.size;
  const scores = new Float64Array(size);
  const apply = (kind: Kind, share = 1) => {
    for (let i = 0; i < size; i++) raise(entry, i, (scores[i] ?? 0) * share, kind);
  };
  if (matcher.mayMatch(table.name)) {
    const nameWords = identifierWords(table.name);
    if (matcher.hit(nameWords, scores, WEIGHT.tableExact, WEIGHT.tableStem)) {
      // A name with words the question does not use ("customer_notes" for "customers") counts less.
      apply(Kind.Strong, 0.5 + 0.5 * (nameWords.filter((w) => matcher.has(w)).length / nameWords.length));
    }
  }
  if (table.comment && matcher.mayMatch(table.comment)) {
    scores.fill(0);
    if (matcher.hit(tokenize(table.comment), scores, WEIGHT.commentExact, WEIGHT.commentStem)) apply(Kind.Note);
  }
  const keys = new Set(table.foreignKeys.flatMap((fk) => fk.columns));
  table.columns.forEach((column, index) => {
    let hit = false;
    if (matcher.mayMatch(column.name)) {
      scores.fill(0);
      const key = keys.has(column.name) || /(?:_id|Id)$/.test(column.name);
      const [exact, stem] = key ? [WEIGHT.keyColumn, WEIGHT.keyColumn] : [WEIGHT.columnExact, WEIGHT.columnStem];
      if (matcher.hit(identifierWords(column.name), scores, exact, stem)) {
        hit = true;
        apply(key ? Kind.Key : Kind.Strong);
      }
    }
    if (column.comment && matcher.mayMatch(column.comment)) {
      scores.fill(0);
      if (matcher.hit(tokenize(column.comment), scores, WEIGHT.commentExact, WEIGHT.commentStem)) {
        hit = true;
        apply(Kind.Note);
      }
    }
    for (const sample of column.samples ?? []) {
      if (!matcher.mayMatch(sample)) continue;
      scores.fill(0);
      if (matcher.hit(tokenize(sample), scores, WEIGHT.sampleExact, WEIGHT.sampleStem)) {
        hit = true;
        apply(Kind.Value);
        const matched = entry.matchedSamples.get(index);
        if (matched) matched.push(sample);
        else entry.matchedSamples.set(index, [sample]);
      }
    }
    if (hit) entry.matchedColumns.add(index);
  });
}

/**
 * Tables the question names as written ("bak_customers", "order_items"): names of two or more words,
 * matched whole. They are linked for sure, and their words are not looked for again.
 */
function namedAsWritten(question: string, tables: readonly LinkableTable[]): { named: Set<string>; rest: string } {
  const named = new Set<string>();
  let rest = question;
  const lower = question.toLowerCase();
  for (const table of tables) {
    const name = table.name.toLowerCase();
    if (!lower.includes(name) || !/[_\d]/.test(name) || identifierWords(name).length < 2) continue;
    const pattern = new RegExp(`(?<![\\p{L}\\p{N}_])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}\\p{N}_])`, 'giu');
    if (!pattern.test(lower)) continue;
    named.add(tableKey(table.schema, table.name));
    rest = rest.replace(pattern, ' ');
  }
  return { named, rest };
}

/**
 * Every table scored for the question, best first (ties by schema and name). Terms are matched by
 * their name and synonyms; examples by their question.
 */
export function rankTables(question: string, tables: readonly LinkableTable[], terms: readonly LinkableTerm[] = []): {
  ranked: RankedTable[];
  termHits: TermHit[];
  exampleHits: ExampleHit[];
  generic: boolean[];
  /** Kinds of column the question asks for by its form ("when", "per month", "who"). */
  asks: Ask[];
} {
  const { named, rest } = namedAsWritten(question, tables);
  const words = questionWords(rest);
  const matcher = new Matcher(words);
  const size = matcher.size;
  const keyOf = (t: LinkableTable) => tableKey(t.schema, t.name);
  const copies = findCopies(tables, keyOf);
  const asked = new Set(allWords(question).map(stemWord));
  const given = new Set(tables.map(keyOf));
  // Only terms about tables that were given: the catalog's provider hands out readable ones, and the
  // linker never names a table it was not given.
  const usable = terms.filter((t) => t.links.length > 0 && t.links.every((l) => given.has(tableKey(l.schema, l.table))));
  const termHits = matchTerms(rest, usable);
  const exampleHits = matchExamples(question, usable, tables, tableKey);

  const ranked = tables.map((table, order): RankedTable => {
    const entry: RankedTable = {
      table,
      key: keyOf(table),
      score: 0,
      words: new Float64Array(size),
      mentions: new Float64Array(size),
      strong: new Float64Array(size),
      values: new Float64Array(size),
      matchedColumns: new Set(),
      matchedSamples: new Map(),
      copy: false,
      certain: named.has(keyOf(table)),
      order,
    };
    if (size > 0) scoreWords(entry, matcher);
    return entry;
  });
  const byKey = new Map(ranked.map((r) => [r.key, r]));

  // Catalog terms: their links count as a name match of the words the term covers, and other tables'
  // matches of those words count less — the catalog says what the word means here.
  const explained = new Map<number, Set<string>>();
  for (const hit of termHits) {
    const indexes = hit.stems.map((s) => words.byStem.get(s)).filter((i): i is number => i !== undefined);
    // A definition that names tables as written ("join orders for the date") links them too.
    const named = tablesNamedIn(hit.term.definition, tables, tableKey).map((key) => ({ key, column: undefined }));
    for (const link of [...hit.term.links.map((l) => ({ key: tableKey(l.schema, l.table), column: l.column })), ...named]) {
      const entry = byKey.get(link.key);
      if (!entry) continue;
      entry.certain = true;
      for (const i of indexes) {
        raise(entry, i, WEIGHT.term, Kind.Strong);
        let set = explained.get(i);
        if (!set) explained.set(i, (set = new Set()));
        set.add(entry.key);
      }
      if (link.column !== undefined) {
        const index = entry.table.columns.findIndex((c) => c.name === link.column);
        if (index >= 0) entry.matchedColumns.add(index);
      }
    }
  }
  for (const entry of ranked) {
    for (const [i, linked] of explained) {
      if (linked.has(entry.key)) continue;
      for (const array of [entry.words, entry.mentions, entry.strong, entry.values]) array[i] = (array[i] ?? 0) * EXPLAINED_SHARE;
    }
  }

  for (const entry of ranked) {
    let total = 0;
    for (let i = 0; i < size; i++) total += (entry.words[i] ?? 0) * (words.generic[i] ? GENERIC_SHARE : 1);
    if (total > 0 && coversName(entry.table.name, matcher)) total += WEIGHT.tableCovered;
    if (entry.certain && named.has(entry.key)) total += WEIGHT.tableExact + WEIGHT.tableCovered;
    const marks = copies.get(entry.key);
    if (marks && !named.has(entry.key)) {
      const said = [...marks.words].filter((w) => asked.has(w));
      if (said.length === 0) {
        entry.copy = true;
        total *= COPY_SHARE;
      } else {
        // "the backup", "the 2019 archive": the word that makes it a copy names it.
        for (const index of new Set(said.map((w) => words.byStem.get(w)))) {
          if (index === undefined || (entry.strong[index] ?? 0) >= WEIGHT.tableExact) continue;
          total += WEIGHT.tableExact - (entry.words[index] ?? 0) * (words.generic[index] ? GENERIC_SHARE : 1);
          raise(entry, index, WEIGHT.tableExact, Kind.Strong);
        }
      }
    }
    entry.score = total;
  }
  for (const hit of exampleHits) {
    for (const key of hit.tables) {
      const entry = byKey.get(key);
      if (!entry) continue;
      entry.score += WEIGHT.example * hit.similarity;
      entry.certain = true;
    }
  }
  ranked.sort(byRank);
  const all = allWords(question);
  const asks = ASKS.filter((ask) => all.some((word) => ask.words.test(word)));
  return { ranked, termHits, exampleHits, generic: words.generic, asks };
}

/**
 * What the form of a question asks for: a time ("when", "per month", "in 2025", "last quarter") needs a
 * date or time column; "who" needs a person's name or address.
 */
interface Ask {
  words: RegExp;
  column: (column: LinkableTable['columns'][number]) => boolean;
}

const ASKS: Ask[] = [
  {
    words:
      /^(?:when|date|dates|day|days|daily|week|weeks|weekly|month|months|monthly|quarter|quarters|quarterly|year|years|yearly|annual|today|yesterday|ago|since|until|recent|recently|latest|january|february|march|april|june|july|august|september|october|november|december|(?:19|20)\d\d)$/,
    column: (c) => /date|time/i.test(c.dataType),
  },
  { words: /^(?:who|whom|whose)$/, column: (c) => /^(?:full_?name|first_?name|last_?name|e_?mail|user_?name|display_?name)$/i.test(c.name) },
];

/** Whether every word of the name is a question word. */
function coversName(name: string, matcher: Matcher): boolean {
  if (!matcher.mayMatch(name)) return false;
  const parts = identifierWords(name);
  return parts.length > 0 && parts.every((part) => matcher.has(part));
}

function byRank(a: RankedTable, b: RankedTable): number {
  return b.score - a.score || compareText(a.table.schema, b.table.schema) || compareText(a.table.name, b.table.name) || a.order - b.order;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ───────────── choosing ─────────────

/** Whether a question word has a match of substance (not generic), or a table was named or linked by a term. */
function substantive(ranked: readonly RankedTable[], generic: readonly boolean[]): boolean {
  return ranked.some((r) => r.certain || (r.score > 0 && r.words.some((value, i) => value > 0 && !generic[i])));
}

/**
 * The relevant tables: the best one, those within the cut-off, those the question names or a term
 * links; then, for each word no kept table speaks of as well as another table does, that table (only
 * optionally when it scores low and not by a value: then it is joined only when close to the others).
 */
function relevant(ranked: readonly RankedTable[], generic: readonly boolean[]): { seeds: RankedTable[]; optional: Set<string> } {
  const best = ranked[0]?.score ?? 0;
  const threshold = Math.max(RELEVANCE_FLOOR, best * RELEVANCE_SHARE);
  // Besides the best, a table comes in by its score only with a name, value or term match of substance:
  // comments and key columns alone make many tables score alike.
  const named = (r: RankedTable) => r.strong.some((value, i) => value > 0 && !generic[i]);
  const seeds = ranked.filter((r, i) => i === 0 || r.certain || (r.score >= threshold && !r.copy && named(r)));
  const keys = new Set(seeds.map((r) => r.key));
  const optional = new Set<string>();
  for (let word = 0; word < generic.length; word++) {
    if (generic[word]) continue;
    let choice: RankedTable | undefined;
    for (const r of ranked) {
      const value = r.strong[word] ?? 0;
      // Ranked order breaks ties: the first with the best value is the better table overall.
      if (value > 0 && !r.copy && (!choice || value > (choice.strong[word] ?? 0))) choice = r;
    }
    if (!choice || keys.has(choice.key) || choice.score < RELEVANCE_FLOOR) continue;
    const bestValue = choice.strong[word] ?? 0;
    if (seeds.some((r) => (r.mentions[word] ?? 0) >= bestValue)) continue;
    seeds.push(choice);
    keys.add(choice.key);
    // A value the question quotes is evidence enough; one name among many is not, when it scores low.
    if (choice.score < best * OPTIONAL_SHARE && (choice.values[word] ?? 0) === 0) optional.add(choice.key);
  }
  return { seeds, optional };
}

/**
 * What the question's form asks for ("when…", "per month", "who…"): when no chosen table has such a
 * column, the best-ranked table joined to one of them that has one.
 */
function withAsked(chosen: RankedTable[], ranked: readonly RankedTable[], asks: readonly Ask[]): RankedTable[] {
  let result = chosen;
  for (const ask of asks) {
    if (result.some((r) => r.table.columns.some(ask.column))) continue;
    const keys = new Set(result.map((r) => r.key));
    const neighbours = new Set<string>();
    for (const r of ranked) {
      for (const fk of r.table.foreignKeys) {
        const other = tableKey(fk.referencedSchema, fk.referencedTable);
        if (keys.has(r.key) && !keys.has(other)) neighbours.add(other);
        if (keys.has(other) && !keys.has(r.key)) neighbours.add(r.key);
      }
    }
    const found = ranked.find((r) => neighbours.has(r.key) && !r.copy && r.table.columns.some(ask.column));
    if (found) result = [...result, found];
  }
  return result;
}

/**
 * A few tables most likely meant when nothing of substance matched: names that look like the
 * question's words ("custmers"), then those matching its generic words ("total"), then the most joined.
 */
function candidatesFor(question: string, ranked: readonly RankedTable[]): RankedTable[] {
  const words = allWords(question).filter((w) => w.length >= 3).map(stemWord);
  const degree = new Map<string, number>();
  for (const r of ranked) {
    for (const fk of r.table.foreignKeys) {
      const other = tableKey(fk.referencedSchema, fk.referencedTable);
      degree.set(r.key, (degree.get(r.key) ?? 0) + 1);
      degree.set(other, (degree.get(other) ?? 0) + 1);
    }
  }
  const likeness = (r: RankedTable) => Math.max(0, ...identifierWords(r.table.name).map((part) => Math.max(0, ...words.map((w) => trigramDice(stemWord(part), w)))));
  const canonical = ranked.filter((r) => !r.copy);
  return canonical
    .map((r) => ({ r, like: likeness(r) }))
    .sort(
      (a, b) =>
        (b.like >= 0.4 ? b.like : 0) - (a.like >= 0.4 ? a.like : 0) ||
        b.r.score - a.r.score ||
        (degree.get(b.r.key) ?? 0) - (degree.get(a.r.key) ?? 0) ||
        compareText(a.r.table.schema, b.r.table.schema) ||
        compareText(a.r.table.name, b.r.table.name),
    )
    .slice(0, MAX_CANDIDATES)
    .map((x) => x.r);
}

function trigramDice(a: string, b: string): number {
  const grams = (s: string) => {
    const padded = `  ${s} `;
    const out = new Set<string>();
    for (let i = 0; i + 3 <= padded.length; i++) out.add(padded.slice(i, i + 3));
    return out;
  };
  const x = grams(a);
  const y = grams(b);
  let common = 0;
  for (const g of x) if (y.has(g)) common++;
  return (2 * common) / (x.size + y.size);
}

// ───────────── linking ─────────────

/** Link a question to `tables` (only what the agent may read) and render what it is about. */
export function linkSchema(question: string, tables: LinkableTable[], options: LinkOptions): LinkedSchema {
  const { ranked, termHits, exampleHits, generic, asks } = rankTables(question, tables, options.terms ?? []);
  const qualified = (r: RankedTable) => `${r.table.schema}.${r.table.name}`;
  if (ranked.length === 0) return { tables: [], text: '', tokens: 0, omitted: 0, terms: [], candidates: [], worthSampling: [] };
  if (!substantive(ranked, generic)) {
    const candidates = candidatesFor(question, ranked);
    return {
      tables: [],
      text: '',
      tokens: 0,
      omitted: tables.length,
      terms: [],
      candidates: candidates.map(qualified),
      worthSampling: candidates.map((r) => ({ schema: r.table.schema, name: r.table.name })),
    };
  }

  const { seeds, optional } = relevant(ranked, generic);
  const best = ranked[0]?.score ?? 0;
  let joined = joinTables(seeds, ranked, best, optional);
  joined = withAsked(joined, ranked, asks);
  const order = new Map(ranked.map((r, i) => [r.key, i]));
  // Seeds first (by rank), then the tables that join them (by rank).
  const seedKeys = new Set(seeds.map((s) => s.key));
  const chosen = [...joined].sort((a, b) => Number(seedKeys.has(b.key)) - Number(seedKeys.has(a.key)) || (order.get(a.key) ?? 0) - (order.get(b.key) ?? 0));

  const { picks, text } = fitBudget(chosen, options, termHits, exampleHits);
  const worthSampling = samplingOrder(chosen, ranked).map((r) => ({ schema: r.table.schema, name: r.table.name }));
  return {
    tables: picks.map(({ entry, shown }) => ({
      schema: entry.table.schema,
      name: entry.table.name,
      score: round(entry.score),
      columns: entry.table.columns.filter((_, index) => shown(index)).map((column) => column.name),
    })),
    text: text.body,
    tokens: estimateTokens(text.body),
    omitted: tables.length - picks.length,
    terms: text.terms,
    candidates: [],
    worthSampling,
  };
}

/**
 * The tables whose sample values are worth reading before linking again: those chosen, then others that
 * matched, then the neighbours of those chosen (where the values of a dimension often are: a category's
 * name next to its products), then the rest — copies never.
 */
function samplingOrder(chosen: readonly RankedTable[], ranked: readonly RankedTable[]): RankedTable[] {
  const keys = new Set(chosen.map((r) => r.key));
  const neighbours = new Set<string>();
  for (const r of ranked) {
    for (const fk of r.table.foreignKeys) {
      const other = tableKey(fk.referencedSchema, fk.referencedTable);
      if (keys.has(r.key)) neighbours.add(other);
      if (keys.has(other)) neighbours.add(r.key);
    }
  }
  const rest = ranked.filter((r) => !r.copy && !keys.has(r.key));
  const rank = (r: RankedTable) => (r.score > 0 ? 0 : neighbours.has(r.key) ? 1 : 2);
  const others = rest.map((r, i) => ({ r, i })).sort((a, b) => rank(a.r) - rank(b.r) || a.i - b.i).map((x) => x.r);
  return [...chosen.filter((r) => !r.copy), ...others].slice(0, SAMPLED);
}

interface Pick {
  entry: RankedTable;
  shown: (index: number) => boolean;
}

const everyColumn = () => true;

/**
 * The chosen tables as text within the budget: whole while they fit; over it, tables show only their
 * matched and key columns (lowest ranked first), then the lowest ranked are left out, never the first.
 * Term definitions and examples come last and are left out first. Sizes are measured with every
 * foreign key drawn (the longest each table can be); the final text draws only those whose table made
 * it in, so it never names a table left out and is never longer than measured.
 */
function fitBudget(
  chosen: RankedTable[],
  options: LinkOptions,
  termHits: TermHit[],
  exampleHits: ExampleHit[],
): { picks: Pick[]; text: { body: string; terms: string[] } } {
  const budgetChars = Math.max(0, options.tokenBudget) * 4;
  const chosenKeys = new Set(chosen.map((r) => r.key));
  const anyChosen = (schema: string, name: string) => chosenKeys.has(tableKey(schema, name));
  const picks: Pick[] = chosen.map((entry) => ({ entry, shown: everyColumn }));
  const measure = (pick: Pick) => renderTable(withMatchedSamplesFirst(pick.entry), options.dialect, pick.shown, anyChosen).length;
  const lengths = picks.map(measure);
  const total = () => lengths.reduce((sum, n) => sum + n, 0) + Math.max(0, lengths.length - 1);
  const notes = termNotes(termHits, exampleHits, chosenKeys);
  const notesLength = notes.lines.reduce((sum, line) => sum + line.length + 1, 0);
  const withNotes = total() + notesLength <= budgetChars;
  if (!withNotes) {
    for (let i = picks.length - 1; i >= 0 && total() > budgetChars; i--) {
      const pick = picks[i] as Pick;
      const { table } = pick.entry;
      const keys = new Set([...table.primaryKey, ...table.foreignKeys.flatMap((fk) => fk.columns)]);
      const part = (index: number) => pick.entry.matchedColumns.has(index) || keys.has(table.columns[index]?.name ?? '');
      const count = table.columns.filter((_, index) => part(index)).length;
      if (count > 0 && count < table.columns.length) {
        pick.shown = part;
        lengths[i] = measure(pick);
      }
    }
    while (picks.length > 1 && total() > budgetChars) {
      picks.pop();
      lengths.pop();
    }
  }
  const keys = new Set(picks.map((p) => p.entry.key));
  const mayName = (schema: string, name: string) => keys.has(tableKey(schema, name));
  const blocks = picks.map((p) => renderTable(withMatchedSamplesFirst(p.entry), options.dialect, p.shown, mayName));
  const lines = withNotes ? notes.lines : [];
  return { picks, text: { body: [...blocks, ...lines].join('\n'), terms: withNotes ? notes.terms : [] } };
}

/** The table with each column's matching sample values first (only the first few are shown). */
function withMatchedSamplesFirst(entry: RankedTable): LinkableTable {
  if (entry.matchedSamples.size === 0) return entry.table;
  return {
    ...entry.table,
    columns: entry.table.columns.map((column, index) => {
      const matched = entry.matchedSamples.get(index);
      if (!matched || !column.samples) return column;
      return { ...column, samples: [...matched, ...column.samples.filter((s) => !matched.includes(s))] };
    }),
  };
}

/** Definitions of the terms the question used and close examples, for the tables shown. */
function termNotes(termHits: TermHit[], exampleHits: ExampleHit[], shown: Set<string>): { lines: string[]; terms: string[] } {
  const lines: string[] = [];
  const terms: string[] = [];
  const seen = new Set<string>();
  for (const { term } of [...termHits].sort((a, b) => compareText(a.term.term, b.term.term))) {
    if (seen.has(term.term) || !term.links.some((l) => shown.has(tableKey(l.schema, l.table)))) continue;
    seen.add(term.term);
    terms.push(term.term);
    lines.push(renderDefinition(term.term, term.definition));
  }
  let examples = 0;
  for (const hit of exampleHits) {
    if (examples >= MAX_EXAMPLES_SHOWN || hit.tables.length === 0 || !hit.tables.every((key) => shown.has(key))) continue;
    examples++;
    lines.push(renderExample(hit.example.question, hit.example.sql));
  }
  return { lines, terms };
}

/**
 * NEEDS_CLARIFICATION for a question that matched no table: it names the few most likely meant (names
 * only) and asks which.
 */
export function clarificationNeeded(candidates: readonly string[]): AppError {
  const list = candidates.length > 0 ? ` Tables you may read include ${candidates.join(', ')}.` : '';
  return new AppError(
    ErrorCode.NEEDS_CLARIFICATION,
    `No table or column you may read matches the question, so it was not sent to the model.${list} Say which table or columns you mean, or ask again with words from their names.`,
    { candidates: [...candidates] },
  );
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
