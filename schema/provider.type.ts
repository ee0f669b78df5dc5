import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DateTimeScalar } from './scalars.js';

/** GraphQL names are upper case; the values are what the service and the store use. */
export enum RetryPolicy {
  FIXED = 'fixed',
  LINEAR = 'linear',
  EXPONENTIAL = 'exponential',
}
registerEnumType(RetryPolicy, {
  name: 'RetryPolicy',
  description: 'The wait before each retry of a failed language model call (network error, timeout, 429 or 5xx; never another 4xx).',
  valuesConfig: {
    FIXED: { description: 'retryDelayMs each time.' },
    LINEAR: { description: 'retryDelayMs × the retry number.' },
    EXPONENTIAL: { description: 'retryDelayMs × 2^(retry number − 1), with jitter (a random point in its upper half).' },
  },
});

@ObjectType({ description: 'An OpenAI-compatible chat endpoint askDatabase can use. Its API key is stored encrypted and never shown.' })
export class LlmProvider {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'Up to and including the API version, e.g. http://127.0.0.1:11434/v1.' })
  baseUrl!: string;

  @Field(() => String, { description: 'The model, as the provider names it.' })
  model!: string;

  @Field(() => Boolean, { description: 'Whether an API key is stored (the key itself is never shown).' })
  hasApiKey!: boolean;

  @Field(() => Float)
  temperature!: number;

  @Field(() => Int, { description: 'The most tokens a reply may have.' })
  maxTokens!: number;

  @Field(() => Int, { description: 'The deadline of one attempt, in milliseconds.' })
  timeoutMs!: number;

  @Field(() => RetryPolicy)
  retryPolicy!: RetryPolicy;

  @Field(() => Int, { description: 'Retries after a first failed attempt.' })
  maxRetries!: number;

  @Field(() => Int)
  retryDelayMs!: number;

  @Field(() => Boolean, { description: 'Used when a caller names no provider.' })
  isDefault!: boolean;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar)
  updatedAt!: Date;
}
