import { Field, Float, InputType, Int } from 'type-graphql';
import { RetryPolicy } from './provider.type.js';

@InputType({ description: 'A language model provider: any OpenAI-compatible chat endpoint (OpenAI, vLLM, Ollama, llama.cpp…).' })
export class RegisterProviderInput {
  @Field(() => String, { description: '1 to 63 letters, digits, dots, dashes or underscores; unique.' })
  name!: string;

  @Field(() => String, {
    description:
      'An absolute http:// or https:// URL up to and including the API version (e.g. https://api.openai.com/v1), with no user name, password or query. With WARDEN_AIR_GAPPED=true, only loopback or private hosts.',
  })
  baseUrl!: string;

  @Field(() => String, { description: 'The model, as the provider names it (e.g. gpt-4o-mini, llama3.1:8b).' })
  model!: string;

  @Field(() => String, { nullable: true, description: 'Sent as a Bearer token; stored encrypted, never shown again. Omit for a local model that needs none.' })
  apiKey?: string | null;

  @Field(() => Float, { nullable: true, description: '0 to 2; default 0.' })
  temperature?: number | null;

  @Field(() => Int, { nullable: true, description: '1 to 32,768; default 1,024.' })
  maxTokens?: number | null;

  @Field(() => Int, { nullable: true, description: 'Per attempt, 100 to 600,000 ms; default 60,000.' })
  timeoutMs?: number | null;

  @Field(() => RetryPolicy, { nullable: true, description: 'Default EXPONENTIAL.' })
  retryPolicy?: RetryPolicy | null;

  @Field(() => Int, { nullable: true, description: '0 to 10; default 2.' })
  maxRetries?: number | null;

  @Field(() => Int, { nullable: true, description: '0 to 60,000 ms; default 500.' })
  retryDelayMs?: number | null;

  @Field(() => Boolean, { nullable: true, description: 'Make it the default provider (another default stops being one).' })
  isDefault?: boolean | null;
}

@InputType({ description: 'Changes to a provider; what is omitted stays as it is.' })
export class UpdateProviderInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'With WARDEN_AIR_GAPPED=true, only loopback or private hosts.' })
  baseUrl?: string | null;

  @Field(() => String, { nullable: true })
  model?: string | null;

  @Field(() => String, { nullable: true, description: 'A new API key (stored encrypted, never shown). Omit to keep the current one.' })
  apiKey?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'true forgets the stored API key.' })
  clearApiKey?: boolean | null;

  @Field(() => Float, { nullable: true })
  temperature?: number | null;

  @Field(() => Int, { nullable: true })
  maxTokens?: number | null;

  @Field(() => Int, { nullable: true })
  timeoutMs?: number | null;

  @Field(() => RetryPolicy, { nullable: true })
  retryPolicy?: RetryPolicy | null;

  @Field(() => Int, { nullable: true })
  maxRetries?: number | null;

  @Field(() => Int, { nullable: true })
  retryDelayMs?: number | null;

  @Field(() => Boolean, { nullable: true, description: 'true makes it the default; false stops it being the default.' })
  isDefault?: boolean | null;
}
