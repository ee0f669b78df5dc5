import { Field, Float, InputType, Int } from 'type-graphql';
import { JSONObjectScalar } from './scalars.js';

@InputType()
export class EndpointInput {
  @Field(() => String)
  host!: string;

  @Field(() => Int)
  port!: number;
}

@InputType({ description: 'Pool and timeout settings; anything left out keeps its default (or current) value.' })
export class PoolSettingsInput {
  @Field(() => Int, { nullable: true, description: '1–200, default 10.' })
  maxConnections?: number | null;

  @Field(() => Int, { nullable: true, description: 'Default 30000.' })
  idleTimeoutMs?: number | null;

  @Field(() => Int, { nullable: true, description: 'Default 5000.' })
  acquireTimeoutMs?: number | null;

  @Field(() => Int, { nullable: true, description: 'Default 5000.' })
  connectTimeoutMs?: number | null;

  @Field(() => Int, { nullable: true, description: 'Default 30000.' })
  statementTimeoutMs?: number | null;
}

@InputType({ description: "Limits on what one query of this database may cost; a field left out keeps its current value, null removes that limit." })
export class DatabaseLimitsInput {
  @Field(() => Float, { nullable: true, description: 'Bytes one answer may carry (at least 1024); results are cut there with truncatedReason BYTE_CAP. The gateway-wide WARDEN_MAX_RESULT_BYTES still applies.' })
  maxResultBytes?: number | null;

  @Field(() => Float, { nullable: true, description: 'Bytes one export or scheduled run may write (at least 1024). WARDEN_EXPORT_MAX_BYTES still applies.' })
  maxExportBytes?: number | null;

  @Field(() => Float, { nullable: true, description: "The planner's estimated cost a statement may have; over it, QUERY_TOO_EXPENSIVE before anything runs." })
  maxCost?: number | null;

  @Field(() => Float, { nullable: true, description: 'The rows the planner may estimate a statement reads; over it, QUERY_TOO_EXPENSIVE before anything runs.' })
  maxEstimatedRows?: number | null;
}

@InputType({ description: 'How to reach a database: a connection string, fields, or both (fields win).' })
export class ConnectionInput {
  @Field(() => String, { nullable: true, description: 'postgres, mysql (also MariaDB), pglite or mongodb. Implied by a connection string.' })
  engine?: string | null;

  @Field(() => String, { nullable: true, description: 'e.g. postgres://user:password@host:5432/db, or several hosts for failover: host1:5432,host2:5432.' })
  connectionString?: string | null;

  @Field(() => [EndpointInput], { nullable: true, description: 'Addresses in failover order.' })
  endpoints?: EndpointInput[] | null;

  @Field(() => String, { nullable: true })
  host?: string | null;

  @Field(() => Int, { nullable: true })
  port?: number | null;

  @Field(() => String, { nullable: true })
  database?: string | null;

  @Field(() => String, { nullable: true })
  user?: string | null;

  @Field(() => String, { nullable: true, description: 'Stored encrypted; never returned.' })
  password?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Use TLS, checking the server certificate.' })
  ssl?: boolean | null;

  @Field(() => String, { nullable: true, description: 'For pglite: the folder that holds the database.' })
  dataDir?: string | null;

  @Field(() => JSONObjectScalar, { nullable: true, description: "Engine-specific settings (e.g. MongoDB's authSource, replicaSet)." })
  settings?: Record<string, unknown> | null;
}

@InputType({ description: 'A database to register. It is tested first and not saved if Warden cannot connect.' })
export class ConnectDatabaseInput extends ConnectionInput {
  @Field(() => String, { description: '1–63 letters, digits, dots, dashes or underscores; unique.' })
  name!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => PoolSettingsInput, { nullable: true })
  pool?: PoolSettingsInput | null;

  @Field(() => DatabaseLimitsInput, { nullable: true })
  limits?: DatabaseLimitsInput | null;
}

@InputType({ description: 'Changes to a database. New connection settings are tested before they are saved.' })
export class UpdateDatabaseInput extends ConnectionInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => PoolSettingsInput, { nullable: true })
  pool?: PoolSettingsInput | null;

  @Field(() => DatabaseLimitsInput, { nullable: true })
  limits?: DatabaseLimitsInput | null;
}
