import type { IncomingHttpHeaders } from 'node:http';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { GatewayMetrics, MetricSources } from './gateway-metrics.js';
import { NO_TELEMETRY, type GateDecision, type LlmCall, type SpanAttributes, type SpanHandle, type Telemetry } from './telemetry.js';
import type { Tracing } from './tracing.js';

/**
 * One GraphQL request over HTTP as the metrics and the trace name it. The endpoint creates it; the
 * operation plugin fills in the operation once it is resolved and the outcome once it is answered.
 */
export interface RequestObservation {
  /** query, mutation, subscription; `unknown` until the document is resolved. */
  operationType: string;
  /** The root field, `multiple` for several; `unknown` until the document is resolved. */
  rootField: string;
  /** `ok`, or the code of the first error answered. */
  outcome: string;
  /** The caller once its key is checked. */
  agentId: string | undefined;
}

export interface TelemetryOptions {
  /**
   * This process is a worker of WARDEN_WORKERS > 1: a scrape is answered for every worker together,
   * gathered by the primary.
   */
  clusterWorker?: boolean;
}

/**
 * The gateway's metrics and traces behind the Telemetry interface services use. Metrics (WARDEN_METRICS,
 * on by default) are prom-client in a registry of this gateway's own; traces (WARDEN_OTEL_ENDPOINT) are
 * the OpenTelemetry SDK, not even loaded when unset.
 */
export class GatewayTelemetry implements Telemetry {
  private constructor(
    readonly metrics: GatewayMetrics | undefined,
    readonly tracing: Tracing | undefined,
    readonly scrape: (() => Promise<string>) | undefined,
  ) {}

  static async start(settings: Config['telemetry'], log: Logger, options: TelemetryOptions = {}): Promise<GatewayTelemetry> {
    let metrics: GatewayMetrics | undefined;
    let scrape: (() => Promise<string>) | undefined;
    if (settings.metrics) {
      metrics = new (await import('./gateway-metrics.js')).GatewayMetrics();
      if (options.clusterWorker) {
        const { answerPrimary, askPrimary } = await import('./cluster-metrics.js');
        answerPrimary(metrics.registry);
        scrape = askPrimary;
      } else {
        scrape = () => metrics!.text();
      }
    }
    const tracing = settings.otelTracesUrl
      ? (await import('./tracing.js')).Tracing.start({ url: settings.otelTracesUrl, serviceName: settings.serviceName }, log)
      : undefined;
    return new GatewayTelemetry(metrics, tracing, scrape);
  }

  /** Off: counts nothing, traces nothing, serves no /metrics. */
  static off(): GatewayTelemetry {
    return new GatewayTelemetry(undefined, undefined, undefined);
  }

  /** What the gauges read on each scrape. */
  watch(sources: MetricSources): void {
    this.metrics?.watch(sources);
  }

  /**
   * Measures (and traces) one GraphQL request over HTTP: `work` serves it and fills in `observation`;
   * counted when it is answered.
   */
  async graphqlRequest(headers: IncomingHttpHeaders, work: (observation: RequestObservation) => Promise<void>): Promise<void> {
    const observation: RequestObservation = { operationType: 'unknown', rootField: 'unknown', outcome: 'ok', agentId: undefined };
    if (!this.metrics && !this.tracing) return work(observation);
    const started = performance.now();
    const serve = async () => {
      try {
        await work(observation);
      } catch (error) {
        observation.outcome = 'INTERNAL';
        throw error;
      }
    };
    try {
      await (this.tracing ? this.tracing.request(headers, serve, () => describe(observation)) : serve());
    } finally {
      this.metrics?.request(observation.operationType, observation.rootField, observation.outcome, (performance.now() - started) / 1000);
    }
  }

  gateDecision(decision: GateDecision): void {
    this.metrics?.gateDecision(decision);
  }

  rateLimited(limit: string): void {
    this.metrics?.rateLimited(limit);
  }

  databaseQuery(databaseId: string, kind: 'READ' | 'WRITE', seconds: number): void {
    this.metrics?.databaseQuery(databaseId, kind, seconds);
  }

  llmCall(call: LlmCall): void {
    this.metrics?.llmCall(call);
  }

  auditEvent(decision: string): void {
    this.metrics?.auditEvent(decision);
  }

  span<T>(name: string, kind: 'internal' | 'client', attributes: SpanAttributes, work: (span: SpanHandle) => Promise<T>): Promise<T> {
    return this.tracing ? this.tracing.span(name, kind, attributes, work) : NO_TELEMETRY.span(name, kind, attributes, work);
  }

  /** Sends the traces still batched. */
  async stop(): Promise<void> {
    await this.tracing?.shutdown();
  }
}

function describe(observation: RequestObservation): { name: string; attributes: SpanAttributes; outcome: string } {
  const { operationType, rootField, outcome, agentId } = observation;
  return {
    name: operationType === 'unknown' ? 'graphql' : `${operationType} ${rootField}`,
    attributes: {
      'graphql.operation.type': operationType === 'unknown' ? undefined : operationType,
      'warden.graphql.root_field': rootField === 'unknown' ? undefined : rootField,
      'warden.agent.id': agentId,
      'warden.outcome': outcome,
    },
    outcome,
  };
}
