import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_RULE_SETTINGS, type RuleSettings } from './events/security-rule-settings.js';
import { parseEgressRules, type EgressSettings } from './net/egress-policy.js';

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

/** A comma list of CIDRs, addresses and host names (src/net/egress-policy.ts). */
const egressList = z.string().superRefine((value, ctx) => {
  try {
    parseEgressRules(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `${(error as Error).message}; expected comma-separated CIDRs (10.0.0.0/8), addresses or host names` });
  }
});

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number({ message: 'expected a port number' }).int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WARDEN_DATA_DIR: z.string().min(1).default('.warden'),
  WARDEN_STORE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// connection string')
    .optional(),
  WARDEN_SECRET_KEY: z
    .string()
    .refine((value) => Buffer.from(value, 'base64').length === 32, 'expected 32 bytes encoded as base64')
    .optional(),
  WARDEN_SECRET_KEY_PREVIOUS: z
    .string()
    .refine(
      (value) => value.split(',').every((k) => Buffer.from(k.trim(), 'base64').length === 32),
      'expected comma-separated keys, each 32 bytes encoded as base64',
    )
    .optional(),
  WARDEN_ADMIN_KEY: z.string().min(24, 'expected at least 24 characters').optional(),
  WARDEN_MAX_CONNECTIONS: z.coerce.number({ message: 'expected a number' }).int().min(1).max(10_000).default(200),
  WARDEN_DEMO: booleanFlag.default(true),
  WARDEN_REDIS_URL: z.string().regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL').optional(),
  WARDEN_REDIS_TIMEOUT_MS: z.coerce.number({ message: 'expected milliseconds' }).int().min(10).max(60_000).default(300),
  WARDEN_WORKERS: z.coerce.number({ message: 'expected a number of processes' }).int().min(1).max(256).optional(),
  WARDEN_STORE_POOL_MAX: z.coerce.number({ message: 'expected a number' }).int().min(1).max(1_000).default(20),
  WARDEN_STORE_POOL_TIMEOUT_MS: z.coerce.number({ message: 'expected milliseconds' }).int().min(100).max(600_000).default(15_000),
  WARDEN_REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'expected 1 to 64 letters, digits, colons, dots, dashes or underscores').default('warden:'),
  WARDEN_LLM_BASE_URL: z.url({ message: 'expected a URL' }).optional(),
  WARDEN_LLM_API_KEY: z.string().min(1).optional(),
  WARDEN_LLM_MODEL: z.string().min(1).optional(),
  WARDEN_NL_TOKEN_BUDGET: z.coerce.number({ message: 'expected a number of tokens' }).int().min(200).max(100_000).default(3_000),
  WARDEN_AIR_GAPPED: booleanFlag.default(false),
  WARDEN_EGRESS_ALLOW: egressList.optional(),
  WARDEN_EGRESS_DENY: egressList.optional(),
  WARDEN_URL: z
    .url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL, e.g. http://127.0.0.1:4000' })
    .refine((value) => {
      const url = URL.canParse(value) ? new URL(value) : undefined;
      return !url || (url.username === '' && url.password === '');
    }, 'expected no user name or password in the URL (the agent key goes in WARDEN_API_KEY)')
    .optional(),
  WARDEN_WEBHOOK_MAX_ATTEMPTS: z.coerce.number({ message: 'expected a number' }).int().min(1).max(100).default(8),
  WARDEN_WEBHOOK_BACKOFF_MS: z.coerce.number({ message: 'expected milliseconds' }).int().min(1).max(86_400_000).default(1000),
  WARDEN_WEBHOOK_TIMEOUT_MS: z.coerce.number({ message: 'expected milliseconds' }).int().min(1).max(600_000).default(10_000),
  WARDEN_WEBHOOK_POLL_MS: z.coerce.number({ message: 'expected milliseconds' }).int().min(1).max(3_600_000).default(1000),
  WARDEN_AUDIT_RETENTION_DAYS: z.coerce.number({ message: 'expected a number of days' }).int().min(1).max(36_500).default(90),
  WARDEN_AUDIT_PSEUDONYMISE: booleanFlag.default(false),
  WARDEN_AUDIT_PSEUDONYM_KEY: z
    .string()
    .refine((value) => Buffer.from(value, 'base64').length === 32, 'expected 32 bytes encoded as base64')
    .optional(),
  WARDEN_PUBLIC_URL: z
    .url({ message: 'expected an absolute http:// or https:// URL' })
    .regex(/^https?:\/\//, 'expected an absolute http:// or https:// URL')
    .optional(),
  WARDEN_EXPORT_MAX_ROWS: z.coerce.number({ message: 'expected a number' }).int().min(1).max(100_000_000).default(1_000_000),
  WARDEN_MAX_RESULT_BYTES: z.coerce.number({ message: 'expected a number of bytes' }).int().min(1_024).max(Number.MAX_SAFE_INTEGER).default(16 * 1024 * 1024),
  WARDEN_EXPORT_MAX_BYTES: z.coerce.number({ message: 'expected a number of bytes' }).int().min(1_024).max(Number.MAX_SAFE_INTEGER).default(256 * 1024 * 1024),
  WARDEN_EXPORT_LINK_TTL_SECONDS: z.coerce.number({ message: 'expected seconds' }).int().min(10).max(86_400).default(900),
  WARDEN_EXPORT_DELIVERY_TIMEOUT_MS: z.coerce.number({ message: 'expected milliseconds' }).int().min(1).max(3_600_000).default(60_000),
  WARDEN_SCHEDULE_POLL_MS: z.coerce.number({ message: 'expected milliseconds' }).int().min(10).max(3_600_000).default(5_000),
  WARDEN_WS_REVERIFY_SECONDS: z.coerce.number({ message: 'expected seconds (0 turns it off)' }).int().min(0).max(86_400).default(60),
  WARDEN_MAX_DOCUMENT_BYTES: z.coerce.number({ message: 'expected a number of bytes' }).int().min(1_024).max(1_048_576).default(102_400),
  WARDEN_MAX_DOCUMENT_TOKENS: z.coerce.number({ message: 'expected a number of tokens' }).int().min(100).max(1_000_000).default(2_000),
  WARDEN_ALLOWED_ORIGINS: z
    .string()
    .refine((value) => splitList(value).every(isOrigin), 'expected comma-separated origins such as https://console.example.com (scheme, host and port only)')
    .optional(),
  WARDEN_ALLOWED_HOSTS: z
    .string()
    .refine((value) => splitList(value).every(isHostName), 'expected comma-separated host names such as warden.example.com (no scheme, port or path)')
    .optional(),
  WARDEN_HSTS: booleanFlag.optional(),
  WARDEN_EXPLORER: booleanFlag.optional(),
  WARDEN_CONSOLE: booleanFlag.default(true),
  WARDEN_METRICS: booleanFlag.default(true),
  WARDEN_METRICS_KEY: z
    .string()
    .min(16, 'expected at least 16 characters')
    .regex(/^[\x21-\x7e]+$/, 'expected printable ASCII without spaces (it is sent as a Bearer token)')
    .optional(),
  WARDEN_OTEL_ENDPOINT: z
    .url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL of an OTLP/HTTP collector, e.g. http://127.0.0.1:4318' })
    .optional(),
  WARDEN_OTEL_SERVICE_NAME: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected 1 to 64 letters, digits, dots, dashes or underscores').default('warden'),
  // The rules' own defaults (src/events/security-rule-settings.ts), so there is one place that says them.
  WARDEN_ALERT_AUTH_FAILURES_PER_KEY: z.coerce.number({ message: 'expected a number' }).int().min(1).max(1_000).default(DEFAULT_RULE_SETTINGS.authFailuresPerKey),
  WARDEN_ALERT_AUTH_FAILURES_PER_ADDRESS: z.coerce.number({ message: 'expected a number' }).int().min(1).max(1_000).default(DEFAULT_RULE_SETTINGS.authFailuresPerAddress),
  WARDEN_ALERT_DENIAL_BURST: z.coerce.number({ message: 'expected a number' }).int().min(1).max(1_000).default(DEFAULT_RULE_SETTINGS.denialBurst),
  WARDEN_ALERT_WINDOW_SECONDS: z.coerce.number({ message: 'expected seconds' }).int().min(1).max(86_400).default(DEFAULT_RULE_SETTINGS.windowMs / 1000),
  WARDEN_ALERT_VOLUME_FACTOR: z.coerce.number({ message: 'expected a number' }).min(1).max(1_000).default(DEFAULT_RULE_SETTINGS.volumeFactor),
  WARDEN_ALERT_VOLUME_MINIMUM: z.coerce.number({ message: 'expected a number' }).int().min(1).max(10_000_000).default(DEFAULT_RULE_SETTINGS.volumeMinimum),
  WARDEN_ALERT_VOLUME_BASELINE_MINUTES: z.coerce.number({ message: 'expected minutes' }).int().min(1).max(100_000).default(DEFAULT_RULE_SETTINGS.baselineMinutes),
  WARDEN_ALERT_VOLUME_WARMUP_MINUTES: z.coerce.number({ message: 'expected minutes' }).int().min(0).max(100_000).default(DEFAULT_RULE_SETTINGS.warmupMinutes),
  WARDEN_ALERT_COOLDOWN_SECONDS: z.coerce.number({ message: 'expected seconds' }).int().min(1).max(604_800).default(300),
});

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function isOrigin(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value.replace(/\/+$/, '').toLowerCase();
}

/** A collector's base URL gets the OTLP traces path; a URL that already ends with it is taken as it is. */
function tracesUrl(endpoint: string): string {
  const base = endpoint.replace(/\/+$/, '');
  return base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
}

function isHostName(value: string): boolean {
  return /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)$/.test(value) && URL.canParse(`http://${value}`);
}


/** PostgreSQL store pool: connections at most, and how long a query waits for one (queued) before STORE_UNAVAILABLE. */
export interface StorePoolConfig {
  max: number;
  timeoutMs: number;
}

export type StoreConfig = { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string; pool?: StorePoolConfig | undefined };

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  dataDir: string;
  store: StoreConfig;
  secretKey: string | undefined;
  previousSecretKeys: string[];
  /**
   * Processes serving HTTP on the one port (node:cluster); 1 is a single process and no cluster. More
   * than 1 only with a PostgreSQL store and Redis, which the workers share as replicas do.
   */
  workers: number;
  /** Cap on connections to all registered databases together. */
  maxConnections: number;
  adminKey: string | undefined;
  demo: boolean;
  redisUrl: string | undefined;
  /** Starts every Redis key and channel name, so deployments sharing one Redis stay apart. */
  redisPrefix: string;
  /** How long a request waits for Redis (rate-limit counters) before using this replica's own counters. */
  redisTimeoutMs: number;
  llm: { baseUrl: string | undefined; apiKey: string | undefined; model: string | undefined };
  /** Natural-language questions: the most tokens of schema text one prompt shows (a ceiling; linking stops at relevance). */
  nl: { tokenBudget: number };
  airGapped: boolean;
  /**
   * Where Warden may connect on its own (webhooks, export destinations, language models): link-local and
   * metadata addresses never; loopback, private and other non-public ones only when `allow` lists them.
   */
  egress: EgressSettings;
  /**
   * `warden mcp` only: the running gateway to go through (its /mcp endpoint), instead of opening the
   * store and databases in the stdio process.
   */
  gatewayUrl: string | undefined;
  webhooks: {
    /** Attempts per delivery before it goes to the dead-letter queue. */
    maxAttempts: number;
    /** Base of the exponential backoff between attempts (full jitter, capped at an hour). */
    backoffMs: number;
    /** Per attempt. */
    timeoutMs: number;
    /** How often each replica looks for due deliveries. */
    pollMs: number;
  };
  audit: {
    /** Events older than this many days are purged, hourly. */
    retentionDays: number;
    /** Whether audit events carry a pseudonym (HMAC) instead of the agent id. */
    pseudonymise: boolean;
    /** 32 bytes, base64; when unset, derived from the secret key (src/secrets/pseudonym-key.ts). */
    pseudonymKey: string | undefined;
  };
  results: {
    /** Bytes one answer (runQuery, rows, askDatabase, MCP) carries at most; a database may set fewer. */
    maxBytes: number;
  };
  exports: {
    /** Where this gateway is reached from outside (for export links); default http://<host>:<port>. */
    publicUrl: string | undefined;
    /** Rows an export or a scheduled run reads at most (grants may say fewer). */
    maxRows: number;
    /** Bytes an export or a scheduled run writes at most (a database may set fewer). */
    maxBytes: number;
    /** How long an export link works when its maker does not say (at most a day may be asked for). */
    linkTtlSeconds: number;
    /** Per attempt, for a delivery to a webhook or a bucket. */
    deliveryTimeoutMs: number;
  };
  schedules: {
    /** How often each replica looks for due scheduled queries. */
    pollMs: number;
  };
  subscriptions: {
    /**
     * How often each open WebSocket connection's key is checked against the store again (0: never): the
     * longest a revocation whose pubsub message was missed leaves a socket open.
     */
    reverifySeconds: number;
  };
  limits: {
    /** Longest GraphQL document (the query text, not its variables) a request may send, in bytes. */
    maxDocumentBytes: number;
    /** Most lexical tokens in one GraphQL document; counted before it is parsed. */
    maxDocumentTokens: number;
  };
  http: {
    /** Browser origins besides the gateway's own that may call /mcp (exact `scheme://host[:port]`). */
    allowedOrigins: string[];
    /**
     * Host names /mcp answers to, besides loopback names, HOST and WARDEN_PUBLIC_URL's host. Undefined
     * (unset) with a wildcard HOST: any Host is taken, and only the Origin is checked.
     */
    allowedHosts: string[] | undefined;
    /** Whether responses carry Strict-Transport-Security (default: WARDEN_PUBLIC_URL is https). */
    hsts: boolean;
    /** Whether a browser gets the explorer (GraphiQL) at /graphql and /graphiql (default: not in production). */
    explorer: boolean;
    /** Whether the admin console is served at /console. */
    console: boolean;
  };
  telemetry: {
    /** Whether /metrics answers (Prometheus text); when off, nothing is counted either. */
    metrics: boolean;
    /**
     * The Bearer token /metrics asks for. Unset: /metrics answers loopback callers only (and no request
     * a proxy forwarded).
     */
    metricsKey: string | undefined;
    /** Where traces are sent (OTLP over HTTP, JSON), the collector's `/v1/traces`; unset: no tracing at all. */
    otelTracesUrl: string | undefined;
    /** `service.name` of the traces. */
    serviceName: string;
  };
  alerts: {
    /** The thresholds of the security notification rules (src/events/security-rule-settings.ts). */
    rules: RuleSettings;
    /** A situation (one key guessed at, one agent probing) is raised at most once in this long. */
    cooldownMs: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads the environment once. A bad value throws a ConfigError naming each variable at fault. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const cleaned = Object.fromEntries(
    Object.keys(envSchema.shape).map((key) => [key, env[key] === '' ? undefined : env[key]]),
  );
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    // Never echo the offending value: it may be a secret.
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;
  if (e.WARDEN_STORE_URL && !e.WARDEN_SECRET_KEY) {
    // Every replica must read the credentials the others sealed, so the key cannot be a local file.
    throw new ConfigError(['WARDEN_SECRET_KEY: required when WARDEN_STORE_URL is set (32 bytes, base64; e.g. `openssl rand -base64 32`)']);
  }
  // Workers are replicas on one machine: they need what replicas share, and the embedded store is a
  // folder only one process may open.
  const shared = e.WARDEN_STORE_URL !== undefined && e.WARDEN_REDIS_URL !== undefined;
  if ((e.WARDEN_WORKERS ?? 1) > 1 && !shared) {
    throw new ConfigError([
      'WARDEN_WORKERS > 1 needs WARDEN_STORE_URL (the embedded store belongs to one process) and WARDEN_REDIS_URL (workers share events, invalidations and limits through it, as replicas do)',
    ]);
  }
  const dataDir = resolve(e.WARDEN_DATA_DIR);
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    dataDir,
    store: e.WARDEN_STORE_URL
      ? { kind: 'postgres', url: e.WARDEN_STORE_URL, pool: { max: e.WARDEN_STORE_POOL_MAX, timeoutMs: e.WARDEN_STORE_POOL_TIMEOUT_MS } }
      : { kind: 'pglite', dataDir: resolve(dataDir, 'store') },
    secretKey: e.WARDEN_SECRET_KEY,
    previousSecretKeys: e.WARDEN_SECRET_KEY_PREVIOUS?.split(',').map((k) => k.trim()) ?? [],
    workers: e.WARDEN_WORKERS ?? (shared ? Math.min(availableParallelism(), 256) : 1),
    maxConnections: e.WARDEN_MAX_CONNECTIONS,
    adminKey: e.WARDEN_ADMIN_KEY,
    demo: e.WARDEN_DEMO,
    redisUrl: e.WARDEN_REDIS_URL,
    redisPrefix: e.WARDEN_REDIS_PREFIX,
    redisTimeoutMs: e.WARDEN_REDIS_TIMEOUT_MS,
    llm: { baseUrl: e.WARDEN_LLM_BASE_URL, apiKey: e.WARDEN_LLM_API_KEY, model: e.WARDEN_LLM_MODEL },
    nl: { tokenBudget: e.WARDEN_NL_TOKEN_BUDGET },
    airGapped: e.WARDEN_AIR_GAPPED,
    egress: { allow: parseEgressRules(e.WARDEN_EGRESS_ALLOW ?? ''), deny: parseEgressRules(e.WARDEN_EGRESS_DENY ?? '') },
    gatewayUrl: e.WARDEN_URL,
    webhooks: {
      maxAttempts: e.WARDEN_WEBHOOK_MAX_ATTEMPTS,
      backoffMs: e.WARDEN_WEBHOOK_BACKOFF_MS,
      timeoutMs: e.WARDEN_WEBHOOK_TIMEOUT_MS,
      pollMs: e.WARDEN_WEBHOOK_POLL_MS,
    },
    audit: {
      retentionDays: e.WARDEN_AUDIT_RETENTION_DAYS,
      pseudonymise: e.WARDEN_AUDIT_PSEUDONYMISE,
      pseudonymKey: e.WARDEN_AUDIT_PSEUDONYM_KEY,
    },
    results: { maxBytes: e.WARDEN_MAX_RESULT_BYTES },
    exports: {
      publicUrl: e.WARDEN_PUBLIC_URL?.replace(/\/+$/, ''),
      maxRows: e.WARDEN_EXPORT_MAX_ROWS,
      maxBytes: e.WARDEN_EXPORT_MAX_BYTES,
      linkTtlSeconds: e.WARDEN_EXPORT_LINK_TTL_SECONDS,
      deliveryTimeoutMs: e.WARDEN_EXPORT_DELIVERY_TIMEOUT_MS,
    },
    schedules: { pollMs: e.WARDEN_SCHEDULE_POLL_MS },
    subscriptions: { reverifySeconds: e.WARDEN_WS_REVERIFY_SECONDS },
    limits: { maxDocumentBytes: e.WARDEN_MAX_DOCUMENT_BYTES, maxDocumentTokens: e.WARDEN_MAX_DOCUMENT_TOKENS },
    http: {
      allowedOrigins: e.WARDEN_ALLOWED_ORIGINS ? splitList(e.WARDEN_ALLOWED_ORIGINS).map((origin) => new URL(origin).origin) : [],
      allowedHosts: e.WARDEN_ALLOWED_HOSTS ? splitList(e.WARDEN_ALLOWED_HOSTS).map((host) => host.toLowerCase()) : undefined,
      hsts: e.WARDEN_HSTS ?? e.WARDEN_PUBLIC_URL?.startsWith('https://') ?? false,
      explorer: e.WARDEN_EXPLORER ?? e.NODE_ENV !== 'production',
      console: e.WARDEN_CONSOLE,
    },
    telemetry: {
      metrics: e.WARDEN_METRICS,
      metricsKey: e.WARDEN_METRICS_KEY,
      otelTracesUrl: e.WARDEN_OTEL_ENDPOINT === undefined ? undefined : tracesUrl(e.WARDEN_OTEL_ENDPOINT),
      serviceName: e.WARDEN_OTEL_SERVICE_NAME,
    },
    alerts: {
      rules: {
        authFailuresPerKey: e.WARDEN_ALERT_AUTH_FAILURES_PER_KEY,
        authFailuresPerAddress: e.WARDEN_ALERT_AUTH_FAILURES_PER_ADDRESS,
        denialBurst: e.WARDEN_ALERT_DENIAL_BURST,
        windowMs: e.WARDEN_ALERT_WINDOW_SECONDS * 1000,
        volumeFactor: e.WARDEN_ALERT_VOLUME_FACTOR,
        volumeMinimum: e.WARDEN_ALERT_VOLUME_MINIMUM,
        baselineMinutes: e.WARDEN_ALERT_VOLUME_BASELINE_MINUTES,
        warmupMinutes: e.WARDEN_ALERT_VOLUME_WARMUP_MINUTES,
      },
      cooldownMs: e.WARDEN_ALERT_COOLDOWN_SECONDS * 1000,
    },
  };
}
