import type { Config } from '../config.js';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { randomBase32 } from '../ids.js';
import type { Logger } from '../logger.js';
import { checkAirGapped, type HostLookup } from '../nl/air-gap.js';
import { LlmClient, type LlmClientOptions, type LlmProviderSettings, type RetryPolicy } from '../nl/llm-client.js';
import { EgressGuard } from '../net/egress-guard.js';
import { DEFAULT_EGRESS_SETTINGS, type EgressSettings } from '../net/egress-policy.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { Store } from '../store/open-store.js';
import type { ProviderRecord } from '../store/repositories/index.js';

/** Settings of a provider that have defaults. */
export interface ProviderTuning {
  temperature?: number | null | undefined;
  maxTokens?: number | null | undefined;
  timeoutMs?: number | null | undefined;
  retryPolicy?: RetryPolicy | null | undefined;
  maxRetries?: number | null | undefined;
  retryDelayMs?: number | null | undefined;
}

export interface RegisterProviderInput extends ProviderTuning {
  name: string;
  baseUrl: string;
  model: string;
  /** Omitted or null for a local model that needs none. */
  apiKey?: string | null | undefined;
  /** Makes it the provider used when none is named (any other default stops being one). */
  isDefault?: boolean | null | undefined;
}

export interface UpdateProviderInput extends ProviderTuning {
  name?: string | null | undefined;
  baseUrl?: string | null | undefined;
  model?: string | null | undefined;
  /** A new key; omitted or null keeps the stored one. */
  apiKey?: string | null | undefined;
  /** Forgets the stored key (for a model that needs none). */
  clearApiKey?: boolean | null | undefined;
  /** true makes it the default; false stops it being the default. */
  isDefault?: boolean | null | undefined;
}

/** A provider as the API shows it: never its key, only whether it has one. */
export interface ProviderView {
  id: string;
  name: string;
  baseUrl: string;
  model: string;
  hasApiKey: boolean;
  temperature: number;
  maxTokens: number;
  timeoutMs: number;
  retryPolicy: RetryPolicy;
  maxRetries: number;
  retryDelayMs: number;
  isDefault: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** What a provider gets when a setting is not given. */
export const PROVIDER_DEFAULTS = {
  temperature: 0,
  maxTokens: 1024,
  timeoutMs: 60_000,
  retryPolicy: 'exponential',
  maxRetries: 2,
  retryDelayMs: 500,
} as const satisfies Required<{ [K in keyof ProviderTuning]: NonNullable<ProviderTuning[K]> }>;

/** The name errors and logs give the provider configured by WARDEN_LLM_* variables. */
export const ENVIRONMENT_PROVIDER_NAME = 'environment (WARDEN_LLM_BASE_URL)';

export const NO_PROVIDER_MESSAGE =
  'No language model is configured. Register one with registerProvider, or set WARDEN_LLM_BASE_URL and WARDEN_LLM_MODEL (and WARDEN_LLM_API_KEY if it needs one).';

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const MAX_URL_LENGTH = 2048;
const MAX_MODEL_LENGTH = 200;
const MAX_KEY_LENGTH = 4096;
const RETRY_POLICIES: readonly RetryPolicy[] = ['fixed', 'linear', 'exponential'];

/**
 * Language-model providers (admin use cases) and the client the natural-language pipeline calls: the
 * named provider, else the default one, else the one configured by environment variables. API keys are
 * sealed at rest (bound to `provider:<id>`) and opened only to build a client; in air-gapped mode
 * (WARDEN_AIR_GAPPED=true) a provider must live on a loopback or private address, checked when it is
 * registered or changed and again each time a client is made for it.
 */
export class ProviderService {
  /** Where a provider may be reached: checked when one is registered or moved, and as each connection is made. */
  readonly #egress: EgressGuard;

  constructor(
    private readonly store: Store,
    private readonly secrets: SecretBox,
    /** `egress` defaults to the egress policy's defaults (no loopback or private providers unless air-gapped). */
    private readonly config: Pick<Config, 'airGapped' | 'llm'> & { egress?: EgressSettings; llmTelemetry?: LlmClientOptions['telemetry'] },
    private readonly log?: Logger,
    private readonly lookup?: HostLookup,
    private readonly now: () => Date = () => new Date(),
  ) {
    const guard = new EgressGuard(config.egress ?? DEFAULT_EGRESS_SETTINGS, lookup ? { resolve: resolverOf(lookup) } : {});
    // Air-gapped: the local model must be reachable (loopback, private), and nothing else; never link-local or metadata.
    this.#egress = config.airGapped ? guard.localOnly() : guard;
  }

  /** Every registered provider, by name. */
  async list(): Promise<ProviderView[]> {
    return (await this.store.repos.providers.list()).map(toView);
  }

  async get(id: string): Promise<ProviderView> {
    return toView(await this.#find(id));
  }

  async register(input: RegisterProviderInput): Promise<ProviderView> {
    const name = checkName(input.name);
    const baseUrl = checkBaseUrl(input.baseUrl);
    const model = checkModel(input.model);
    const tuning = checkTuning(input, PROVIDER_DEFAULTS);
    const apiKey = input.apiKey === undefined || input.apiKey === null ? null : checkApiKey(input.apiKey);
    await this.#checkAirGap(baseUrl);
    await this.#egress.checkUrl(baseUrl, 'base URL', 'baseUrl');
    const id = `prv_${randomBase32(16)}`;
    const sealed = apiKey === null ? null : this.secrets.seal(apiKey, sealContext(id));
    const now = this.now();
    const record = await this.store.transaction(
      async (repos) => {
        if (await repos.providers.findByName(name)) throw nameTaken(name);
        if (input.isDefault) await repos.providers.clearDefault();
        return repos.providers.insert({
          id,
          name,
          baseUrl,
          model,
          apiKeyCiphertext: sealed?.ciphertext ?? null,
          apiKeyKeyId: sealed?.keyId ?? null,
          ...tuningColumns(tuning),
          isDefault: input.isDefault === true,
          createdAt: now,
          updatedAt: now,
        });
      },
      { lock: 'warden:llm-providers' },
    );
    return toView(record);
  }

  async update(id: string, input: UpdateProviderInput): Promise<ProviderView> {
    const current = await this.#find(id);
    const name = input.name === undefined || input.name === null ? current.name : checkName(input.name);
    const baseUrl = input.baseUrl === undefined || input.baseUrl === null ? current.baseUrl : checkBaseUrl(input.baseUrl);
    const model = input.model === undefined || input.model === null ? current.model : checkModel(input.model);
    const tuning = checkTuning(input, fromColumns(current));
    if (input.clearApiKey && input.apiKey !== undefined && input.apiKey !== null) {
      throw new AppError(ErrorCode.BAD_USER_INPUT, 'Give either a new apiKey or clearApiKey: true, not both.', { field: 'apiKey' });
    }
    const apiKey = input.apiKey === undefined || input.apiKey === null ? undefined : checkApiKey(input.apiKey);
    if (baseUrl !== current.baseUrl) {
      await this.#checkAirGap(baseUrl);
      await this.#egress.checkUrl(baseUrl, 'base URL', 'baseUrl');
    }
    const sealed = apiKey === undefined ? undefined : this.secrets.seal(apiKey, sealContext(id));
    const keyColumns = sealed
      ? { apiKeyCiphertext: sealed.ciphertext, apiKeyKeyId: sealed.keyId }
      : input.clearApiKey
        ? { apiKeyCiphertext: null, apiKeyKeyId: null }
        : {};
    const updated = await this.store.transaction(
      async (repos) => {
        if (name !== current.name && (await repos.providers.findByName(name))) throw nameTaken(name);
        if (input.isDefault === true) await repos.providers.clearDefault(id);
        return repos.providers.update(id, {
          name,
          baseUrl,
          model,
          ...keyColumns,
          ...tuningColumns(tuning),
          ...(input.isDefault === true || input.isDefault === false ? { isDefault: input.isDefault } : {}),
          updatedAt: this.now(),
        });
      },
      { lock: 'warden:llm-providers' },
    );
    if (!updated) throw notFound(id);
    return toView(updated);
  }

  /** Seals API keys again with the current secret key where an older one sealed them (after a rotation). */
  async resealStaleKeys(): Promise<number> {
    let resealed = 0;
    for (const record of await this.store.repos.providers.list()) {
      if (!record.apiKeyCiphertext || !record.apiKeyKeyId || !this.secrets.isStale(record.apiKeyKeyId)) continue;
      const plaintext = this.secrets.open({ keyId: record.apiKeyKeyId, ciphertext: record.apiKeyCiphertext }, sealContext(record.id));
      const sealed = this.secrets.seal(plaintext, sealContext(record.id));
      await this.store.repos.providers.update(record.id, { apiKeyCiphertext: sealed.ciphertext, apiKeyKeyId: sealed.keyId });
      resealed += 1;
    }
    return resealed;
  }

  /** Unregisters a provider; its sealed key goes with it. */
  async remove(id: string): Promise<ProviderView> {
    const removed = await this.store.transaction((repos) => repos.providers.delete(id));
    if (!removed) throw notFound(id);
    return toView(removed);
  }

  /**
   * The client for `providerId`; without one, the default provider (or the only one registered), else
   * the one set by WARDEN_LLM_BASE_URL / WARDEN_LLM_MODEL / WARDEN_LLM_API_KEY. LLM_UNAVAILABLE when
   * there is none; NOT_FOUND for an unknown id; BAD_USER_INPUT when air-gapped mode forbids its host.
   */
  async clientFor(providerId?: string | null): Promise<LlmClient> {
    if (providerId) return this.#clientOf(await this.#find(providerId));
    const chosen = await this.store.repos.providers.findDefault();
    if (chosen) return this.#clientOf(chosen);
    const all = await this.store.repos.providers.list();
    if (all.length === 1 && all[0]) return this.#clientOf(all[0]);
    const fromEnv = this.#environmentSettings();
    if (fromEnv) {
      if (this.config.airGapped) await this.#checkAirGap(fromEnv.baseUrl, 'WARDEN_LLM_BASE_URL');
      return new LlmClient(fromEnv, this.#clientOptions());
    }
    if (all.length > 1) {
      throw new AppError(
        ErrorCode.LLM_UNAVAILABLE,
        `${all.length} language model providers are registered and none is the default. Name one (providerId), or make one the default with updateProvider(id, { isDefault: true }).`,
      );
    }
    throw new AppError(ErrorCode.LLM_UNAVAILABLE, NO_PROVIDER_MESSAGE);
  }

  /** The same as clientFor, as the natural-language pipeline asks for it. */
  modelFor(providerId?: string | null): Promise<LlmClient> {
    return this.clientFor(providerId);
  }

  async #clientOf(record: ProviderRecord): Promise<LlmClient> {
    // Again at use: the host may resolve elsewhere now, or the mode may have been switched on since.
    if (this.config.airGapped) await this.#checkAirGap(record.baseUrl);
    const apiKey =
      record.apiKeyCiphertext && record.apiKeyKeyId
        ? this.secrets.open({ keyId: record.apiKeyKeyId, ciphertext: record.apiKeyCiphertext }, sealContext(record.id))
        : null;
    const settings: LlmProviderSettings = {
      id: record.id,
      name: record.name,
      baseUrl: record.baseUrl,
      model: record.model,
      apiKey,
      temperature: roundReal(record.temperature),
      maxTokens: record.maxTokens,
      timeoutMs: record.timeoutMs,
      retry: { policy: record.retryPolicy, maxRetries: record.maxRetries, delayMs: record.retryDelayMs },
    };
    return new LlmClient(settings, this.#clientOptions());
  }

  #environmentSettings(): LlmProviderSettings | undefined {
    const { baseUrl, model, apiKey } = this.config.llm;
    if (!baseUrl || !model) return undefined;
    return {
      id: null,
      name: ENVIRONMENT_PROVIDER_NAME,
      baseUrl,
      model,
      apiKey: apiKey ?? null,
      temperature: PROVIDER_DEFAULTS.temperature,
      maxTokens: PROVIDER_DEFAULTS.maxTokens,
      timeoutMs: PROVIDER_DEFAULTS.timeoutMs,
      retry: { policy: PROVIDER_DEFAULTS.retryPolicy, maxRetries: PROVIDER_DEFAULTS.maxRetries, delayMs: PROVIDER_DEFAULTS.retryDelayMs },
    };
  }

  #clientOptions() {
    return { fetch: this.#egress.fetch, ...(this.log ? { log: this.log } : {}), ...(this.config.llmTelemetry ? { telemetry: this.config.llmTelemetry } : {}) };
  }

  async #checkAirGap(baseUrl: string, variable?: string): Promise<void> {
    if (!this.config.airGapped) return;
    try {
      await checkAirGapped(baseUrl, this.lookup);
    } catch (error) {
      if (variable && error instanceof AppError) {
        // Configured by the operator, not given by the caller: say which variable to fix.
        throw new AppError(ErrorCode.LLM_UNAVAILABLE, `${variable}: ${error.message}`, undefined, { cause: error });
      }
      throw error;
    }
  }

  async #find(id: string): Promise<ProviderRecord> {
    const record = await this.store.repos.providers.findById(id);
    if (!record) throw notFound(id);
    return record;
  }
}

/** The air-gap check's resolver, as the egress guard asks for addresses. */
function resolverOf(lookup: HostLookup) {
  return async (hostname: string, family: number) => {
    const found = await lookup(hostname, { all: true, verbatim: true });
    return family === 0 ? found : found.filter((a) => a.family === family);
  };
}

interface Tuning {
  temperature: number;
  maxTokens: number;
  timeoutMs: number;
  retryPolicy: RetryPolicy;
  maxRetries: number;
  retryDelayMs: number;
}

function checkTuning(input: ProviderTuning, base: Tuning): Tuning {
  const pick = <K extends keyof Tuning>(key: K): Tuning[K] => (input[key] === undefined || input[key] === null ? base[key] : (input[key] as Tuning[K]));
  const tuning: Tuning = {
    temperature: pick('temperature'),
    maxTokens: pick('maxTokens'),
    timeoutMs: pick('timeoutMs'),
    retryPolicy: pick('retryPolicy'),
    maxRetries: pick('maxRetries'),
    retryDelayMs: pick('retryDelayMs'),
  };
  if (!Number.isFinite(tuning.temperature) || tuning.temperature < 0 || tuning.temperature > 2) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, 'temperature is a number from 0 to 2.', { field: 'temperature' });
  }
  checkWhole('maxTokens', tuning.maxTokens, 1, 32_768);
  checkWhole('timeoutMs', tuning.timeoutMs, 100, 600_000);
  checkWhole('maxRetries', tuning.maxRetries, 0, 10);
  checkWhole('retryDelayMs', tuning.retryDelayMs, 0, 60_000);
  if (!RETRY_POLICIES.includes(tuning.retryPolicy)) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, 'retryPolicy is fixed, linear or exponential.', { field: 'retryPolicy' });
  }
  return tuning;
}

function checkWhole(field: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, `${field} is a whole number from ${min.toLocaleString('en')} to ${max.toLocaleString('en')}.`, { field });
  }
}

function tuningColumns(tuning: Tuning) {
  return {
    temperature: tuning.temperature,
    maxTokens: tuning.maxTokens,
    timeoutMs: tuning.timeoutMs,
    retryPolicy: tuning.retryPolicy,
    maxRetries: tuning.maxRetries,
    retryDelayMs: tuning.retryDelayMs,
  };
}

function fromColumns(record: ProviderRecord): Tuning {
  return {
    temperature: record.temperature,
    maxTokens: record.maxTokens,
    timeoutMs: record.timeoutMs,
    retryPolicy: record.retryPolicy,
    maxRetries: record.maxRetries,
    retryDelayMs: record.retryDelayMs,
  };
}

function toView(record: ProviderRecord): ProviderView {
  return {
    id: record.id,
    name: record.name,
    baseUrl: record.baseUrl,
    model: record.model,
    hasApiKey: record.apiKeyCiphertext !== null,
    ...fromColumns(record),
    temperature: roundReal(record.temperature),
    isDefault: record.isDefault,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/** `real` is a float4: 0.7 reads back as 0.699999988079071. */
function roundReal(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function checkName(raw: string): string {
  const name = raw.trim();
  if (!NAME_PATTERN.test(name)) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, 'A provider name is 1 to 63 letters, digits, dots, dashes or underscores, starting with a letter or digit.', {
      field: 'name',
    });
  }
  return name;
}

/** An absolute http(s) URL with no credentials, query or fragment; kept without a trailing slash. */
function checkBaseUrl(raw: string): string {
  const text = raw.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AppError(ErrorCode.BAD_USER_INPUT, 'The base URL is not a valid URL. Give an absolute http:// or https:// URL, e.g. http://127.0.0.1:11434/v1.', {
      field: 'baseUrl',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppError(ErrorCode.BAD_USER_INPUT, 'A base URL must use http:// or https://.', { field: 'baseUrl' });
  }
  if (url.username || url.password) {
    // The URL is kept in the clear and shown to admins; a key belongs in apiKey, which is sealed.
    throw new AppError(ErrorCode.BAD_USER_INPUT, 'A base URL cannot carry a user name or password. Give the key as apiKey: it is stored encrypted.', {
      field: 'baseUrl',
    });
  }
  if (url.search || url.hash) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, 'A base URL cannot have a query string or #fragment. Give the key as apiKey: it is stored encrypted.', {
      field: 'baseUrl',
    });
  }
  if (text.length > MAX_URL_LENGTH) throw new AppError(ErrorCode.BAD_USER_INPUT, `A base URL is at most ${MAX_URL_LENGTH} characters.`, { field: 'baseUrl' });
  return url.toString().replace(/\/+$/, '');
}

function checkModel(raw: string): string {
  const model = raw.trim();
  if (model.length === 0 || model.length > MAX_MODEL_LENGTH || /\s/.test(model)) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, `A model is 1 to ${MAX_MODEL_LENGTH} characters without spaces, as the provider names it (e.g. gpt-4o-mini, llama3.1:8b).`, {
      field: 'model',
    });
  }
  return model;
}

function checkApiKey(raw: string): string {
  const key = raw.trim();
  if (key.length === 0 || key.length > MAX_KEY_LENGTH || /\s/.test(key)) {
    // Never echo the key back.
    throw new AppError(ErrorCode.BAD_USER_INPUT, `An API key is 1 to ${MAX_KEY_LENGTH} characters without spaces. To remove a key, use clearApiKey: true.`, {
      field: 'apiKey',
    });
  }
  return key;
}

/** Binds a sealed API key to its provider row. */
function sealContext(providerId: string): string {
  return `provider:${providerId}`;
}

function nameTaken(name: string): AppError {
  return new AppError(ErrorCode.CONFLICT, `A provider named "${name}" is already registered. Choose another name.`, { field: 'name' });
}

function notFound(id: string): AppError {
  return new AppError(ErrorCode.NOT_FOUND, `No language model provider has the id "${id}". The providers query lists them.`);
}
