import { Field, Int, ObjectType } from 'type-graphql';
import { GrantAction } from './enums.js';

@ObjectType()
export class ColumnAccess {
  @Field(() => String)
  column!: string;

  @Field(() => [GrantAction], { description: 'Empty: the agent cannot touch this column.' })
  actions!: GrantAction[];

  @Field(() => String, { nullable: true, description: 'The expression shown instead of the value.' })
  mask!: string | null;
}

@ObjectType({ description: 'One table as an agent would find it: the same decision the SQL gate makes.' })
export class TableAccess {
  @Field(() => String)
  schema!: string;

  @Field(() => String)
  table!: string;

  @Field(() => [GrantAction], { description: 'Empty: the agent cannot reach this table at all.' })
  actions!: GrantAction[];

  @Field(() => [ColumnAccess])
  columns!: ColumnAccess[];

  @Field(() => String, { nullable: true, description: 'Only rows passing this predicate are visible.' })
  rowFilter!: string | null;

  @Field(() => Int, { nullable: true })
  rowCap!: number | null;
}
