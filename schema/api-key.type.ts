import { Field, ID, ObjectType } from 'type-graphql';
import { Node } from './node.interface.js';
import { DateTimeScalar } from './scalars.js';

@ObjectType({ implements: Node, description: 'A key an agent authenticates with. The secret itself is never shown again.' })
export class ApiKey implements Node {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  label!: string | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Updated at most once a minute.' })
  lastUsedAt!: Date | null;

  @Field(() => DateTimeScalar, { nullable: true })
  expiresAt!: Date | null;

  @Field(() => DateTimeScalar, { nullable: true })
  revokedAt!: Date | null;

  @Field(() => Boolean, { description: 'True while the key can authenticate.' })
  active!: boolean;
}
