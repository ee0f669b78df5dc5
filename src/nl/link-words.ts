/**
 * Words for schema linking: the question's, and those of names, comments and sample values, brought to
 * one form on both sides of every comparison. Pure.
 */

export const STOP_WORDS = new Set(
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
 * Words that say how to compute or when, not what about ("total", "month", "top"): they match column
 * names everywhere, so they add to a table's score but never bring a table in on their own.
 */
export const GENERIC_WORDS = new Set(
  (
    'total totals number numbers count counts average averages avg mean median sum sums top bottom best worst ' +
    'first last latest recent current new value values rate share percent percentage ratio name names id ids ' +
    'date dates time times day days daily week weeks weekly month months monthly quarter quarters quarterly ' +
    'year years yearly annual today yesterday ago since until often ever never still long big large largest small ' +
    'smallest high highest low lowest amount amounts'
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

/** Lower-cased words of free text, every one of them (stop-words kept). */
export function allWords(text: string): string[] {
  const lower = text.toLowerCase();
  // ASCII text (nearly all names and comments) splits several times faster without Unicode classes.
  const words = ASCII.test(lower) ? lower.split(/[^a-z0-9]+/) : lower.split(/[^\p{L}\p{N}]+/u);
  return words.filter((word) => word !== '');
}

/** Lower-cased words of free text, stop-words dropped (not stemmed). */
export function tokenize(text: string): string[] {
  return allWords(text).filter((word) => !STOP_WORDS.has(word));
}

/** The words of an identifier: snake_case, kebab-case, camelCase and digits split apart. */
export function identifierWords(name: string): string[] {
  if (/^[a-z0-9_]*$/.test(name)) return tokenize(name);
  return tokenize(name.replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1 $2').replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, '$1 $2'));
}
