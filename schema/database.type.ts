import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { ConnectionType } from './connection.js';
import { DatabaseState } from './enums.js';
import { Node } from './node.interface.js';
import { DateTimeScalar } from './scalars.js';

@ObjectType({ description: 'One address of a database, in failover order.' })
export class EndpointStatus {
  @Field(() => String, { description: 'host:port' })
  address!: string;

  @Field(() => Boolean)
  healthy!: boolean;

  @Field(() => String, { nullable: true, description: 'Why it was last marked down.' })
  lastError!: string | null;
}

@ObjectType({ description: 'Whether Warden can reach a database right now.' })
export class DatabaseStatus {
  @Field(() => DatabaseState)
  state!: DatabaseState;

  @Field(() => DateTimeScalar)
  checkedAt!: Date;

  @Field(() => String, { nullable: true, description: 'Why it is unavailable.' })
  message!: string | null;

  @Field(() => String, { nullable: true })
  serverVersion!: string | null;

  @Field(() => Int, { nullable: true, description: 'Round trip of the check.' })
  latencyMs!: number | null;

  @Field(() => String, { nullable: true, description: 'The endpoint (host:port) serving now; null for embedded engines.' })
  activeEndpoint!: string | null;

  @Field(() => [EndpointStatus])
  endpoints!: EndpointStatus[];
}

@ObjectType({ description: 'Connection pool and timeout settings of a database.' })
export class PoolSettings {
  @Field(() => Int)
  maxConnections!: number;

  @Field(() => Int)
  idleTimeoutMs!: number;

  @Field(() => Int)
  acquireTimeoutMs!: number;

  @Field(() => Int)
  connectTimeoutMs!: number;

  @Field(() => Int)
  statementTimeoutMs!: number;
}

@ObjectType({ description: "A database's own limits on what one query may cost; null: not set (the gateway-wide settings still apply)." })
export class DatabaseLimits {
  @Field(() => Float, { nullable: true })
  maxResultBytes!: number | null;

  @Field(() => Float, { nullable: true })
  maxExportBytes!: number | null;

  @Field(() => Float, { nullable: true })
  maxCost!: number | null;

  @Field(() => Float, { nullable: true })
  maxEstimatedRows!: number | null;
}

@ObjectType({ description: 'The outcome of a connection test. Nothing is saved by a test.' })
export class ConnectionTestResult {
  @Field(() => Boolean)
  ok!: boolean;

  @Field(() => String, { description: 'What happened, in plain words (the driver’s reason when it failed).' })
  message!: string;

  @Field(() => String, { nullable: true })
  serverVersion!: string | null;

  @Field(() => String, { nullable: true })
  endpoint!: string | null;

  @Field(() => Int, { nullable: true })
  latencyMs!: number | null;
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

  @Field(() => String, { description: 'The connection string with every credential masked. Admins only.' })
  connection!: string;

  @Field(() => PoolSettings, { description: 'Admins only.' })
  pool!: PoolSettings;

  @Field(() => DatabaseLimits, { description: 'Admins only.' })
  limits!: DatabaseLimits;
}

@ObjectType()
export class DatabaseConnection extends ConnectionType('Database', Database) {}
