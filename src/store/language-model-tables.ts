import type { ColumnType } from 'kysely';

export type RetryPolicyName = 'fixed' | 'linear' | 'exponential';

/** Language-model providers (migration 0005); part of StoreSchema. */
export interface LlmProvidersTable {
  id: string;
  name: string;
  baseUrl: string;
  model: string;
  /** AES-256-GCM ciphertext of the API key (bound to `provider:<id>`) and the id of the key that sealed it; null when none. */
  apiKeyCiphertext: string | null;
  apiKeyKeyId: string | null;
  temperature: number;
  maxTokens: number;
  timeoutMs: number;
  retryPolicy: RetryPolicyName;
  maxRetries: number;
  retryDelayMs: number;
  isDefault: ColumnType<boolean, boolean | undefined, boolean>;
  createdAt: ColumnType<Date, Date | undefined, never>;
  updatedAt: Date;
}

/** Versioned prompt templates (migration 0005); part of StoreSchema. */
export interface PromptTemplatesTable {
  id: string;
  name: string;
  version: number;
  system: string;
  userText: string;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  createdAt: ColumnType<Date, Date | undefined, never>;
  createdBy: string | null;
}
