import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PoolUse } from '../../plugins/drivers/driver.js';
import type { GateDecision, LlmCall } from './telemetry.js';

/** Where the gauges read from on each scrape; set once the gateway's parts exist. */
export interface MetricSources {
  /** Every open target database, with its pool where the driver has one (not embedded engines). */
  databases(): Iterable<{ id: string; engine: string; pool: PoolUse | undefined }>;
  /** The store's pool (a PostgreSQL store), else undefined. */
  storePool(): PoolUse | undefined;
  /** Deliveries waiting or dead-lettered in the store, all replicas together. */
  webhookBacklog(): Promise<{ pending: number; dead: number }>;
  /** Webhook events this process has not yet written to the queue. */
  webhookBuffered(): number;
  /** Audit events this process has not yet written. */
  auditBuffered(): number;
  /** Batches of audit events this process could not write (retried later). */
  auditWriteFailures(): number;
  /** Live subscriptions and open WebSocket connections on this process. */
  subscriptions(): number;
  websockets(): number;
}

/** Seconds: from a fast gate refusal to a slow report. */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const LLM_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80];
/** How long a scrape may wait for the store's webhook counts before it reports the last ones it had. */
const BACKLOG_TIMEOUT_MS = 2_000;
/** Scrapes within this long of one another share one read of the webhook counts. */
const BACKLOG_CACHE_MS = 5_000;

/**
 * The gateway's Prometheus metrics, in a registry of its own (several gateways in one process do not
 * share counters), with Node's process metrics. Hot-path metrics keep their labelled children (made
 * once per label set); all a GraphQL request updates costs about 3 µs of CPU.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  #sources: MetricSources | undefined;
  readonly #children = new Map<object, Map<string, object>>();

  readonly #requests = new Counter({
    name: 'warden_graphql_requests_total',
    help: 'GraphQL requests over HTTP, by operation type, root field (or "multiple") and outcome (ok or the error code).',
    labelNames: ['operation_type', 'root_field', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly #requestSeconds = new Histogram({
    name: 'warden_graphql_request_duration_seconds',
    help: 'Time from a GraphQL request arriving to its answer being sent, by operation type and root field.',
    labelNames: ['operation_type', 'root_field'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });
  readonly #decisions = new Counter({
    name: 'warden_gate_decisions_total',
    help: 'Decisions on statements (SQL gate, grants, limits), by action, decision (allowed, denied, failed), reason (an error code, or none) and database id.',
    labelNames: ['action', 'decision', 'reason', 'database'] as const,
    registers: [this.registry],
  });
  readonly #rateLimited = new Counter({
    name: 'warden_rate_limit_hits_total',
    help: 'Queries refused by an agent rate limit, by which limit (perMinute, perHour, perDay, maxConcurrent).',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });
  readonly #querySeconds = new Histogram({
    name: 'warden_database_query_duration_seconds',
    help: 'Time a target database took to run a statement that passed the gate, by database id and kind (read, write).',
    labelNames: ['database', 'kind'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });
  readonly #llmTokens = new Counter({
    name: 'warden_llm_tokens_total',
    help: 'Tokens language models reported, by provider, model and type (prompt, completion).',
    labelNames: ['provider', 'model', 'type'] as const,
    registers: [this.registry],
  });
  readonly #llmCalls = new Counter({
    name: 'warden_llm_requests_total',
    help: 'Language model calls (retries included in one), by provider, model and outcome.',
    labelNames: ['provider', 'model', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly #llmSeconds = new Histogram({
    name: 'warden_llm_request_duration_seconds',
    help: 'Time a language model call took, retries included, by provider and model.',
    labelNames: ['provider', 'model'] as const,
    buckets: LLM_BUCKETS,
    registers: [this.registry],
  });
  readonly #auditEvents = new Counter({
    name: 'warden_audit_events_total',
    help: 'Audit events recorded by this process, by decision.',
    labelNames: ['decision'] as const,
    registers: [this.registry],
  });
  #backlog: { at: number; value: { pending: number; dead: number } } | undefined;
  #backlogRead: Promise<void> | undefined;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const sources = () => this.#sources;
    const registers = [this.registry];
    new Gauge({
      name: 'warden_database_info',
      help: 'One series per target database open in this process: its id and engine.',
      labelNames: ['database', 'engine'] as const,
      registers,
      collect() {
        this.reset();
        for (const db of sources()?.databases() ?? []) this.set({ database: db.id, engine: db.engine }, 1);
      },
    });
    new Gauge({
      name: 'warden_database_pool_connections',
      help: 'Connections open to each target database, by state (used, idle).',
      labelNames: ['database', 'state'] as const,
      registers,
      collect() {
        this.reset();
        for (const db of sources()?.databases() ?? []) {
          if (!db.pool) continue;
          this.set({ database: db.id, state: 'used' }, db.pool.used);
          this.set({ database: db.id, state: 'idle' }, db.pool.idle);
        }
      },
    });
    new Gauge({
      name: 'warden_database_pool_pending_requests',
      help: 'Requests waiting for a connection to each target database.',
      labelNames: ['database'] as const,
      registers,
      collect() {
        this.reset();
        for (const db of sources()?.databases() ?? []) if (db.pool) this.set({ database: db.id }, db.pool.pending);
      },
    });
    new Gauge({
      name: 'warden_database_pool_max_connections',
      help: 'The most connections each target database pool opens.',
      labelNames: ['database'] as const,
      registers,
      collect() {
        this.reset();
        for (const db of sources()?.databases() ?? []) if (db.pool) this.set({ database: db.id }, db.pool.max);
      },
    });
    new Gauge({
      name: 'warden_store_pool_connections',
      help: "Connections open to Warden's own PostgreSQL store, by state (used, idle, pending requests, max).",
      labelNames: ['state'] as const,
      registers,
      collect() {
        this.reset();
        const pool = sources()?.storePool();
        if (pool) for (const [state, value] of Object.entries({ used: pool.used, idle: pool.idle, pending: pool.pending, max: pool.max })) this.set({ state }, value);
      },
    });
    const metrics = this;
    new Gauge({
      name: 'warden_webhook_deliveries',
      help: 'Webhook deliveries in the store by status (pending: waiting or retrying; dead: in the dead-letter queue), all replicas together.',
      labelNames: ['status'] as const,
      // Every worker reads the same store: one worker's figure is the answer, not their sum.
      aggregator: 'max',
      registers,
      async collect() {
        this.reset();
        const backlog = await metrics.#webhookBacklog();
        if (backlog) for (const [status, value] of Object.entries(backlog)) this.set({ status }, value);
      },
    });
    const gauge = (name: string, help: string, read: (s: MetricSources) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const s = sources();
          if (s) this.set(read(s));
        },
      });
    gauge('warden_webhook_buffered_events', 'Webhook events this process has yet to write to the delivery queue.', (s) => s.webhookBuffered());
    gauge('warden_audit_buffered_events', 'Audit events this process has yet to write to the store.', (s) => s.auditBuffered());
    gauge('warden_graphql_subscriptions_active', 'Live GraphQL subscriptions on this process.', (s) => s.subscriptions());
    gauge('warden_websocket_connections', 'Open WebSocket connections on this process.', (s) => s.websockets());
    new Counter({
      name: 'warden_audit_write_failures_total',
      help: 'Batches of audit events this process could not write to the store (they are retried).',
      registers,
      collect() {
        const s = sources();
        if (!s) return;
        this.reset();
        this.inc(s.auditWriteFailures());
      },
    });
  }

  watch(sources: MetricSources): void {
    this.#sources = sources;
  }

  request(operationType: string, rootField: string, outcome: string, seconds: number): void {
    this.#child(this.#requests, operationType, rootField, outcome).inc();
    this.#child(this.#requestSeconds, operationType, rootField).observe(seconds);
  }

  gateDecision(decision: GateDecision): void {
    this.#child(this.#decisions, decision.action, decision.decision.toLowerCase(), decision.code ?? 'none', decision.databaseId ?? '').inc();
  }

  rateLimited(limit: string): void {
    this.#child(this.#rateLimited, limit).inc();
  }

  databaseQuery(databaseId: string, kind: 'READ' | 'WRITE', seconds: number): void {
    this.#child(this.#querySeconds, databaseId, kind.toLowerCase()).observe(seconds);
  }

  llmCall(call: LlmCall): void {
    this.#llmCalls.inc({ provider: call.provider, model: call.model, outcome: call.outcome });
    this.#llmSeconds.observe({ provider: call.provider, model: call.model }, call.seconds);
    if (call.promptTokens > 0) this.#llmTokens.inc({ provider: call.provider, model: call.model, type: 'prompt' }, call.promptTokens);
    if (call.completionTokens > 0) this.#llmTokens.inc({ provider: call.provider, model: call.model, type: 'completion' }, call.completionTokens);
  }

  auditEvent(decision: string): void {
    this.#child(this.#auditEvents, decision.toLowerCase()).inc();
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The metric's child for these label values, made once. */
  #child<C extends object>(metric: { labels(...values: string[]): C }, ...values: string[]): C {
    let children = this.#children.get(metric);
    if (!children) this.#children.set(metric, (children = new Map()));
    const key = values.join('\u0000');
    let child = children.get(key) as C | undefined;
    if (!child) {
      child = metric.labels(...values);
      children.set(key, child);
    }
    return child;
  }

  /** The store's counts, read at most once per BACKLOG_CACHE_MS; the last known ones when the store is slow. */
  async #webhookBacklog(): Promise<{ pending: number; dead: number } | undefined> {
    const source = this.#sources;
    if (!source) return undefined;
    if (this.#backlog && performance.now() - this.#backlog.at < BACKLOG_CACHE_MS) return this.#backlog.value;
    this.#backlogRead ??= source
      .webhookBacklog()
      .then((value) => {
        this.#backlog = { at: performance.now(), value };
      })
      .catch(() => undefined)
      .finally(() => {
        this.#backlogRead = undefined;
      });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#backlogRead, new Promise((resolve) => (timer = setTimeout(resolve, BACKLOG_TIMEOUT_MS)))]);
    clearTimeout(timer);
    return this.#backlog?.value;
  }
}
