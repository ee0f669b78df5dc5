import type { ColumnType } from 'kysely';

/** Rows of the schedule and export tables (migration 0006), as Kysely sees them; part of StoreSchema. */
type CreatedAt = ColumnType<Date, Date | undefined, never>;
type Json<T> = ColumnType<T, string, string>;

export type DestinationKind = 'WEBHOOK' | 'S3';
export type ScheduleStatus = 'ACTIVE' | 'PAUSED' | 'STOPPED';
export type ScheduleRunStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'DENIED';

/** What a schedule or an export link reads; stored as given, checked by the gate each time it runs. */
export type StoredReadQuery =
  | { kind: 'SQL'; sql: string; params: unknown[] }
  | {
      kind: 'ROWS';
      table: string;
      schema: string | null;
      columns: string[] | null;
      where: Record<string, unknown> | null;
      orderBy: { column: string; direction: 'ASC' | 'DESC' }[] | null;
      limit: number | null;
    };

export interface DestinationSettings {
  /** WEBHOOK */
  url?: string;
  /** S3 */
  endpoint?: string | null;
  region?: string;
  bucket?: string;
  prefix?: string;
  accessKeyId?: string;
  forcePathStyle?: boolean;
}

export interface ExportDestinationsTable {
  id: string;
  name: string;
  kind: DestinationKind;
  settings: Json<DestinationSettings>;
  secretCiphertext: string;
  secretKeyId: string;
  agentIds: Json<string[]>;
  createdAt: CreatedAt;
  createdBy: string | null;
}

export interface SchedulesTable {
  id: string;
  agentId: string;
  databaseId: string;
  name: string;
  query: Json<StoredReadQuery>;
  cron: string;
  timezone: string;
  exportFormat: string | null;
  destinationId: string | null;
  status: ScheduleStatus;
  stoppedReason: string | null;
  nextRunAt: Date | null;
  createdAt: CreatedAt;
  updatedAt: Date;
}

export interface ScheduleRunsTable {
  id: string;
  scheduleId: string;
  scheduledFor: Date;
  startedAt: Date;
  finishedAt: Date | null;
  status: ScheduleRunStatus;
  rowCount: number | null;
  truncated: boolean | null;
  errorCode: string | null;
  errorMessage: string | null;
  deliveredTo: string | null;
}

export interface ExportLinksTable {
  id: string;
  agentId: string;
  databaseId: string;
  query: Json<StoredReadQuery>;
  format: string;
  createdAt: CreatedAt;
  expiresAt: Date;
}
