import { randomFillSync } from 'node:crypto';
import type { Logger } from '../logger.js';
import { BatchBuffer } from './batch-buffer.js';
import type { AuditRepository } from '../store/repositories/audit-repository.js';
import { Pseudonymiser } from './pseudonymiser.js';

/** One decision or query, as the audit log keeps it. Never holds parameters' values or secrets. */
export interface AuditEvent {
  occurredAt: Date;
  requestId: string | null;
  principalId: string | null;
  principalKind: 'agent' | 'admin' | 'anonymous';
  /** What was attempted: runQuery, explainQuery, rows, grant, revokeAgent… */
  action: string;
  databaseId: string | null;
  decision: 'ALLOWED' | 'DENIED' | 'FAILED';
  reasons: { code: string; message: string; denied?: { resource: string; needed: string; reason: string }[] }[] | null;
  statementFingerprint: string | null;
  tables: string[] | null;
  durationMs: number | null;
  rowCount: number | null;
  details: Record<string, unknown> | null;
}

/** An audit event with its id, as stored and as delivered to subscribers. */
export type StoredAuditEvent = AuditEvent & { id: string };

/** Random bytes drawn 6 at a time from a pool refilled in blocks: one call into the CSPRNG per 512 ids. */
const RANDOM_POOL = Buffer.alloc(6 * 512);
let poolOffset = RANDOM_POOL.length;

/** Time-ordered ids: `evt_<ms, base36><random>`. */
function eventId(at: Date): string {
  if (poolOffset === RANDOM_POOL.length) {
    randomFillSync(RANDOM_POOL);
    poolOffset = 0;
  }
  const random = RANDOM_POOL.toString('hex', poolOffset, poolOffset + 6);
  poolOffset += 6;
  return `evt_${at.getTime().toString(36).padStart(9, '0')}${random}`;
}

export interface AuditWriterOptions {
  intervalMs: number;
  batchSize: number;
  maxBuffered: number;
  /** Replaces each event's principal id with what audit events carry for it (default: the id itself). */
  pseudonyms: Pseudonymiser;
}

/**
 * Collects audit events and writes them in batches, off the request path: a request only pushes to a
 * buffer. Changes made through GraphQL mutations are the exception: their events are written with the
 * change itself (`writeInTransaction`, plugins/mutation-audit.plugin.ts), so none is lost in a crash. Flushed every `intervalMs`, when `batchSize` events wait, and on stop. A failed write is
 * retried with the next batch (the buffer is bounded: past `maxBuffered` the oldest are dropped and
 * the loss is logged, so a dead store cannot exhaust memory). When pseudonymising, the principal id is
 * replaced as the event is recorded: the store and every listener see the pseudonym, never the id.
 */
export class AuditWriter {
  readonly #buffer: BatchBuffer<StoredAuditEvent>;
  #timer: NodeJS.Timeout | undefined;
  readonly #listeners: ((event: StoredAuditEvent) => void)[] = [];
  private readonly options: AuditWriterOptions;

  constructor(
    private readonly repo: AuditRepository,
    log: Logger,
    options: Partial<AuditWriterOptions> = {},
  ) {
    this.options = {
      intervalMs: options.intervalMs ?? 200,
      batchSize: options.batchSize ?? 200,
      maxBuffered: options.maxBuffered ?? 50_000,
      pseudonyms: options.pseudonyms ?? Pseudonymiser.off(),
    };
    this.#buffer = new BatchBuffer((batch) => this.#write(batch), log, {
      what: 'audit events',
      batchSize: this.options.batchSize,
      maxBuffered: this.options.maxBuffered,
    });
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.flush(), this.options.intervalMs);
    this.#timer.unref();
  }

  /** Events recorded but not yet written. */
  get buffered(): number {
    return this.#buffer.size;
  }

  /** Batch writes that failed so far (retried with the next batch). */
  get writeFailures(): number {
    return this.#buffer.failures;
  }

  /** Called with every event as it is recorded (live subscriptions, alert rules). */
  onEvent(listener: (event: StoredAuditEvent) => void): void {
    this.#listeners.push(listener);
  }

  /** Batched: for reads and decisions, which may be lost in a crash within `intervalMs` (see `writeInTransaction`). */
  record(event: AuditEvent): void {
    const stored = this.prepare(event);
    this.#buffer.push(stored);
    this.announce(stored);
    if (this.#buffer.size >= this.options.batchSize) void this.flush();
  }

  /**
   * The event as it will be stored: its id given, its principal pseudonymised when that is on, and any
   * NUL character in its text replaced (U+FFFD). PostgreSQL keeps no NUL in text or JSON, so one such
   * character (a table name an agent made up, echoed in a refusal) would otherwise fail the whole batch
   * it is written with, and every batch after it, however often it were retried.
   */
  prepare(event: AuditEvent): StoredAuditEvent {
    const clean = withoutNul(event);
    return { ...clean, principalId: this.options.pseudonyms.ref(clean.principalId), id: eventId(clean.occurredAt) };
  }

  /**
   * Writes a prepared event with the caller's transaction (its audit repository), so the event lands
   * if and only if the change it records does. Call `announce` once the transaction has committed.
   */
  async writeInTransaction(repo: AuditRepository, event: StoredAuditEvent): Promise<void> {
    await repo.append([toRow(event)]);
  }

  /** Writes a prepared event now, on its own, not batched: for a change that had no transaction to join. */
  async writeNow(event: StoredAuditEvent): Promise<void> {
    await this.repo.append([toRow(event)]);
  }

  /** Tells listeners (live subscriptions, alert rules, webhooks) of an event that is stored or buffered. */
  announce(event: StoredAuditEvent): void {
    for (const listener of this.#listeners) listener(event);
  }

  /** Writes everything buffered so far. Safe to call at any time; concurrent calls share one write. */
  flush(): Promise<void> {
    return this.#buffer.flush();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#buffer.drain();
  }

  #write(batch: StoredAuditEvent[]): Promise<void> {
    return this.repo.append(batch.map(toRow));
  }
}

/** The value with every NUL in its strings (keys too) replaced by U+FFFD; the value itself when it has none. */
function withoutNul<T>(value: T): T {
  if (typeof value === 'string') return (value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value) as T;
  if (typeof value !== 'object' || value === null || value instanceof Date) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const clean = withoutNul(item);
      if (clean !== item) (copy ??= [...value])[i] = clean;
    });
    return (copy ?? value) as T;
  }
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const clean = withoutNul(item);
    const cleanKey = withoutNul(key);
    if (clean === item && cleanKey === key) continue;
    copy ??= { ...(value as Record<string, unknown>) };
    if (cleanKey !== key) delete copy[key];
    copy[cleanKey] = clean;
  }
  return (copy ?? value) as T;
}

function toRow(e: StoredAuditEvent) {
  return {
    id: e.id,
    occurredAt: e.occurredAt,
    requestId: e.requestId,
    principalId: e.principalId,
    principalKind: e.principalKind,
    action: e.action,
    databaseId: e.databaseId,
    decision: e.decision,
    reasons: JSON.stringify(e.reasons),
    statementFingerprint: e.statementFingerprint,
    tables: JSON.stringify(e.tables),
    durationMs: e.durationMs,
    rowCount: e.rowCount,
    details: JSON.stringify(e.details),
  };
}
