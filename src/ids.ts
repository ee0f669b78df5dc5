import { randomBytes } from 'node:crypto';

/**
 * Global ids: a type prefix and random base32 characters (`agt_…`, `key_…`, `db_…`, `grt_…`). The
 * prefix makes every id a global node id (the `node` query dispatches on it) and makes a pasted id
 * say what it is.
 */
export const ID_PREFIX = {
  Agent: 'agt',
  ApiKey: 'key',
  Database: 'db',
  Grant: 'grt',
  AuditEvent: 'evt',
  Schedule: 'sch',
  ScheduleRun: 'run',
  ExportDestination: 'dst',
  ExportLink: 'exp',
  CatalogTerm: 'trm',
} as const;

export type NodeTypeName = keyof typeof ID_PREFIX;

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

export function randomBase32(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += BASE32[byte & 31];
  return out;
}

export function newId(type: NodeTypeName, length = 16): string {
  return `${ID_PREFIX[type]}_${randomBase32(length)}`;
}

export function nodeTypeOf(id: string): NodeTypeName | undefined {
  const prefix = id.slice(0, id.indexOf('_'));
  return (Object.keys(ID_PREFIX) as NodeTypeName[]).find((type) => ID_PREFIX[type] === prefix);
}
