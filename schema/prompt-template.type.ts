import { Field, ID, Int, ObjectType } from 'type-graphql';
import { DateTimeScalar } from './scalars.js';

@ObjectType({ description: 'One version of a prompt template askDatabase builds its prompts from.' })
export class PromptTemplate {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: '`default` is the one askDatabase uses.' })
  name!: string;

  @Field(() => Int, { description: '1, 2, … for each name.' })
  version!: number;

  @Field(() => String, { description: 'The system message.' })
  system!: string;

  @Field(() => String, { description: 'The user message.' })
  user!: string;

  @Field(() => Boolean, { description: 'Whether this version is in use (at most one per name; with none, the built-in default is).' })
  active!: boolean;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => ID, { nullable: true, description: 'The admin who created it.' })
  createdBy!: string | null;
}
