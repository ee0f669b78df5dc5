import { AppError, ErrorCode } from '../errors/app-error.js';
import { stemWord, tokenize } from '../nl/schema-linker.js';
import type { Connection } from './connection.js';
import { pageSize } from './connection.js';

/** What a search looks at in a term. */
export interface Searchable {
  id: string;
  term: string;
  synonyms: readonly string[];
  definition: string;
}

/** A word of the query found in the term's name counts most, in a synonym nearly as much, in the definition least. */
const WEIGHT = { term: 5, synonym: 4, definition: 1 };
/** A word that matches only once both are stemmed ("buyers" → "buyer") counts this much of an exact one. */
const STEM_SHARE = 0.8;
/** The whole query is the term's name, or one of its synonyms. */
const WHOLE_TERM = 20;
const WHOLE_SYNONYM = 15;

interface Words {
  exact: Set<string>;
  stems: Set<string>;
}

function wordsOf(text: string): Words {
  const exact = new Set(tokenize(text));
  return { exact, stems: new Set([...exact].map(stemWord)) };
}

const phrase = (text: string) => text.toLowerCase().replace(/\s+/g, ' ').trim();

/**
 * How well a term answers a query: each word of the query scores where it is found best (name,
 * synonyms, definition; exact words above stems), plus a bonus when the whole query is the term's name or
 * a synonym. 0: the query's words are nowhere in it.
 */
export function searchScore(query: string, item: Searchable): number {
  const wanted = tokenize(query);
  const fields: [Words, number][] = [
    [wordsOf(item.term), WEIGHT.term],
    [wordsOf(item.synonyms.join(' ')), WEIGHT.synonym],
    [wordsOf(item.definition), WEIGHT.definition],
  ];
  let score = 0;
  for (const word of wanted) {
    const stem = stemWord(word);
    let best = 0;
    for (const [words, weight] of fields) {
      if (words.exact.has(word)) best = Math.max(best, weight);
      else if (words.stems.has(stem)) best = Math.max(best, weight * STEM_SHARE);
    }
    score += best;
  }
  const whole = phrase(query);
  if (whole !== '') {
    if (phrase(item.term) === whole) score += WHOLE_TERM;
    else if (item.synonyms.some((s) => phrase(s) === whole)) score += WHOLE_SYNONYM;
  }
  return Math.round(score * 100) / 100;
}

type Position = [score: number, name: string, id: string];

const positionOf = (item: Searchable, score: number): Position => [score, item.term.toLowerCase(), item.id];

/** Best first; equal scores by name, then id. */
function compare(a: Position, b: Position): number {
  return b[0] - a[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0);
}

function encode(position: Position): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

function decode(cursor: string): Position {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 3 && typeof value[0] === 'number' && typeof value[1] === 'string' && typeof value[2] === 'string') {
      return value as Position;
    }
  } catch {
    // fall through to the error below
  }
  throw new AppError(ErrorCode.BAD_USER_INPUT, 'The cursor is not valid. Use an endCursor from a previous page of the same search.', { field: 'after' });
}

/**
 * One page of terms: with a query, those it matches, best first; without, all of them by name. The
 * cursor is the last item's place in that order, so a page follows on from the one before it even when
 * terms were added or removed in between.
 */
export function searchPage<T extends Searchable>(items: readonly T[], query: string | null | undefined, first?: number | null, after?: string | null): Connection<T> {
  const limit = pageSize(first);
  const searching = query !== undefined && query !== null && query.trim() !== '';
  const ranked = items
    .map((item) => ({ item, position: positionOf(item, searching ? searchScore(query, item) : 0) }))
    .filter((r) => !searching || r.position[0] > 0)
    .sort((a, b) => compare(a.position, b.position));
  const from = after ? decode(after) : undefined;
  const rest = from ? ranked.filter((r) => compare(r.position, from) > 0) : ranked;
  const page = rest.slice(0, limit);
  const edges = page.map((r) => ({ cursor: encode(r.position), node: r.item }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rest.length > limit,
      hasPreviousPage: from !== undefined,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: ranked.length,
  };
}
