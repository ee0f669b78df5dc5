import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../src/server/context.js';
import type { CatalogTermView, SemanticCatalogService } from '../src/services/semantic-catalog.service.js';
import { SaveCatalogTermInput } from '../schema/catalog-term.input.js';
import { CatalogTerm, CatalogTermConnection, CatalogTermStatus, CatalogTermVersion } from '../schema/catalog-term.type.js';
import { PageArgs } from '../schema/page.args.js';

@ArgsType()
class CatalogTermsArgs extends PageArgs {
  @Field(() => ID)
  databaseId!: string;

  @Field(() => String, { nullable: true, description: 'Words to look for in names, synonyms and definitions; best match first. Without it, every term by name.' })
  search?: string | null;

  @Field(() => CatalogTermStatus, { nullable: true })
  status?: CatalogTermStatus | null;
}

/** The semantic catalog. Who may see and change what is decided in SemanticCatalogService. */
@Resolver(() => CatalogTerm)
export class CatalogTermResolver {
  constructor(private readonly semanticCatalog: SemanticCatalogService) {}

  @Query(() => CatalogTermConnection, {
    description: 'A database’s catalog terms you may see: admins all; an agent the approved terms (and its own proposals) whose every linked and example-read object it may read.',
  })
  async catalogTerms(@Ctx() ctx: RequestContext, @Args(() => CatalogTermsArgs) args: CatalogTermsArgs) {
    return this.semanticCatalog.list({ principal: ctx.principal, requestId: ctx.requestId }, args.databaseId, args);
  }

  @Query(() => CatalogTerm, { description: 'One catalog term, if you may see it.' })
  async catalogTerm(@Ctx() ctx: RequestContext, @Arg('id', () => ID) id: string) {
    return this.semanticCatalog.get({ principal: ctx.principal, requestId: ctx.requestId }, id);
  }

  @Mutation(() => CatalogTerm, { description: 'Saves a catalog term (admins: APPROVED) or proposes one (agents with a grant on the database: PENDING).' })
  async saveCatalogTerm(@Ctx() ctx: RequestContext, @Arg('input', () => SaveCatalogTermInput) input: SaveCatalogTermInput) {
    return this.semanticCatalog.save({ principal: ctx.principal, requestId: ctx.requestId }, input);
  }

  @Mutation(() => CatalogTerm, { description: 'Approves a proposed term, checking its links and examples again. Admins only.' })
  async approveCatalogTerm(@Ctx() ctx: RequestContext, @Arg('id', () => ID) id: string) {
    return this.semanticCatalog.approve({ principal: ctx.principal, requestId: ctx.requestId }, id);
  }

  @Mutation(() => CatalogTerm, { description: 'Rejects a proposed term, with the reason its proposer sees. Admins only.' })
  async rejectCatalogTerm(@Ctx() ctx: RequestContext, @Arg('id', () => ID) id: string, @Arg('reason', () => String) reason: string) {
    return this.semanticCatalog.reject({ principal: ctx.principal, requestId: ctx.requestId }, id, reason);
  }

  @Mutation(() => CatalogTerm, { description: 'Merges terms into one (synonyms, links and examples united; the merged names kept as synonyms; the others removed). Admins only.' })
  async mergeCatalogTerms(@Ctx() ctx: RequestContext, @Arg('intoId', () => ID) intoId: string, @Arg('fromIds', () => [ID]) fromIds: string[]) {
    return this.semanticCatalog.merge({ principal: ctx.principal, requestId: ctx.requestId }, intoId, fromIds);
  }

  @Mutation(() => ID, { description: 'Deletes a catalog term and its versions; answers its id. Admins only.' })
  async deleteCatalogTerm(@Ctx() ctx: RequestContext, @Arg('id', () => ID) id: string) {
    return this.semanticCatalog.delete({ principal: ctx.principal, requestId: ctx.requestId }, id);
  }

  @FieldResolver(() => [CatalogTermVersion], { description: 'Every version, newest first (an agent sees those whose every object it may read).' })
  async versions(@Ctx() ctx: RequestContext, @Root() term: CatalogTermView) {
    return this.semanticCatalog.versions({ principal: ctx.principal, requestId: ctx.requestId }, term.id);
  }
}
