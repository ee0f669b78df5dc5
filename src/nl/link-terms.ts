import type { LinkableTable, LinkableTerm } from './nl-types.js';
import { allWords, stemWord, STOP_WORDS } from './link-words.js';

/**
 * A semantic catalog's terms as schema linking uses them (DESIGN.md, "Natural language"): a term or
 * one of its synonyms in the question ("revenue", "signed up", "buyers") points at the tables and
 * columns the term links; an example question close to the question points at the tables its SQL
 * reads. Phrases are matched word by word after stemming, stop-words included, so "signed up" matches
 * "customers who signed up" and not "sign-in ups". Pure.
 */

/** An example counts when this share of the two questions' words (Dice) is common to both. */
export const EXAMPLE_SIMILARITY = 0.5;

export interface TermHit {
  term: LinkableTerm;
  /** The question's stemmed content words the matched phrase covers. */
  stems: string[];
}

export interface ExampleHit {
  term: LinkableTerm;
  example: { question: string; sql: string };
  similarity: number;
  /** Keys (schema \0 name) of the given tables its SQL names. */
  tables: string[];
}

const stems = (text: string) => allWords(text).map(stemWord);

/** Terms whose name or a synonym occurs in the question, in catalog order. */
export function matchTerms(question: string, terms: readonly LinkableTerm[]): TermHit[] {
  const sequence = stems(question);
  const hits: TermHit[] = [];
  for (const term of terms) {
    const covered = new Set<string>();
    for (const phrase of [term.term, ...term.synonyms]) {
      const words = stems(phrase);
      if (words.length === 0 || words.every((w) => STOP_WORDS.has(w))) continue;
      if (occursIn(sequence, words)) for (const w of words) if (!STOP_WORDS.has(w)) covered.add(w);
    }
    if (covered.size > 0) hits.push({ term, stems: [...covered].sort() });
  }
  return hits;
}

function occursIn(sequence: readonly string[], words: readonly string[]): boolean {
  outer: for (let i = 0; i + words.length <= sequence.length; i++) {
    for (let j = 0; j < words.length; j++) if (sequence[i + j] !== words[j]) continue outer;
    return true;
  }
  return false;
}

/** Content words of a question, stemmed, as a set. */
function contentStems(text: string): Set<string> {
  return new Set(allWords(text).filter((w) => !STOP_WORDS.has(w)).map(stemWord));
}

/** Examples whose question is close to this one (Dice ≥ EXAMPLE_SIMILARITY), closest first. */
export function matchExamples(
  question: string,
  terms: readonly LinkableTerm[],
  tables: readonly LinkableTable[],
  keyOf: (schema: string, name: string) => string,
): ExampleHit[] {
  const asked = contentStems(question);
  if (asked.size === 0) return [];
  const hits: ExampleHit[] = [];
  for (const term of terms) {
    for (const example of term.examples) {
      const words = contentStems(example.question);
      if (words.size === 0) continue;
      let common = 0;
      for (const w of words) if (asked.has(w)) common++;
      const similarity = (2 * common) / (words.size + asked.size);
      if (similarity < EXAMPLE_SIMILARITY) continue;
      hits.push({ term, example, similarity, tables: tablesNamedIn(example.sql, tables, keyOf) });
    }
  }
  return hits.sort((a, b) => b.similarity - a.similarity || (a.example.question < b.example.question ? -1 : a.example.question > b.example.question ? 1 : 0));
}

/**
 * The given tables a statement names, by a scan of its identifiers (bare, quoted, schema-qualified):
 * no parser, so a column that shares a table's name counts too — a few tables too many, never a
 * table that was not given.
 */
export function tablesNamedIn(sql: string, tables: readonly LinkableTable[], keyOf: (schema: string, name: string) => string): string[] {
  const words = new Set<string>();
  for (const match of sql.matchAll(/"((?:[^"]|"")+)"|`((?:[^`]|``)+)`|([\p{L}_][\p{L}\p{N}_$]*)/gu)) {
    const quoted = match[1]?.replaceAll('""', '"') ?? match[2]?.replaceAll('``', '`');
    if (quoted !== undefined) words.add(quoted);
    else if (match[3] !== undefined) words.add(match[3].toLowerCase());
  }
  const found: string[] = [];
  for (const table of tables) {
    if (words.has(table.name) || words.has(table.name.toLowerCase())) found.push(keyOf(table.schema, table.name));
  }
  return found;
}
