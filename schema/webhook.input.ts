import { Field, InputType } from 'type-graphql';
import { WebhookEventType } from './webhook.type.js';

@InputType({ description: 'A new webhook. Its signing secret comes back once in the registration.' })
export class RegisterWebhookInput {
  @Field(() => String, { description: 'An absolute http:// or https:// URL, without user name or password.' })
  url!: string;

  @Field(() => [WebhookEventType], { description: 'At least one.' })
  eventTypes!: WebhookEventType[];

  @Field(() => String, { nullable: true, description: 'At most 500 characters.' })
  description?: string | null;
}
