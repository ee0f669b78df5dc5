/** Items by id, newest first, at most `limit`: what a list loaded once and then fed by a subscription shows. */
export function mergeNewest<T extends { id: string }>(current: readonly T[], incoming: readonly T[], timeOf: (item: T) => string, limit: number): T[] {
  const byId = new Map<string, T>();
  for (const item of [...incoming, ...current]) if (!byId.has(item.id)) byId.set(item.id, item);
  return [...byId.values()].sort((a, b) => timeOf(b).localeCompare(timeOf(a))).slice(0, limit);
}
