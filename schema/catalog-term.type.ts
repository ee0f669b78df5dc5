import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType } from './connection.js';
import { Node } from './node.interface.js';
import { DateTimeScalar } from './scalars.js';

export enum CatalogTermStatus {
  APPROVED = 'APPROVED',
  PENDING = 'PENDING',
  REJECTED = 'REJECTED',
}
registerEnumType(CatalogTermStatus, {
  name: 'CatalogTermStatus',
  description: 'APPROVED: saved by an admin, or a proposal an admin approved; the only terms agents (other than the proposer) and language models are given. PENDING: an agent’s proposal. REJECTED: a proposal an admin turned down (rejectedReason says why).',
});

export enum CatalogTermChange {
  CREATED = 'CREATED',
  PROPOSED = 'PROPOSED',
  UPDATED = 'UPDATED',
  APPROVED = 'APPROVED',
  REJECTED = 'REJECTED',
  MERGED = 'MERGED',
}
registerEnumType(CatalogTermChange, { name: 'CatalogTermChange', description: 'What made a version of a term.' });

@ObjectType({ description: 'What a term is about: a table, or one column of it.' })
export class CatalogTermLink {
  @Field(() => String)
  schema!: string;

  @Field(() => String)
  table!: string;

  @Field(() => String, { nullable: true, description: 'Null when the link is to the whole table.' })
  column?: string | null;
}

@ObjectType({ description: 'A table an example reads, and which of its columns.' })
export class CatalogTermRead {
  @Field(() => String)
  schema!: string;

  @Field(() => String)
  table!: string;

  @Field(() => [String])
  columns!: string[];
}

@ObjectType({ description: 'A question with the SQL that answers it, checked by the SQL gate when saved.' })
export class CatalogTermExample {
  @Field(() => String)
  question!: string;

  @Field(() => String)
  sql!: string;

  @Field(() => [CatalogTermRead], { description: 'What the SQL reads, as the gate resolved it when saved.' })
  reads!: CatalogTermRead[];
}

@ObjectType({ description: 'One version of a catalog term, as it was after a change.' })
export class CatalogTermVersion {
  @Field(() => Int)
  version!: number;

  @Field(() => CatalogTermChange)
  change!: CatalogTermChange;

  @Field(() => ID, { nullable: true, description: 'The agent or admin who made the change.' })
  changedBy!: string | null;

  @Field(() => String)
  term!: string;

  @Field(() => String)
  definition!: string;

  @Field(() => [String])
  synonyms!: string[];

  @Field(() => [CatalogTermLink])
  links!: CatalogTermLink[];

  @Field(() => [CatalogTermExample])
  examples!: CatalogTermExample[];

  @Field(() => CatalogTermStatus)
  status!: CatalogTermStatus;

  @Field(() => String, { nullable: true, description: 'A rejection’s reason, or the names a merge took in.' })
  note!: string | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;
}

@ObjectType({
  implements: Node,
  description:
    'A business term of a database’s semantic catalog: what it means, other words for it, the tables and columns it is about, and example questions with their SQL. An agent sees a term only when it may read every object the term links and every object its examples read.',
})
export class CatalogTerm implements Node {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  databaseId!: string;

  @Field(() => String)
  term!: string;

  @Field(() => String)
  definition!: string;

  @Field(() => [String])
  synonyms!: string[];

  @Field(() => [CatalogTermLink])
  links!: CatalogTermLink[];

  @Field(() => [CatalogTermExample])
  examples!: CatalogTermExample[];

  @Field(() => CatalogTermStatus)
  status!: CatalogTermStatus;

  @Field(() => ID, { nullable: true, description: 'Who saved or proposed it first.' })
  proposedBy!: string | null;

  @Field(() => ID, { nullable: true, description: 'The admin who approved it (null unless APPROVED).' })
  approvedBy!: string | null;

  @Field(() => String, { nullable: true })
  rejectedReason!: string | null;

  @Field(() => Int, { description: 'Goes up by one with every change; pass it as expectedVersion to change the term safely.' })
  version!: number;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar)
  updatedAt!: Date;
}

@ObjectType()
export class CatalogTermConnection extends ConnectionType('CatalogTerm', CatalogTerm) {}
