import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { QueryResult } from './query.type.js';
import { JSONScalar } from './scalars.js';

@InputType()
export class AskOptions {
  @Field(() => ID, { nullable: true, description: 'The language model provider; default: the default provider.' })
  providerId?: string | null;

  @Field(() => Int, { nullable: true, description: 'Rows returned at most (default 200).' })
  maxRows?: number | null;

  @Field(() => Int, { nullable: true, description: 'Repairs after a statement that fails to parse, names something missing, or that the database rejects (0–3, default 2).' })
  maxRepairs?: number | null;
}

@ObjectType()
export class ValueCount {
  @Field(() => String)
  value!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType()
export class Trend {
  @Field(() => String, { description: 'rising, falling or flat.' })
  direction!: string;

  @Field(() => String, { description: 'The column the change is measured over.' })
  by!: string;

  @Field(() => Float, { nullable: true, description: 'From the first third of the rows to the last.' })
  changePercent!: number | null;
}

@ObjectType({ description: 'Statistics of one result column, computed from the rows (not by the model).' })
export class ColumnStatistics {
  @Field(() => String)
  column!: string;

  @Field(() => String, { description: 'numeric, text, temporal, boolean or other.' })
  kind!: string;

  @Field(() => Int)
  count!: number;

  @Field(() => Int)
  nulls!: number;

  @Field(() => Int)
  distinct!: number;

  @Field(() => JSONScalar, { nullable: true })
  min?: unknown;

  @Field(() => JSONScalar, { nullable: true })
  max?: unknown;

  @Field(() => Float, { nullable: true })
  mean?: number | null;

  @Field(() => [ValueCount], { nullable: true, description: 'Most frequent values first.' })
  top?: ValueCount[] | null;

  @Field(() => Trend, { nullable: true })
  trend?: Trend | null;
}

@ObjectType({ description: 'What the rows say, in plain words and figures computed from them.' })
export class Explanation {
  @Field(() => String)
  summary!: string;

  @Field(() => Int)
  rowCount!: number;

  @Field(() => [ColumnStatistics])
  columns!: ColumnStatistics[];
}

@ObjectType()
export class TokenUsage {
  @Field(() => Int)
  promptTokens!: number;

  @Field(() => Int)
  completionTokens!: number;

  @Field(() => Int)
  totalTokens!: number;
}

@ObjectType({ description: 'One round with the model: the SQL it wrote and, when it failed, why.' })
export class AskAttempt {
  @Field(() => String, { nullable: true })
  sql!: string | null;

  @Field(() => String, { nullable: true, description: 'The error code, when this attempt failed.' })
  errorCode!: string | null;

  @Field(() => String, { nullable: true })
  errorMessage!: string | null;

  @Field(() => Float)
  modelMs!: number;

  @Field(() => Int)
  totalTokens!: number;
}

@ObjectType()
export class AskTimings {
  @Field(() => Float, { description: 'Choosing the tables and columns to show the model.' })
  linkMs!: number;

  @Field(() => Float, { description: 'Waiting for the model, all attempts.' })
  modelMs!: number;

  @Field(() => Float, { description: 'Gate, grants and the database, for the statement that ran.' })
  queryMs!: number;

  @Field(() => Float)
  totalMs!: number;
}

@ObjectType()
export class ModelRef {
  @Field(() => ID, { nullable: true, description: 'Null for the provider configured by environment variables.' })
  providerId!: string | null;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  model!: string;
}

@ObjectType({ description: 'A question answered: the SQL the model wrote, run under your grants, and what the rows say.' })
export class AskResult {
  @Field(() => String)
  question!: string;

  @Field(() => String, { description: 'The statement as the model wrote it (the gateway ran it narrowed by your row filters and masks).' })
  sql!: string;

  @Field(() => QueryResult)
  result!: QueryResult;

  @Field(() => Explanation)
  explanation!: Explanation;

  @Field(() => [String], { description: 'The tables shown to the model, most relevant first (schema.table).' })
  linkedTables!: string[];

  @Field(() => TokenUsage)
  usage!: TokenUsage;

  @Field(() => [AskAttempt])
  attempts!: AskAttempt[];

  @Field(() => AskTimings)
  timings!: AskTimings;

  @Field(() => ModelRef)
  provider!: ModelRef;
}

@ObjectType({ description: 'One provider’s answer in a comparison.' })
export class ModelAnswer {
  @Field(() => ModelRef)
  provider!: ModelRef;

  @Field(() => String, { nullable: true })
  sql!: string | null;

  @Field(() => Int, { nullable: true })
  rowCount!: number | null;

  @Field(() => Boolean, { nullable: true, description: 'Same rows (in any order) as the first provider that answered; null when this one failed.' })
  rowsEqual!: boolean | null;

  @Field(() => Float, { description: 'Time with the model, all attempts.' })
  latencyMs!: number;

  @Field(() => TokenUsage, { nullable: true })
  usage!: TokenUsage | null;

  @Field(() => Int)
  attempts!: number;

  @Field(() => String, { nullable: true })
  errorCode!: string | null;

  @Field(() => String, { nullable: true })
  errorMessage!: string | null;
}

@ObjectType()
export class ModelComparison {
  @Field(() => String)
  question!: string;

  @Field(() => [ModelAnswer])
  answers!: ModelAnswer[];

  @Field(() => Boolean, { description: 'Every provider answered, with the same rows.' })
  agree!: boolean;
}
