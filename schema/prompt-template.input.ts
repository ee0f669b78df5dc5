import { Field, InputType } from 'type-graphql';

@InputType({ description: 'A new version of a prompt template. It is stored inactive: activatePromptTemplate puts it in use.' })
export class CreatePromptTemplateInput {
  @Field(() => String, { nullable: true, description: '`default` (the one askDatabase uses) when omitted.' })
  name?: string | null;

  @Field(() => String, { description: 'The system message. Placeholders: {{dialect}}, {{schema}}, {{maxRows}}, {{repairs}} (not {{question}}).' })
  system!: string;

  @Field(() => String, { description: 'The user message; must hold {{question}}, and {{schema}} must be in one of the two parts.' })
  user!: string;
}
