import { Field, Float, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { JSONObjectScalar, JSONScalar } from './scalars.js';

export enum TruncatedReason {
  ROW_CAP = 'ROW_CAP',
  BYTE_CAP = 'BYTE_CAP',
}
registerEnumType(TruncatedReason, {
  name: 'TruncatedReason',
  description: 'Why a result was cut.',
  valuesConfig: {
    ROW_CAP: { description: 'More rows than the cap (maxRows, the grants, the gateway).' },
    BYTE_CAP: { description: 'More bytes than the cap (the database’s maxResultBytes or maxExportBytes, WARDEN_MAX_RESULT_BYTES, WARDEN_EXPORT_MAX_BYTES).' },
  },
});

@ObjectType()
export class ResultColumn {
  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true, description: "The engine's type name." })
  dataType!: string | null;
}

@ObjectType({ description: 'What a permitted statement returned.' })
export class QueryResult {
  @Field(() => [ResultColumn])
  columns!: ResultColumn[];

  @Field(() => [JSONObjectScalar], { description: 'One object per row, keyed by column name.' })
  rows!: Record<string, unknown>[];

  @Field(() => Int, { description: 'Rows returned, or rows changed by a write.' })
  rowCount!: number;

  @Field(() => Boolean, { description: 'True when there were more rows than the cap; only the first ones are here.' })
  truncated!: boolean;

  @Field(() => TruncatedReason, { nullable: true, description: 'Why the result was cut, when truncated.' })
  truncatedReason?: TruncatedReason | null;

  @Field(() => Float)
  durationMs!: number;

  @Field(() => String, { description: 'SELECT, INSERT, UPDATE, DELETE, …' })
  statementType!: string;

  @Field(() => [String], { description: 'Tables the statement touched, schema.table.' })
  tables!: string[];
}

@ObjectType()
export class QueryPlan {
  @Field(() => JSONScalar, { description: "The database's own plan, as JSON." })
  plan!: unknown;

  @Field(() => String)
  statementType!: string;

  @Field(() => [String])
  tables!: string[];
}

export enum SortDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}
registerEnumType(SortDirection, { name: 'SortDirection' });

@InputType()
export class OrderByInput {
  @Field(() => String)
  column!: string;

  @Field(() => SortDirection, { defaultValue: SortDirection.ASC })
  direction!: SortDirection;
}
