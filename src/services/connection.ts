import { AppError, ErrorCode } from '../errors/app-error.js';
import type { KeysetPosition, Page } from '../store/repositories/index.js';

/** A page of a cursor connection, shaped as the GraphQL contract needs but free of GraphQL. */
export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

export function encodeCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt.toISOString(), position.id])).toString('base64url');
}

export function decodeCursor(cursor: string): KeysetPosition {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      const createdAt = new Date(value[0]);
      if (!Number.isNaN(createdAt.getTime())) return { createdAt, id: value[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw new AppError(ErrorCode.BAD_USER_INPUT, 'The cursor is not valid. Use an endCursor from a previous page.', {
    field: 'after',
  });
}

export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, `first must be between 1 and ${MAX_PAGE_SIZE}.`, { field: 'first' });
  }
  return first;
}

export function toConnection<R, T>(
  page: Page<R>,
  totalCount: number,
  hasPrevious: boolean,
  positionOf: (row: R) => KeysetPosition,
  toNode: (row: R) => T,
): Connection<T> {
  const edges = page.rows.map((row) => ({ cursor: encodeCursor(positionOf(row)), node: toNode(row) }));
  return {
    edges,
    pageInfo: {
      hasNextPage: page.hasMore,
      hasPreviousPage: hasPrevious,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount,
  };
}

/** A connection over a list already in memory, ordered by (createdAt, id). */
export function connectionFromArray<T extends { createdAt: Date; id: string }>(
  items: readonly T[],
  first?: number | null,
  after?: string | null,
): Connection<T> {
  const limit = pageSize(first);
  const position = after ? decodeCursor(after) : undefined;
  const sorted = [...items].sort(
    (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  const rest = position
    ? sorted.filter(
        (item) =>
          item.createdAt > position.createdAt ||
          (item.createdAt.getTime() === position.createdAt.getTime() && item.id > position.id),
      )
    : sorted;
  const page = { rows: rest.slice(0, limit), hasMore: rest.length > limit };
  return toConnection(page, items.length, position !== undefined, (item) => item, (item) => item);
}
