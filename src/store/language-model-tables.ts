import type { ColumnType } from 'kysely';

export type RetryPolicyName = 'fixed' | 'linear' | 'exponential';

/** Language-model providers (migration 0005); part of StoreSchema. */
export interface LlmProvidersTable {
  id: string;
  name: string;
  base_url: string;
  model: string;
  /** AES-256-GCM ciphertext of the API key (bound to `provider:<id>`) and the id of the key that sealed it; null when none. */
  api_key_ciphertext: string | null;
  api_key_key_id: string | null;
  temperature: number;
  max_tokens: number;
  timeout_ms: number;
  retry_policy: RetryPolicyName;
  max_retries: number;
  retry_delay_ms: number;
  is_default: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: Date;
}

/** Versioned prompt templates (migration 0005); part of StoreSchema. */
export interface PromptTemplatesTable {
  id: string;
  name: string;
  version: number;
  system: string;
  user_text: string;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: ColumnType<Date, Date | undefined, never>;
  created_by: string | null;
}
