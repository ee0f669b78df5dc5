import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { OrderByInput, TruncatedReason } from './query.type.js';
import { DateTimeScalar, JSONObjectScalar, JSONScalar } from './scalars.js';

export enum ExportFormat {
  CSV = 'CSV',
  JSON = 'JSON',
  NDJSON = 'NDJSON',
  XLSX = 'XLSX',
}
registerEnumType(ExportFormat, {
  name: 'ExportFormat',
  description: 'How an exported result is written. Text cells that a spreadsheet would run as formulas are defused in CSV and XLSX.',
  valuesConfig: {
    CSV: { description: 'RFC 4180, a header line of column names.' },
    JSON: { description: 'One array of row objects.' },
    NDJSON: { description: 'One row object per line.' },
    XLSX: { description: 'An Excel workbook with one sheet, typed cells.' },
  },
});

export enum DestinationKind {
  WEBHOOK = 'WEBHOOK',
  S3 = 'S3',
}
registerEnumType(DestinationKind, {
  name: 'DestinationKind',
  description: 'WEBHOOK: the file is POSTed, signed like webhook events (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature). S3: the file is put in an S3-compatible bucket.',
});

@InputType({ description: 'A typed row query (as the rows query takes it) to export or schedule.' })
export class RowsQueryInput {
  @Field(() => String)
  table!: string;

  @Field(() => String, { nullable: true })
  schema?: string | null;

  @Field(() => [String], { nullable: true, description: 'Default: every column.' })
  columns?: string[] | null;

  @Field(() => JSONObjectScalar, { nullable: true, description: 'The boolean expression the rows query takes.' })
  where?: Record<string, unknown> | null;

  @Field(() => [OrderByInput], { nullable: true })
  orderBy?: OrderByInput[] | null;

  @Field(() => Int, { nullable: true, description: 'Default and most: the export row cap (WARDEN_EXPORT_MAX_ROWS) and the grants’ row cap.' })
  limit?: number | null;
}

@InputType({ description: 'What to read: one SQL read (sql, params) or a typed row query (rows), exactly one. Checked by the gate and your grants each time it runs.' })
export class ReadQueryInput {
  @Field(() => String, { nullable: true, description: 'One read statement.' })
  sql?: string | null;

  @Field(() => [JSONScalar], { nullable: true, description: 'Values for $1, $2… (Postgres) or ? (MySQL).' })
  params?: unknown[] | null;

  @Field(() => RowsQueryInput, { nullable: true })
  rows?: RowsQueryInput | null;
}

@ObjectType({ description: 'A short-lived download link. Whoever holds it may download until it expires, but only what its maker may still read.' })
export class ExportLink {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'GET it (no API key needed): the signature in the URL is the credential.' })
  url!: string;

  @Field(() => ExportFormat)
  format!: ExportFormat;

  @Field(() => DateTimeScalar)
  expiresAt!: Date;
}

@ObjectType({ description: 'A result sent to a destination.' })
export class ExportDelivery {
  @Field(() => String, { description: 'Where it went: the webhook URL or s3://bucket/key.' })
  deliveredTo!: string;

  @Field(() => ExportFormat)
  format!: ExportFormat;

  @Field(() => Int)
  rows!: number;

  @Field(() => Int, { description: 'Size of the file sent.' })
  bytes!: number;

  @Field(() => Boolean, { description: 'Whether the row cap or the byte cap cut the result.' })
  truncated!: boolean;

  @Field(() => TruncatedReason, { nullable: true, description: 'Which cap cut it, when truncated.' })
  truncatedReason?: TruncatedReason | null;
}

@ObjectType({ description: 'Where agents may send results: a webhook receiver or an S3-compatible bucket. Its secret is never shown again after registration.' })
export class ExportDestination {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => DestinationKind)
  kind!: DestinationKind;

  @Field(() => String, { nullable: true, description: 'WEBHOOK' })
  url!: string | null;

  @Field(() => String, { nullable: true, description: 'S3: the endpoint; null for AWS itself.' })
  endpoint!: string | null;

  @Field(() => String, { nullable: true, description: 'S3' })
  region!: string | null;

  @Field(() => String, { nullable: true, description: 'S3' })
  bucket!: string | null;

  @Field(() => String, { nullable: true, description: 'S3: put before each object name.' })
  prefix!: string | null;

  @Field(() => [ID], { description: 'The agents that may send results here.' })
  agentIds!: string[];

  @Field(() => DateTimeScalar)
  createdAt!: Date;
}

@ObjectType({ description: 'A new destination; for a WEBHOOK, the secret its deliveries are signed with, shown this once.' })
export class ExportDestinationRegistration {
  @Field(() => ExportDestination)
  destination!: ExportDestination;

  @Field(() => String, { nullable: true, description: 'WEBHOOK only: verify the webhook-signature header with it (Standard Webhooks). Shown this once.' })
  secret!: string | null;
}

@InputType({ description: 'A new export destination. Admins only.' })
export class RegisterExportDestinationInput {
  @Field(() => String, { description: '1 to 100 letters, digits, spaces, dots, dashes or underscores; unique.' })
  name!: string;

  @Field(() => DestinationKind)
  kind!: DestinationKind;

  @Field(() => String, { nullable: true, description: 'WEBHOOK: an absolute http(s) URL without credentials.' })
  url?: string | null;

  @Field(() => String, { nullable: true, description: 'S3: e.g. http://127.0.0.1:9000 for MinIO; leave out for AWS.' })
  endpoint?: string | null;

  @Field(() => String, { nullable: true, description: 'S3: default us-east-1.' })
  region?: string | null;

  @Field(() => String, { nullable: true, description: 'S3' })
  bucket?: string | null;

  @Field(() => String, { nullable: true, description: 'S3: e.g. exports/.' })
  prefix?: string | null;

  @Field(() => String, { nullable: true, description: 'S3' })
  accessKeyId?: string | null;

  @Field(() => String, { nullable: true, description: 'S3: sealed at rest, never shown again.' })
  secretAccessKey?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'S3: bucket in the path (MinIO and most S3-compatible stores). Default: true when an endpoint is given.' })
  forcePathStyle?: boolean | null;

  @Field(() => [ID], { description: 'The agents that may send results here.' })
  agentIds!: string[];
}
