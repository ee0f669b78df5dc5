import { Field, Float, ID, InputType, Int } from 'type-graphql';
import { GrantAction, GrantScope } from './enums.js';
import { DateTimeScalar } from './scalars.js';

@InputType()
export class ColumnMaskInput {
  @Field(() => String)
  column!: string;

  @Field(() => String, { description: "A SQL expression over the table's columns shown instead of the value, e.g. 'left(email, 2) || ''…'''." })
  expression!: string;
}

@InputType({ description: 'What an agent may do in a database. Grants add up; without one, nothing is allowed.' })
export class GrantInput {
  @Field(() => ID)
  agentId!: string;

  @Field(() => ID)
  databaseId!: string;

  @Field(() => GrantScope)
  scope!: GrantScope;

  @Field(() => String, { nullable: true, description: 'For SCHEMA; for TABLE/COLUMNS when the table name is in several schemas.' })
  schema?: string | null;

  @Field(() => String, { nullable: true, description: 'For TABLE and COLUMNS.' })
  table?: string | null;

  @Field(() => [String], { nullable: true, description: 'For COLUMNS.' })
  columns?: string[] | null;

  @Field(() => [GrantAction])
  actions!: GrantAction[];

  @Field(() => String, { nullable: true, description: "A SQL predicate over the table's own columns; the agent sees (and changes) only rows passing it." })
  rowFilter?: string | null;

  @Field(() => [ColumnMaskInput], { nullable: true })
  columnMasks?: ColumnMaskInput[] | null;

  @Field(() => Int, { nullable: true, description: 'Most rows one query may return.' })
  rowCap?: number | null;

  @Field(() => Float, { nullable: true, description: "Most the planner may estimate one statement costs (PostgreSQL: Total Cost; MySQL/MariaDB: query cost); over it, QUERY_TOO_EXPENSIVE before it runs." })
  maxCost?: number | null;

  @Field(() => Float, { nullable: true, description: 'Most rows the planner may estimate one statement reads; over it, QUERY_TOO_EXPENSIVE before it runs.' })
  maxEstimatedRows?: number | null;

  @Field(() => DateTimeScalar, { nullable: true })
  expiresAt?: Date | null;
}
