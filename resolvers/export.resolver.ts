import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../src/server/context.js';
import type { ExportService } from '../src/services/export.service.js';
import {
  ExportDelivery,
  ExportDestination,
  ExportDestinationRegistration,
  ExportFormat,
  ExportLink,
  ReadQueryInput,
  RegisterExportDestinationInput,
} from '../schema/export.type.js';

/** Exports: download links and deliveries for agents; destinations for admins (see permissions.ts). */
@Resolver()
export class ExportResolver {
  constructor(private readonly exportService: ExportService) {}

  @Mutation(() => ExportLink, {
    description:
      'A short-lived signed download link for a read you may make now. The download runs under your grants as they are then, and stops working if you are revoked.',
  })
  async exportLink(
    @Ctx() ctx: RequestContext,
    @Arg('databaseId', () => ID) databaseId: string,
    @Arg('query', () => ReadQueryInput) query: ReadQueryInput,
    @Arg('format', () => ExportFormat) format: ExportFormat,
    @Arg('expiresInSeconds', () => Int, { nullable: true, description: 'Default WARDEN_EXPORT_LINK_TTL_SECONDS (900); at most 86400.' })
    expiresInSeconds?: number | null,
  ) {
    return this.exportService.createLink({ principal: ctx.principal, requestId: ctx.requestId }, databaseId, query, format, expiresInSeconds);
  }

  @Mutation(() => ExportDelivery, { description: 'Exports a read you may make to a destination an admin lets you use, now.' })
  async exportToDestination(
    @Ctx() ctx: RequestContext,
    @Arg('databaseId', () => ID) databaseId: string,
    @Arg('query', () => ReadQueryInput) query: ReadQueryInput,
    @Arg('format', () => ExportFormat) format: ExportFormat,
    @Arg('destinationId', () => ID) destinationId: string,
  ) {
    return this.exportService.exportTo({ principal: ctx.principal, requestId: ctx.requestId }, databaseId, query, format, destinationId);
  }

  @Mutation(() => ExportDestinationRegistration, { description: 'Registers where agents may send results. Admins only.' })
  async registerExportDestination(@Ctx() ctx: RequestContext, @Arg('input', () => RegisterExportDestinationInput) input: RegisterExportDestinationInput) {
    const by = ctx.principal.kind === 'agent' ? ctx.principal.agentId : null;
    return this.exportService.registerDestination(input, by);
  }

  @Query(() => [ExportDestination], { description: 'Export destinations, by name. Admins only.' })
  async exportDestinations() {
    return this.exportService.destinations();
  }

  @Mutation(() => ExportDestination, { description: 'Removes a destination; schedules that delivered there stop at their next run. Admins only.' })
  async removeExportDestination(@Arg('id', () => ID) id: string) {
    return this.exportService.removeDestination(id);
  }
}
