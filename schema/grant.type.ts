import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { ConnectionType } from './connection.js';
import { GrantAction, GrantScope } from './enums.js';
import { Node } from './node.interface.js';
import { DateTimeScalar } from './scalars.js';

@ObjectType({ description: 'A column shown masked to the agent, with the SQL expression that replaces it.' })
export class ColumnMask {
  @Field(() => String)
  column!: string;

  @Field(() => String)
  expression!: string;
}

@ObjectType({ implements: Node, description: 'What one agent may do in one database. No grant, no access.' })
export class Grant implements Node {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  agentId!: string;

  @Field(() => ID)
  databaseId!: string;

  @Field(() => GrantScope)
  scope!: GrantScope;

  @Field(() => String, { nullable: true })
  schemaName!: string | null;

  @Field(() => String, { nullable: true })
  tableName!: string | null;

  @Field(() => [String], { nullable: true, description: 'For a COLUMNS grant, the columns it covers.' })
  columns!: string[] | null;

  @Field(() => [GrantAction])
  actions!: GrantAction[];

  @Field(() => String, { nullable: true, description: "SQL predicate over the table's columns; rows failing it are invisible." })
  rowFilter!: string | null;

  @Field(() => [ColumnMask])
  columnMasks!: ColumnMask[];

  @Field(() => Int, { nullable: true, description: 'Most rows one query may return.' })
  rowCap!: number | null;

  @Field(() => Float, { nullable: true, description: "Most the planner may estimate one statement costs." })
  maxCost!: number | null;

  @Field(() => Float, { nullable: true, description: 'Most rows the planner may estimate one statement reads.' })
  maxEstimatedRows!: number | null;

  @Field(() => DateTimeScalar, { nullable: true })
  expiresAt!: Date | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;
}

@ObjectType()
export class GrantConnection extends ConnectionType('Grant', Grant) {}
