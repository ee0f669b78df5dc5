import { isAdmin, type Principal } from '../auth/principal.js';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { assertExportFormat, type ExportFormat } from '../exports/export-format.js';
import { newId } from '../ids.js';
import type { Store } from '../store/open-store.js';
import type { ScheduleRecord, ScheduleRunRecord } from '../store/repositories/schedule-repository.js';
import type { ScheduleRunStatus, ScheduleStatus, StoredReadQuery } from '../store/schedule-tables.js';
import type { ExportService } from './export.service.js';
import type { Caller, QueryService } from './query.service.js';
import { toReadQuery, toStoredReadQuery, type ReadQueryInput } from './read-query.js';
import { cadenceOf, checkTimezone, nextRunAfter, type Every } from './schedule-cadence.js';

export interface ScheduleQueryInput {
  databaseId: string;
  name: string;
  query: ReadQueryInput;
  cron?: string | null | undefined;
  every?: Every | null | undefined;
  /** IANA name; default UTC. */
  timezone?: string | null | undefined;
  /** Send each run's result there, in this format; otherwise a run records its row count only. */
  export?: { format: ExportFormat; destinationId: string } | null | undefined;
}

export interface ScheduleView {
  id: string;
  agentId: string;
  databaseId: string;
  name: string;
  query: StoredReadQuery;
  cron: string;
  timezone: string;
  exportFormat: ExportFormat | null;
  destinationId: string | null;
  /** As stored, or DELETED in what deleteSchedule answers. */
  status: ScheduleStatus | 'DELETED';
  stoppedReason: string | null;
  nextRunAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ScheduleRunView {
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

const MAX_SCHEDULES_PER_AGENT = 100;

/**
 * Scheduled queries: an agent schedules a read it may make now (checked at once); each run reads
 * under that agent's grants as they are then (ScheduleRunner). Agents see and change their own
 * schedules; admins see and change everyone's.
 */
export class ScheduleService {
  constructor(
    private readonly store: Store,
    private readonly queries: QueryService,
    private readonly exports: ExportService,
    private readonly maxRows: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async schedule(caller: Caller, input: ScheduleQueryInput): Promise<ScheduleView> {
    const principal = agentOf(caller.principal);
    const name = input.name.trim();
    if (name.length < 1 || name.length > 200) throw new AppError(ErrorCode.BAD_USER_INPUT, 'A schedule name is 1 to 200 characters.', { field: 'name' });
    const timezone = input.timezone?.trim() || 'UTC';
    const cron = cadenceOf(input.cron, input.every, timezone);
    const stored = toStoredReadQuery(input.query);
    let destinationId: string | null = null;
    let format: ExportFormat | null = null;
    if (input.export) {
      assertExportFormat(input.export.format);
      destinationId = (await this.exports.destinationFor(principal, input.export.destinationId)).id;
      format = input.export.format;
    }
    const existing = await this.store.repos.schedules.list(principal.agentId);
    if (existing.length >= MAX_SCHEDULES_PER_AGENT) {
      throw new AppError(ErrorCode.CONFLICT, `An agent has at most ${MAX_SCHEDULES_PER_AGENT} schedules; delete one first.`);
    }
    // Refused now if the agent may not make this read now; checked again at every run.
    await this.queries.checkRead(caller, input.databaseId, toReadQuery(stored), this.maxRows, 'scheduleQuery');
    const now = this.now();
    const record = await this.store.transaction((repos) => repos.schedules.insert({
      id: newId('Schedule'),
      agentId: principal.agentId,
      databaseId: input.databaseId,
      name,
      query: JSON.stringify(stored),
      cron,
      timezone,
      exportFormat: format,
      destinationId,
      status: 'ACTIVE',
      stoppedReason: null,
      nextRunAt: nextRunAfter(cron, timezone, now),
      createdAt: now,
      updatedAt: now,
    }));
    return toScheduleView(record);
  }

  /** The caller's own schedules; an admin's `agentId` picks an agent's, and without it admins see all. */
  async list(principal: Principal, agentId?: string | null): Promise<ScheduleView[]> {
    const caller = agentOf(principal);
    const whose = isAdmin(caller) ? (agentId ?? undefined) : caller.agentId;
    if (!isAdmin(caller) && agentId && agentId !== caller.agentId) {
      throw new AppError(ErrorCode.FORBIDDEN, "Agents see their own schedules only.", { denied: [{ resource: `agent:${agentId}`, needed: 'ADMIN', reason: 'not your own' }] });
    }
    return (await this.store.repos.schedules.list(whose)).map(toScheduleView);
  }

  async get(principal: Principal, id: string): Promise<ScheduleView> {
    return toScheduleView(await this.#owned(principal, id));
  }

  /** A paused schedule keeps its history and does not run until resumed. */
  async pause(principal: Principal, id: string): Promise<ScheduleView> {
    const record = await this.#owned(principal, id);
    if (record.status !== 'ACTIVE') return toScheduleView(record);
    const updated = await this.store.transaction((repos) => repos.schedules.update(id, { status: 'PAUSED', nextRunAt: null, updatedAt: this.now() }));
    return toScheduleView(updated ?? record);
  }

  /**
   * Runs a paused or stopped schedule again from its next slot. A stopped one was stopped because its
   * agent lost access: the read is checked again now and refused if that is still so.
   */
  async resume(caller: Caller, id: string): Promise<ScheduleView> {
    const record = await this.#owned(caller.principal, id);
    if (record.status === 'ACTIVE') return toScheduleView(record);
    // It runs as its agent, so that agent's grants decide, whoever resumes it.
    const owner = await ownerPrincipal(this.store, record);
    if (!owner) throw new AppError(ErrorCode.FORBIDDEN, 'The agent this schedule runs as has been revoked; it cannot run again.');
    const asOwner: Caller = { principal: owner, requestId: caller.requestId };
    if (record.exportFormat && !record.destinationId) {
      throw new AppError(ErrorCode.CONFLICT, 'The destination this schedule delivered to was removed; delete the schedule and make a new one.');
    }
    if (record.destinationId) await this.exports.destinationFor(owner, record.destinationId);
    await this.queries.checkRead(asOwner, record.databaseId, toReadQuery(record.query), this.maxRows, 'resumeSchedule');
    checkTimezone(record.timezone);
    const now = this.now();
    const updated = await this.store.transaction((repos) => repos.schedules.update(id, {
      status: 'ACTIVE',
      stoppedReason: null,
      nextRunAt: nextRunAfter(record.cron, record.timezone, now),
      updatedAt: now,
    }));
    return toScheduleView(updated ?? record);
  }

  /** Deletes the schedule and its run history. */
  async delete(principal: Principal, id: string): Promise<ScheduleView> {
    const record = await this.#owned(principal, id);
    await this.store.transaction((repos) => repos.schedules.delete(id));
    // Its final state: gone, and never to run again.
    return { ...toScheduleView(record), status: 'DELETED', nextRunAt: null };
  }

  /** Newest first. */
  async runs(principal: Principal, id: string, first = 20): Promise<ScheduleRunView[]> {
    await this.#owned(principal, id);
    if (!Number.isInteger(first) || first < 1 || first > 500) throw new AppError(ErrorCode.BAD_USER_INPUT, 'first is from 1 to 500.', { field: 'first' });
    return (await this.store.repos.schedules.runs(id, first)).map(toRunView);
  }

  /** Another agent's schedule does not exist for an agent; admins reach every schedule. */
  async #owned(principal: Principal, id: string): Promise<ScheduleRecord> {
    const caller = agentOf(principal);
    const record = await this.store.repos.schedules.findById(id);
    if (!record || (!isAdmin(caller) && record.agentId !== caller.agentId)) {
      throw new AppError(ErrorCode.NOT_FOUND, `No schedule with the id "${id}" is visible to you.`);
    }
    return record;
  }
}

/** The principal a schedule runs as: its agent, while active (undefined once revoked). */
export async function ownerPrincipal(store: Store, schedule: ScheduleRecord): Promise<(Principal & { kind: 'agent' }) | undefined> {
  const agent = await store.repos.agents.findById(schedule.agentId);
  if (!agent || agent.status !== 'ACTIVE') return undefined;
  return { kind: 'agent', agentId: agent.id, keyId: `schedule:${schedule.id}`, name: agent.name, role: agent.role };
}

function agentOf(principal: Principal): Principal & { kind: 'agent' } {
  if (principal.kind !== 'agent') throw new AppError(ErrorCode.UNAUTHENTICATED, 'Send an API key.');
  return principal;
}

export function toScheduleView(record: ScheduleRecord): ScheduleView {
  return {
    id: record.id,
    agentId: record.agentId,
    databaseId: record.databaseId,
    name: record.name,
    query: record.query,
    cron: record.cron,
    timezone: record.timezone,
    exportFormat: record.exportFormat as ExportFormat | null,
    destinationId: record.destinationId,
    status: record.status,
    stoppedReason: record.stoppedReason,
    nextRunAt: record.nextRunAt,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

export function toRunView(record: ScheduleRunRecord): ScheduleRunView {
  return {
    id: record.id,
    scheduleId: record.scheduleId,
    scheduledFor: record.scheduledFor,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    status: record.status,
    rowCount: record.rowCount,
    truncated: record.truncated,
    errorCode: record.errorCode,
    errorMessage: record.errorMessage,
    deliveredTo: record.deliveredTo,
  };
}
