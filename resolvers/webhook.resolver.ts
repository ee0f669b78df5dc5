import { Arg, Args, ArgsType, Ctx, Field, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../src/server/context.js';
import type { WebhookService } from '../src/services/webhook.service.js';
import { PageArgs } from '../schema/page.args.js';
import { RegisterWebhookInput } from '../schema/webhook.input.js';
import { Webhook, WebhookDelivery, WebhookDeliveryConnection, WebhookDeliveryStatus, WebhookRegistration } from '../schema/webhook.type.js';

@ArgsType()
class WebhookDeliveriesArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: "Only this webhook's deliveries." })
  webhookId?: string | null;

  @Field(() => WebhookDeliveryStatus, { nullable: true })
  status?: WebhookDeliveryStatus | null;
}

/** Webhooks and their deliveries. Admins only (see permissions.ts). */
@Resolver(() => Webhook)
export class WebhookResolver {
  constructor(private readonly webhookService: WebhookService) {}

  @Mutation(() => WebhookRegistration, { description: 'Registers a webhook. Its signing secret is in the result, this once. Admins only.' })
  async registerWebhook(@Ctx() ctx: RequestContext, @Arg('input', () => RegisterWebhookInput) input: RegisterWebhookInput) {
    const by = ctx.principal.kind === 'agent' ? ctx.principal.agentId : null;
    return this.webhookService.register({ url: input.url, eventTypes: input.eventTypes, description: input.description }, by);
  }

  @Query(() => [Webhook], { description: 'Active webhooks, oldest first. Admins only.' })
  async webhooks() {
    return this.webhookService.list();
  }

  @Mutation(() => Webhook, { description: 'Removes a webhook; deliveries it still had pending or dead are discarded. Admins only.' })
  async removeWebhook(@Arg('id', () => ID) id: string) {
    return this.webhookService.remove(id);
  }

  @Query(() => WebhookDeliveryConnection, { description: 'Delivery history, newest first, with every attempt. Admins only.' })
  async webhookDeliveries(@Args(() => WebhookDeliveriesArgs) args: WebhookDeliveriesArgs) {
    return this.webhookService.deliveries({ webhookId: args.webhookId, status: args.status }, args.first, args.after);
  }

  @Query(() => WebhookDeliveryConnection, { description: 'The dead-letter queue: deliveries that failed every attempt, newest first. Admins only.' })
  async deadLetters(@Args(() => PageArgs) args: PageArgs) {
    return this.webhookService.deadLetters(args.first, args.after);
  }

  @Mutation(() => WebhookDelivery, { description: 'Sends a dead letter again: back to PENDING, attempts reset, due now. Admins only.' })
  async replayDeadLetter(@Arg('id', () => ID) id: string) {
    return this.webhookService.replayDeadLetter(id);
  }

  @Mutation(() => WebhookDelivery, { description: 'Drops a dead letter from the queue for good. Admins only.' })
  async discardDeadLetter(@Arg('id', () => ID) id: string) {
    return this.webhookService.discardDeadLetter(id);
  }
}
