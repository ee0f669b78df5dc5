import { Field, ID, ObjectType } from 'type-graphql';
import { ConnectionType } from './connection.js';
import { DatabaseState } from './enums.js';
import { Node } from './node.interface.js';
import { DateTimeScalar } from './scalars.js';

@ObjectType({ description: 'Whether Warden can reach a database right now.' })
export class DatabaseStatus {
  @Field(() => DatabaseState)
  state!: DatabaseState;

  @Field(() => DateTimeScalar)
  checkedAt!: Date;

  @Field(() => String, { nullable: true, description: 'Why it is unavailable.' })
  message!: string | null;
}

@ObjectType({ implements: Node, description: 'A database registered with Warden.' })
export class Database implements Node {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'postgres, mysql, pglite or mongodb.' })
  engine!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar)
  updatedAt!: Date;
}

@ObjectType()
export class DatabaseConnection extends ConnectionType('Database', Database) {}
