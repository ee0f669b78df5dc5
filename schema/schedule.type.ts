import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ExportFormat, ReadQueryInput } from './export.type.js';
import { DateTimeScalar, JSONObjectScalar } from './scalars.js';

export enum ScheduleEvery {
  HOURLY = 'HOURLY',
  DAILY = 'DAILY',
  WEEKLY = 'WEEKLY',
  MONTHLY = 'MONTHLY',
}
registerEnumType(ScheduleEvery, {
  name: 'ScheduleEvery',
  description: 'A plain cadence, in the schedule’s time zone: at the start of each hour, day (00:00), week (Monday 00:00) or month (the 1st, 00:00).',
});

export enum ScheduleStatus {
  ACTIVE = 'ACTIVE',
  PAUSED = 'PAUSED',
  STOPPED = 'STOPPED',
  DELETED = 'DELETED',
}
registerEnumType(ScheduleStatus, {
  name: 'ScheduleStatus',
  description:
    'PAUSED by its agent or an admin; STOPPED by Warden when its agent lost access (stoppedReason says why). Both resume with resumeSchedule. DELETED: what deleteSchedule answers, the schedule gone for good (it will not run again and cannot be found any more).',
});

export enum ScheduleRunStatus {
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  DENIED = 'DENIED',
}
registerEnumType(ScheduleRunStatus, {
  name: 'ScheduleRunStatus',
  description: 'DENIED: the agent could no longer make the read (the schedule stopped). FAILED: anything else (a dead database, a destination that refused).',
});

@ObjectType({ description: 'One run of a schedule.' })
export class ScheduleRun {
  @Field(() => ID)
  id!: string;

  @Field(() => DateTimeScalar, { description: 'The slot it ran for.' })
  scheduledFor!: Date;

  @Field(() => DateTimeScalar)
  startedAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  finishedAt!: Date | null;

  @Field(() => ScheduleRunStatus)
  status!: ScheduleRunStatus;

  @Field(() => Int, { nullable: true })
  rowCount!: number | null;

  @Field(() => Boolean, { nullable: true, description: 'Whether the row cap cut the result.' })
  truncated!: boolean | null;

  @Field(() => String, { nullable: true })
  errorCode!: string | null;

  @Field(() => String, { nullable: true })
  errorMessage!: string | null;

  @Field(() => String, { nullable: true, description: 'Where the result went: the webhook URL or s3://bucket/key.' })
  deliveredTo!: string | null;
}

@ObjectType({ description: 'A read an agent runs on a schedule, under its own grants as they are at each run.' })
export class Schedule {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { description: 'The agent it runs as.' })
  agentId!: string;

  @Field(() => ID)
  databaseId!: string;

  @Field(() => String)
  name!: string;

  @Field(() => JSONObjectScalar, { description: '{ kind: "SQL", sql, params } or { kind: "ROWS", table, schema, columns, where, orderBy, limit }.' })
  query!: Record<string, unknown>;

  @Field(() => String, { description: 'The cron expression it runs on (an every cadence is shown as its expression).' })
  cron!: string;

  @Field(() => String)
  timezone!: string;

  @Field(() => ExportFormat, { nullable: true })
  exportFormat!: ExportFormat | null;

  @Field(() => ID, { nullable: true })
  destinationId!: string | null;

  @Field(() => ScheduleStatus)
  status!: ScheduleStatus;

  @Field(() => String, { nullable: true })
  stoppedReason!: string | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Null unless ACTIVE.' })
  nextRunAt!: Date | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar)
  updatedAt!: Date;
}

@InputType({ description: 'Send each run’s result to a destination, in a format.' })
export class ScheduleExportInput {
  @Field(() => ExportFormat)
  format!: ExportFormat;

  @Field(() => ID)
  destinationId!: string;
}

@InputType({ description: 'A new schedule: cron or every, exactly one.' })
export class ScheduleQueryInput {
  @Field(() => ID)
  databaseId!: string;

  @Field(() => String, { description: '1 to 200 characters.' })
  name!: string;

  @Field(() => ReadQueryInput)
  query!: ReadQueryInput;

  @Field(() => String, { nullable: true, description: 'Five fields, minute hour day-of-month month day-of-week (e.g. "30 6 * * 1-5"), or @hourly, @daily, @weekly, @monthly.' })
  cron?: string | null;

  @Field(() => ScheduleEvery, { nullable: true })
  every?: ScheduleEvery | null;

  @Field(() => String, { nullable: true, description: 'An IANA time zone (e.g. Europe/Berlin); default UTC.' })
  timezone?: string | null;

  @Field(() => ScheduleExportInput, { nullable: true, description: 'Without it, a run records its row count only.' })
  export?: ScheduleExportInput | null;
}
