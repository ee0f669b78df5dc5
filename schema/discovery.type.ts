import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DateTimeScalar, JSONScalar } from './scalars.js';

export enum RowCountBasis {
  COUNT = 'COUNT',
  ESTIMATE = 'ESTIMATE',
  UNKNOWN = 'UNKNOWN',
}
registerEnumType(RowCountBasis, {
  name: 'RowCountBasis',
  description: "How a profile's row count was had: counted, or the planner's estimate when the count ran out of time.",
  valuesConfig: {
    COUNT: { description: 'Counted just now, through your row filter.' },
    ESTIMATE: { description: "The planner's estimate: counting took longer than the profile's count timeout." },
    UNKNOWN: { description: 'Neither a count nor an estimate could be had.' },
  },
});

export enum DistinctBasis {
  ALL_ROWS = 'ALL_ROWS',
  SAMPLE = 'SAMPLE',
}
registerEnumType(DistinctBasis, {
  name: 'DistinctBasis',
  valuesConfig: {
    ALL_ROWS: { description: 'Counted over every row you may see.' },
    SAMPLE: { description: 'Counted over the first sampleLimit rows only: counting them all took too long.' },
  },
});

export enum ConstraintKind {
  PRIMARY_KEY = 'PRIMARY_KEY',
  UNIQUE = 'UNIQUE',
  CHECK = 'CHECK',
  FOREIGN_KEY = 'FOREIGN_KEY',
}
registerEnumType(ConstraintKind, { name: 'ConstraintKind' });

export enum JoinEvidence {
  FOREIGN_KEY = 'FOREIGN_KEY',
  NAME_AND_TYPE = 'NAME_AND_TYPE',
}
registerEnumType(JoinEvidence, {
  name: 'JoinEvidence',
  valuesConfig: {
    FOREIGN_KEY: { description: 'A declared foreign key.' },
    NAME_AND_TYPE: { description: "A column named after the other table (customer_id → customers) whose type matches that table's key; nothing declared." },
  },
});

@ObjectType({ description: 'A schema with tables you may use.' })
export class SchemaSummary {
  @Field(() => String)
  name!: string;

  @Field(() => Int, { description: 'Tables, views and collections of the schema you may use.' })
  tables!: number;
}

@ObjectType({ description: 'A value and how often it occurs.' })
export class ValueFrequency {
  @Field(() => JSONScalar, { nullable: true, description: 'As JSON shows it: text cut at 200 characters, dates as ISO strings.' })
  value!: unknown;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: "A column's statistics, from the rows you may see, masked as you see them." })
export class ColumnProfile {
  @Field(() => String)
  name!: string;

  @Field(() => String, { description: "The engine's type name (for a masked column, the mask's)." })
  dataType!: string;

  @Field(() => Boolean, { description: 'You see this column through a mask: every figure here is of the masked values.' })
  masked!: boolean;

  @Field(() => Float, { description: 'Share of sampled rows where it is null.' })
  nullFraction!: number;

  @Field(() => Float, { description: 'Distinct non-null values: counted when the sample held every row (distinctExact), else estimated from it.' })
  distinctEstimate!: number;

  @Field(() => Boolean)
  distinctExact!: boolean;

  @Field(() => JSONScalar, { nullable: true, description: 'Least sampled value (numbers by value, dates by time, text in code-unit order).' })
  min!: unknown;

  @Field(() => JSONScalar, { nullable: true })
  max!: unknown;

  @Field(() => [ValueFrequency], { description: 'The most frequent values seen at least twice in the sample.' })
  topValues!: ValueFrequency[];
}

@ObjectType({ description: 'A table as you may see it: its rows through your row filter, its columns through your masks.' })
export class TableProfile {
  @Field(() => String)
  schema!: string;

  @Field(() => String)
  table!: string;

  @Field(() => Float, { nullable: true, description: 'Rows you may see; rowCountBasis says whether counted or estimated.' })
  rowCount!: number | null;

  @Field(() => RowCountBasis)
  rowCountBasis!: RowCountBasis;

  @Field(() => Int, { description: 'Rows read for the column statistics: the first ones the database returns.' })
  rowsSampled!: number;

  @Field(() => Int, { description: 'The most rows a profile reads.' })
  sampleLimit!: number;

  @Field(() => Boolean, { description: 'The sample held every row you may see, so the statistics are exact.' })
  sampleComplete!: boolean;

  @Field(() => [ColumnProfile])
  columns!: ColumnProfile[];

  @Field(() => DateTimeScalar)
  computedAt!: Date;

  @Field(() => Boolean, { description: 'Served from the cache (same catalog, same grants), not computed for this request.' })
  cached!: boolean;
}

@ObjectType({ description: "A column's most frequent values, as you may see them." })
export class DistinctValues {
  @Field(() => String)
  schema!: string;

  @Field(() => String)
  table!: string;

  @Field(() => String)
  column!: string;

  @Field(() => Boolean)
  masked!: boolean;

  @Field(() => [ValueFrequency])
  values!: ValueFrequency[];

  @Field(() => Boolean, { description: 'More distinct values exist than were returned.' })
  truncated!: boolean;

  @Field(() => DistinctBasis)
  basis!: DistinctBasis;

  @Field(() => Int, { nullable: true, description: 'With basis SAMPLE: the rows counted at most.' })
  sampleLimit!: number | null;
}

@ObjectType({ description: 'A way to join two tables, with the evidence for it.' })
export class JoinSuggestion {
  @Field(() => String, { description: 'schema.table of the side holding the reference.' })
  fromTable!: string;

  @Field(() => [String])
  fromColumns!: string[];

  @Field(() => String, { description: 'schema.table of the side referred to.' })
  toTable!: string;

  @Field(() => [String])
  toColumns!: string[];

  @Field(() => JoinEvidence)
  evidence!: JoinEvidence;

  @Field(() => String)
  reason!: string;

  @Field(() => Float, { description: '0 to 1: 1 for a declared foreign key.' })
  confidence!: number;

  @Field(() => String, { description: 'The join condition, e.g. orders.customer_id = customers.id.' })
  on!: string;

  @Field(() => String, { nullable: true, description: 'schema.table of the table this join goes through, to connect two of the tables asked about.' })
  via!: string | null;
}

@ObjectType({ description: 'A primary key, unique, check or foreign key constraint.' })
export class Constraint {
  @Field(() => String)
  name!: string;

  @Field(() => ConstraintKind)
  kind!: ConstraintKind;

  @Field(() => [String], { description: 'The columns it involves (for a CHECK, those its expression names).' })
  columns!: string[];

  @Field(() => String, { nullable: true, description: "CHECK: its expression, as the engine prints it." })
  definition!: string | null;

  @Field(() => String, { nullable: true })
  referencedSchema!: string | null;

  @Field(() => String, { nullable: true })
  referencedTable!: string | null;

  @Field(() => [String], { nullable: true })
  referencedColumns!: string[] | null;
}
