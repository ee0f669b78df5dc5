import type { LinkableTable } from './nl-types.js';
import { allWords, stemWord } from './link-words.js';

/**
 * Copies of tables (DESIGN.md, "Natural language"): backups, temporary and staging tables, old versions
 * and yearly archives sit next to the table they copy and share its words, so word matching alone would
 * send them along with it. A table is a copy when
 * - its name is another readable table's name with a copy's prefix (bak_, tmp_, old_, staging_…) or
 *   suffix (_backup, _copy, _old, _archive, _2019, _v2…), or
 * - its comment says so (backup, copy, deprecated, obsolete, legacy, "do not use").
 * A copy is linked only when the question names what makes it one ("the 2019 archive", "bak_customers",
 * "the backup"). Pure.
 */

const PREFIX = /^(bak|bkp|backup|tmp|temp|old|staging|stg|copy|archive|archived|deprecated)_(.+)$/i;
const SUFFIX = /^(.+?)_(bak|bkp|backup|copy|old|archive|archived|tmp|temp|deprecated|v\d+|\d{4}(?:_?\d{2}){0,2})$/i;
const COMMENT = /\b(backups?|cop(?:y|ies)|deprecated|obsolete|legacy|superseded|do not use|don't use|no longer used)\b/i;

/** Words a question may use for each mark. */
const ALIASES: Record<string, string[]> = {
  bak: ['bak', 'backup'],
  bkp: ['bkp', 'backup'],
  backup: ['backup', 'bak'],
  backups: ['backup', 'bak'],
  tmp: ['tmp', 'temp', 'temporary'],
  temp: ['temp', 'tmp', 'temporary'],
  staging: ['staging', 'stg'],
  stg: ['stg', 'staging'],
  old: ['old', 'older', 'previous', 'legacy'],
  archive: ['archive', 'archived'],
  archived: ['archive', 'archived'],
  copy: ['copy'],
  copies: ['copy'],
  deprecated: ['deprecated', 'old', 'legacy'],
  obsolete: ['obsolete', 'old', 'legacy'],
  legacy: ['legacy', 'old'],
  superseded: ['superseded', 'old'],
};

export interface CopyMarks {
  /** What the question must say to mean this copy (stemmed words). */
  words: Set<string>;
}

/** The copies among `tables`, by schema-qualified key, each with the words that name it. */
export function findCopies(tables: readonly LinkableTable[], keyOf: (table: LinkableTable) => string): Map<string, CopyMarks> {
  const names = new Set(tables.map((t) => t.name.toLowerCase()));
  const copies = new Map<string, CopyMarks>();
  for (const table of tables) {
    const marks: string[] = [];
    const name = table.name.toLowerCase();
    const prefixed = PREFIX.exec(name);
    if (prefixed && names.has(prefixed[2] ?? '')) marks.push(prefixed[1] ?? '');
    const suffixed = SUFFIX.exec(name);
    if (suffixed && names.has(suffixed[1] ?? '')) marks.push(suffixed[2] ?? '');
    const said = table.comment ? COMMENT.exec(table.comment) : null;
    if (said) {
      const mark = (said[1] ?? '').toLowerCase();
      marks.push(ALIASES[mark] ? mark : 'deprecated');
    }
    if (marks.length === 0) continue;
    const words = new Set<string>();
    for (const mark of marks) {
      for (const word of ALIASES[mark] ?? allWords(mark)) words.add(stemWord(word));
      // "_v2" is named by "v2"; "_2019_06" by "2019".
      for (const part of allWords(mark)) words.add(stemWord(part));
    }
    copies.set(keyOf(table), { words });
  }
  return copies;
}
