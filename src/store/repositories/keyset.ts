import { sql, type RawBuilder, type SqlBool } from 'kysely';

/** A position in a list ordered by (created_at, id): the last row of the previous page. */
export interface KeysetPosition {
  createdAt: Date;
  id: string;
}

export interface Page<T> {
  rows: T[];
  hasMore: boolean;
}

/** Rows after `position` in (created_at, id) order: a row comparison the (created_at, id) index serves. */
export function afterPosition(position: KeysetPosition): RawBuilder<SqlBool> {
  return sql<SqlBool>`(created_at, id) > (${position.createdAt}, ${position.id})`;
}
