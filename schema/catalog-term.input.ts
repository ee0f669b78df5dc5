import { Field, ID, InputType, Int } from 'type-graphql';

@InputType({ description: 'A table, or one column of it. The schema may be left out when only one schema has the table.' })
export class CatalogTermLinkInput {
  @Field(() => String, { nullable: true })
  schema?: string | null;

  @Field(() => String)
  table!: string;

  @Field(() => String, { nullable: true })
  column?: string | null;
}

@InputType({ description: 'A question and one SQL read that answers it.' })
export class CatalogTermExampleInput {
  @Field(() => String, { description: '1 to 500 characters.' })
  question!: string;

  @Field(() => String, { description: 'One read (SELECT), naming tables and columns that exist; an agent’s must be one its grants allow.' })
  sql!: string;
}

@InputType({ description: 'A new term (no id) or a new version of one (id). An admin’s save is APPROVED; an agent’s is a PENDING proposal.' })
export class SaveCatalogTermInput {
  @Field(() => ID, { nullable: true, description: 'The term to change; an agent may change only its own proposals not yet approved.' })
  id?: string | null;

  @Field(() => ID)
  databaseId!: string;

  @Field(() => String, { description: '1 to 100 characters; unique in the database, whatever the case.' })
  term!: string;

  @Field(() => String, { description: '1 to 2,000 characters.' })
  definition!: string;

  @Field(() => [String], { nullable: true, description: 'Other words for it (at most 50).' })
  synonyms?: string[] | null;

  @Field(() => [CatalogTermLinkInput], { nullable: true, description: 'What it is about (at most 50).' })
  links?: CatalogTermLinkInput[] | null;

  @Field(() => [CatalogTermExampleInput], { nullable: true, description: 'At most 20.' })
  examples?: CatalogTermExampleInput[] | null;

  @Field(() => Int, { nullable: true, description: 'The version this change is based on: CONFLICT if the term has changed since.' })
  expectedVersion?: number | null;
}
