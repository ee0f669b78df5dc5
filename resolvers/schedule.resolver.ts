import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../src/server/context.js';
import type { ScheduleService, ScheduleView } from '../src/services/schedule.service.js';
import { Schedule, ScheduleQueryInput, ScheduleRun } from '../schema/schedule.type.js';

/** Scheduled queries. Agents own theirs; admins see and change all (checked in ScheduleService). */
@Resolver(() => Schedule)
export class ScheduleResolver {
  constructor(private readonly scheduleService: ScheduleService) {}

  @Mutation(() => Schedule, { description: 'Runs a read you may make now on a schedule, as you, under your grants as they are at each run.' })
  async scheduleQuery(@Ctx() ctx: RequestContext, @Arg('input', () => ScheduleQueryInput) input: ScheduleQueryInput) {
    return this.scheduleService.schedule({ principal: ctx.principal, requestId: ctx.requestId }, input);
  }

  @Query(() => [Schedule], { description: 'Your schedules, oldest first. Admins see everyone’s, or one agent’s with agentId.' })
  async schedules(@Ctx() ctx: RequestContext, @Arg('agentId', () => ID, { nullable: true }) agentId?: string | null) {
    return this.scheduleService.list(ctx.principal, agentId);
  }

  @Query(() => Schedule, { description: 'One of your schedules (admins: anyone’s).' })
  async schedule(@Ctx() ctx: RequestContext, @Arg('id', () => ID) id: string) {
    return this.scheduleService.get(ctx.principal, id);
  }

  @Mutation(() => Schedule, { description: 'Stops a schedule running until it is resumed; its history stays.' })
  async pauseSchedule(@Ctx() ctx: RequestContext, @Arg('id', () => ID) id: string) {
    return this.scheduleService.pause(ctx.principal, id);
  }

  @Mutation(() => Schedule, { description: 'Runs a paused or stopped schedule again from its next slot, once its agent may still make the read.' })
  async resumeSchedule(@Ctx() ctx: RequestContext, @Arg('id', () => ID) id: string) {
    return this.scheduleService.resume({ principal: ctx.principal, requestId: ctx.requestId }, id);
  }

  @Mutation(() => Schedule, { description: 'Deletes a schedule and its run history.' })
  async deleteSchedule(@Ctx() ctx: RequestContext, @Arg('id', () => ID) id: string) {
    return this.scheduleService.delete(ctx.principal, id);
  }

  @FieldResolver(() => [ScheduleRun], { description: 'Its runs, newest first.' })
  async runs(@Ctx() ctx: RequestContext, @Root() schedule: ScheduleView, @Arg('first', () => Int, { defaultValue: 20, description: 'At most 500.' }) first: number) {
    return this.scheduleService.runs(ctx.principal, schedule.id, first);
  }
}
