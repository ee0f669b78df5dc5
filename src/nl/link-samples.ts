/**
 * Sample values for schema linking: what the ask service keeps of a column's values read under the
 * agent's grants. The linker matches question words against all of them ("Phones" among twelve
 * category names) and shows the model only the first few, those that matched first. Pure.
 */

/** Distinct values kept per column for matching. */
export const SAMPLE_VALUES = 20;
/** Characters kept of each value. */
export const SAMPLE_VALUE_CHARS = 40;

/** Up to SAMPLE_VALUES distinct values, most frequent first (ties in text order), each cut to SAMPLE_VALUE_CHARS. */
export function distinctSamples(values: readonly unknown[]): string[] {
  const counts = new Map<string, number>();
  for (const value of values) {
    if (value === null || value === undefined) continue;
    const text = String(value).slice(0, SAMPLE_VALUE_CHARS);
    if (text.trim() === '') continue;
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, SAMPLE_VALUES)
    .map(([value]) => value);
}
