/** Groups items under the given keys, in the keys' order; a key with no items gets an empty list. */
export function groupByKeys<K, T>(keys: readonly K[], items: readonly T[], keyOf: (item: T) => K): T[][] {
  const groups = new Map<K, T[]>(keys.map((key) => [key, []]));
  for (const item of items) groups.get(keyOf(item))?.push(item);
  return keys.map((key) => groups.get(key) ?? []);
}
