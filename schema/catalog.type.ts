import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum RelationKind {
  TABLE = 'TABLE',
  VIEW = 'VIEW',
  MATERIALIZED_VIEW = 'MATERIALIZED_VIEW',
  COLLECTION = 'COLLECTION',
}
registerEnumType(RelationKind, { name: 'RelationKind' });

@ObjectType({ description: 'A column of a table (for MongoDB, a field seen in sampled documents).' })
export class Column {
  @Field(() => String)
  name!: string;

  @Field(() => Int, { description: '1-based position in the table.' })
  position!: number;

  @Field(() => String, { description: "The engine's own type name." })
  dataType!: string;

  @Field(() => Boolean)
  nullable!: boolean;

  @Field(() => String, { nullable: true })
  defaultValue!: string | null;

  @Field(() => String, { nullable: true })
  comment!: string | null;
}

@ObjectType()
export class ForeignKey {
  @Field(() => String)
  name!: string;

  @Field(() => [String])
  columns!: string[];

  @Field(() => String)
  referencedSchema!: string;

  @Field(() => String)
  referencedTable!: string;

  @Field(() => [String])
  referencedColumns!: string[];
}

@ObjectType()
export class Index {
  @Field(() => String)
  name!: string;

  @Field(() => [String])
  columns!: string[];

  @Field(() => Boolean)
  unique!: boolean;

  @Field(() => Boolean)
  primary!: boolean;
}

@ObjectType({ description: 'A table, view or collection, as the catalog last saw it.' })
export class Table {
  @Field(() => String, { description: 'Schema (Postgres) or database (MySQL, MongoDB) the table is in.' })
  schema!: string;

  @Field(() => String)
  name!: string;

  @Field(() => RelationKind)
  kind!: RelationKind;

  @Field(() => String, { nullable: true })
  comment!: string | null;

  @Field(() => Float, { nullable: true, description: "The engine's row estimate: cheap, not exact." })
  rowEstimate!: number | null;

  @Field(() => [Column])
  columns!: Column[];

  @Field(() => [String])
  primaryKey!: string[];

  @Field(() => [ForeignKey])
  foreignKeys!: ForeignKey[];

  @Field(() => [Index])
  indexes!: Index[];
}
