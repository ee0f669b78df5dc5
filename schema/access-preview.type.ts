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

@ObjectType({
  description:
    'One table or view as an agent would find it: the same decision the SQL gate makes. A view is reached by a schema or database grant only when the agent may read, unfiltered, everything it reads; a grant naming the view reaches it regardless (see exposes).',
})
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

  @Field(() => [String], { description: 'A view: every relation it reads, through views of views (schema.table). Empty for a table.' })
  reads!: string[];

  @Field(() => [String], {
    description:
      'A view the agent may use: the tables behind it that the agent could not read itself, in full and unfiltered. Only a grant naming the view lets it be read so; these are what that grant exposes.',
  })
  exposes!: string[];
}
