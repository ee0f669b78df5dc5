import { Field, ID, Int, ObjectType } from 'type-graphql';
import { DateTimeScalar } from './scalars.js';

@ObjectType({ description: 'How much an agent may query: per minute, hour and day, and at once. A null limit is not set.' })
export class RateLimit {
  @Field(() => ID)
  agentId!: string;

  @Field(() => Int, { nullable: true, description: 'Queries (runQuery, explainQuery, rows) a minute.' })
  perMinute!: number | null;

  @Field(() => Int, { nullable: true, description: 'Queries an hour.' })
  perHour!: number | null;

  @Field(() => Int, { nullable: true, description: 'Queries a day.' })
  perDay!: number | null;

  @Field(() => Int, { nullable: true, description: 'Queries running at the same time.' })
  maxConcurrent!: number | null;

  @Field(() => DateTimeScalar)
  updatedAt!: Date;

  @Field(() => ID, { nullable: true, description: 'The admin who set them.' })
  updatedBy!: string | null;
}
