import { AppError, ErrorCode } from '../errors/app-error.js';
import { isExportFormat } from '../exports/export-format.js';
import { newId } from '../ids.js';
import type { Logger } from '../logger.js';
import type { AuditWriter } from '../events/audit-writer.js';
import type { Store } from '../store/open-store.js';
import type { ScheduleRecord } from '../store/repositories/schedule-repository.js';
import { compactTimestamp, type ExportService } from './export.service.js';
import type { QueryService } from './query.service.js';
import { toReadQuery } from './read-query.js';
import { nextRunAfter } from './schedule-cadence.js';
import { ownerPrincipal } from './schedule.service.js';

export interface ScheduleRunnerOptions {
  /** How often to look for due schedules. */
  pollMs: number;
  /** Rows a run reads at most (the grants may say fewer). */
  maxRows: number;
  /** Schedules taken per look. */
  batch?: number;
  /** A run still RUNNING this long after it started was cut off (its gateway stopped): marked FAILED. */
  abandonedAfterMs?: number;
}

/** Refusals that mean the agent may no longer make this read: the schedule stops rather than fail each time. */
const ACCESS_LOST = new Set<ErrorCode>([ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND, ErrorCode.SQL_NOT_ALLOWED, ErrorCode.UNAUTHENTICATED]);

/**
 * Runs due schedules, on every replica. A run is taken by moving the schedule's nextRunAt on with a
 * compare-and-set in the store, and recorded under a unique (schedule, slot) key, so however many
 * replicas look at once each slot runs once. Schedules live in the store, so they survive a restart;
 * a slot missed while every gateway was down runs once when one starts again (not once per slot).
 */
export class ScheduleRunner {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;
  #stopped = false;
  #linksPurgedAt = 0;

  constructor(
    private readonly store: Store,
    private readonly queries: QueryService,
    private readonly exports: ExportService,
    private readonly audit: AuditWriter,
    private readonly log: Logger,
    private readonly options: ScheduleRunnerOptions,
    private readonly now: () => Date = () => new Date(),
  ) {}

  start(): void {
    this.#timer = setInterval(() => {
      this.runDue().catch((error: unknown) => this.log.error({ err: error }, 'could not run due schedules'));
    }, this.options.pollMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#running?.catch(() => undefined);
  }

  /** Runs what is due at `at` (default now); resolves with how many runs this replica made. One look at a time. */
  runDue(at?: Date): Promise<number> {
    if (this.#running) return this.#running.then(() => this.runDue(at));
    this.#running = this.#runDue(at ?? this.now()).finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #runDue(at: Date): Promise<number> {
    const repo = this.store.repos.schedules;
    const abandoned = await repo.failAbandonedRuns(new Date(at.getTime() - (this.options.abandonedAfterMs ?? 3_600_000)), at);
    if (abandoned > 0) this.log.warn({ runs: abandoned }, 'marked scheduled runs cut off by a stop as failed');
    if (at.getTime() - this.#linksPurgedAt >= 3_600_000) {
      this.#linksPurgedAt = at.getTime();
      await this.exports.purgeExpiredLinks();
    }
    let made = 0;
    for (const schedule of await repo.findDue(at, this.options.batch ?? 20)) {
      if (this.#stopped) break;
      const slot = schedule.nextRunAt as Date;
      const next = nextRunAfter(schedule.cron, schedule.timezone, at);
      if (!next) {
        await repo.update(schedule.id, { status: 'STOPPED', stoppedReason: 'Its cron expression fires no more.', nextRunAt: null, updatedAt: at });
        continue;
      }
      // Compare and set: of the replicas that found it due, one moves it on; the others leave it.
      if (!(await repo.claim(schedule.id, slot, next, at))) continue;
      const run = await repo.startRun({ id: newId('ScheduleRun'), scheduleId: schedule.id, scheduledFor: slot, startedAt: at, status: 'RUNNING' });
      if (!run) continue;
      made += 1;
      await this.#run(schedule, run.id, slot);
    }
    return made;
  }

  async #run(schedule: ScheduleRecord, runId: string, slot: Date): Promise<void> {
    const repo = this.store.repos.schedules;
    try {
      const owner = await ownerPrincipal(this.store, schedule);
      if (!owner) throw new AppError(ErrorCode.UNAUTHENTICATED, 'The agent this schedule runs as has been revoked.');
      const caller = { principal: owner, requestId: null };
      const query = schedule.query;
      if (schedule.exportFormat) {
        if (!schedule.destinationId || !isExportFormat(schedule.exportFormat)) {
          throw new AppError(ErrorCode.NOT_FOUND, 'The destination this schedule delivered to was removed.');
        }
        const destination = await this.exports.destinationFor(owner, schedule.destinationId);
        const stem = `${slug(schedule.name)}-${compactTimestamp(slot)}`;
        const delivered = await this.exports.deliver(caller, schedule.databaseId, query, schedule.exportFormat, destination, stem, 'scheduledRun');
        await repo.finishRun(runId, {
          status: 'SUCCEEDED',
          finishedAt: this.now(),
          rowCount: delivered.rows,
          truncated: delivered.truncated,
          deliveredTo: delivered.deliveredTo,
        });
      } else {
        const read = await this.queries.openRead(caller, schedule.databaseId, toReadQuery(query), this.options.maxRows, 'scheduledRun');
        try {
          for await (const _row of read.rows) {
            // Counted by the read; nothing is kept.
          }
        } finally {
          await read.close();
        }
        const { rows, truncated } = read.summary();
        await repo.finishRun(runId, { status: 'SUCCEEDED', finishedAt: this.now(), rowCount: rows, truncated });
      }
    } catch (error) {
      const app = error instanceof AppError ? error : undefined;
      const code = app?.code ?? ErrorCode.INTERNAL;
      const message = app && code !== ErrorCode.INTERNAL ? app.message : 'The run failed unexpectedly; the details are in the log.';
      if (!app || code === ErrorCode.INTERNAL) this.log.error({ err: error, scheduleId: schedule.id }, 'a scheduled run failed');
      const lost = app !== undefined && ACCESS_LOST.has(code);
      await repo.finishRun(runId, { status: lost ? 'DENIED' : 'FAILED', finishedAt: this.now(), errorCode: code, errorMessage: message });
      if (lost) await this.#stopSchedule(schedule, code, message);
    }
  }

  /** The agent lost access: the schedule stops (an admin or the agent may resume it once access is back), audited. */
  async #stopSchedule(schedule: ScheduleRecord, code: string, message: string): Promise<void> {
    const at = this.now();
    await this.store.repos.schedules.update(schedule.id, { status: 'STOPPED', stoppedReason: message, nextRunAt: null, updatedAt: at });
    this.log.warn({ scheduleId: schedule.id, agentId: schedule.agentId, code }, 'stopped a schedule whose agent lost access');
    this.audit.record({
      occurredAt: at,
      requestId: null,
      principalId: schedule.agentId,
      principalKind: 'agent',
      action: 'scheduleStopped',
      databaseId: schedule.databaseId,
      decision: 'DENIED',
      reasons: [{ code, message }],
      statementFingerprint: null,
      tables: null,
      durationMs: null,
      rowCount: null,
      details: { scheduleId: schedule.id, schedule: schedule.name },
    });
  }
}

function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'schedule'
  );
}

