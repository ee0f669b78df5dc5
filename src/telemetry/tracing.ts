import type { IncomingHttpHeaders } from 'node:http';
import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_ERROR_TYPE, ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Logger } from '../logger.js';
import { WARDEN_VERSION } from '../version.js';
import type { SpanAttributes, SpanHandle } from './telemetry.js';

/** Codes that mean the gateway or what it depends on failed, not that the caller was refused. */
const SERVER_FAULTS = new Set(['INTERNAL', 'DATABASE_UNAVAILABLE', 'STORE_UNAVAILABLE', 'LLM_UNAVAILABLE', 'QUERY_TIMEOUT', 'DELIVERY_FAILED']);

export interface TracingSettings {
  /** The collector's OTLP/HTTP traces URL (…/v1/traces). */
  url: string;
  serviceName: string;
}

/**
 * OpenTelemetry traces, loaded only when WARDEN_OTEL_ENDPOINT is set: a tracer provider with a batch
 * processor sending OTLP/HTTP JSON to the collector. Spans carry codes, ids and names an admin gave;
 * never SQL, parameters, questions or keys.
 */
export class Tracing {
  readonly #provider: NodeTracerProvider;
  readonly #tracer: Tracer;

  private constructor(provider: NodeTracerProvider) {
    this.#provider = provider;
    this.#tracer = provider.getTracer('warden', WARDEN_VERSION);
  }

  static start(settings: TracingSettings, log: Logger): Tracing {
    const exporter = new OTLPTraceExporter({ url: settings.url });
    const provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName, [ATTR_SERVICE_VERSION]: WARDEN_VERSION }),
      spanProcessors: [new BatchSpanProcessor(exporter)],
    });
    // The context manager (spans follow async work) and the W3C propagator (traceparent). A second
    // gateway in one process keeps the first one's, which serve it as well.
    provider.register();
    log.info({ url: redactedUrl(settings.url), serviceName: settings.serviceName }, 'sending traces over OTLP/HTTP');
    return new Tracing(provider);
  }

  /**
   * A server span for one request, continuing the caller's trace when it sent a `traceparent`; `work`
   * runs in it (its spans are children). `describe` names it once the work is done.
   */
  async request<T>(headers: IncomingHttpHeaders, work: () => Promise<T>, describe: () => { name: string; attributes: SpanAttributes; outcome: string }): Promise<T> {
    const parent = headers.traceparent === undefined ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, headers);
    return this.#tracer.startActiveSpan('graphql', { kind: SpanKind.SERVER }, parent, async (span) => {
      try {
        return await work();
      } finally {
        const { name, attributes, outcome } = describe();
        span.updateName(name);
        span.setAttributes(defined(attributes));
        if (outcome !== 'ok') {
          span.setAttribute(ATTR_ERROR_TYPE, outcome);
          if (SERVER_FAULTS.has(outcome)) span.setStatus({ code: SpanStatusCode.ERROR });
        }
        span.end();
      }
    });
  }

  /** A child of the current span around `work`; a throw marks it failed with the error's code (never its message). */
  async span<T>(name: string, kind: 'internal' | 'client', attributes: SpanAttributes, work: (span: SpanHandle) => Promise<T>): Promise<T> {
    const options = { kind: kind === 'client' ? SpanKind.CLIENT : SpanKind.INTERNAL, attributes: defined(attributes) };
    return this.#tracer.startActiveSpan(name, options, async (span) => {
      try {
        return await work(handleOf(span));
      } catch (error) {
        span.setAttribute(ATTR_ERROR_TYPE, codeOf(error));
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  /** Sends what is still batched, then stops. */
  async shutdown(): Promise<void> {
    await this.#provider.shutdown();
  }
}

function handleOf(span: Span): SpanHandle {
  return { set: (attributes) => span.setAttributes(defined(attributes)) };
}

function defined(attributes: SpanAttributes): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) out[key] = value;
  return out;
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z_]{1,40}$/.test(code) ? code : 'INTERNAL';
}

/** The collector's address for the log, without credentials or a query string. */
function redactedUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}
