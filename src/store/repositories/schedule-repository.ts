import type { Insertable, Selectable, Updateable } from 'kysely';
import type { StoreDb } from '../store-schema.js';
import type { ScheduleRunsTable, SchedulesTable } from '../schedule-tables.js';

export type ScheduleRecord = Selectable<SchedulesTable>;
export type ScheduleRunRecord = Selectable<ScheduleRunsTable>;

export class ScheduleRepository {
  constructor(private readonly db: StoreDb) {}

  async insert(row: Insertable<SchedulesTable>): Promise<ScheduleRecord> {
    return this.db.insertInto('schedules').values(row).returningAll().executeTakeFirstOrThrow();
  }

  async findById(id: string): Promise<ScheduleRecord | undefined> {
    return this.db.selectFrom('schedules').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Oldest first; one agent's, or everyone's. */
  async list(agentId: string | undefined): Promise<ScheduleRecord[]> {
    let query = this.db.selectFrom('schedules').selectAll();
    if (agentId !== undefined) query = query.where('agentId', '=', agentId);
    return query.orderBy('createdAt').orderBy('id').execute();
  }

  async update(id: string, changes: Updateable<SchedulesTable>): Promise<ScheduleRecord | undefined> {
    return this.db.updateTable('schedules').set(changes).where('id', '=', id).returningAll().executeTakeFirst();
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('schedules').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** Active schedules due at `now`, soonest first. */
  async findDue(now: Date, limit: number): Promise<ScheduleRecord[]> {
    return this.db
      .selectFrom('schedules')
      .selectAll()
      .where('status', '=', 'ACTIVE')
      .where('nextRunAt', '<=', now)
      .orderBy('nextRunAt')
      .limit(limit)
      .execute();
  }

  /**
   * Claims the run due at `dueAt` by moving the schedule on to `nextRunAt`: compare and set, so of the
   * replicas that found it due, exactly one succeeds (true) and the others leave it (false).
   */
  async claim(id: string, dueAt: Date, nextRunAt: Date, now: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('schedules')
      .set({ nextRunAt, updatedAt: now })
      .where('id', '=', id)
      .where('status', '=', 'ACTIVE')
      .where('nextRunAt', '=', dueAt)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Records a run starting; undefined when this slot already has one (one run per slot, whatever happens). */
  async startRun(row: Insertable<ScheduleRunsTable>): Promise<ScheduleRunRecord | undefined> {
    return this.db
      .insertInto('schedule_runs')
      .values(row)
      .onConflict((oc) => oc.columns(['scheduleId', 'scheduledFor']).doNothing())
      .returningAll()
      .executeTakeFirst();
  }

  async finishRun(id: string, changes: Updateable<ScheduleRunsTable>): Promise<void> {
    await this.db.updateTable('schedule_runs').set(changes).where('id', '=', id).execute();
  }

  /** Runs still RUNNING that started before `startedBefore`: their gateway stopped mid-run. Marked FAILED; how many. */
  async failAbandonedRuns(startedBefore: Date, now: Date): Promise<number> {
    const result = await this.db
      .updateTable('schedule_runs')
      .set({ status: 'FAILED', finishedAt: now, errorCode: 'INTERNAL', errorMessage: 'The gateway stopped during this run.' })
      .where('status', '=', 'RUNNING')
      .where('startedAt', '<', startedBefore)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Newest first. */
  async runs(scheduleId: string, limit: number): Promise<ScheduleRunRecord[]> {
    return this.db
      .selectFrom('schedule_runs')
      .selectAll()
      .where('scheduleId', '=', scheduleId)
      .orderBy('scheduledFor', 'desc')
      .limit(limit)
      .execute();
  }
}
