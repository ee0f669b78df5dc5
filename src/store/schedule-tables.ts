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
  secret_ciphertext: string;
  secret_key_id: string;
  agent_ids: Json<string[]>;
  created_at: CreatedAt;
  created_by: string | null;
}

export interface SchedulesTable {
  id: string;
  agent_id: string;
  database_id: string;
  name: string;
  query: Json<StoredReadQuery>;
  cron: string;
  timezone: string;
  export_format: string | null;
  destination_id: string | null;
  status: ScheduleStatus;
  stopped_reason: string | null;
  next_run_at: Date | null;
  created_at: CreatedAt;
  updated_at: Date;
}

export interface ScheduleRunsTable {
  id: string;
  schedule_id: string;
  scheduled_for: Date;
  started_at: Date;
  finished_at: Date | null;
  status: ScheduleRunStatus;
  row_count: number | null;
  truncated: boolean | null;
  error_code: string | null;
  error_message: string | null;
  delivered_to: string | null;
}

export interface ExportLinksTable {
  id: string;
  agent_id: string;
  database_id: string;
  query: Json<StoredReadQuery>;
  format: string;
  created_at: CreatedAt;
  expires_at: Date;
}
