/** A position in a list ordered by (created_at, id): the last row of the previous page. */
export interface KeysetPosition {
  createdAt: Date;
  id: string;
}

export interface Page<T> {
  rows: T[];
  hasMore: boolean;
}
