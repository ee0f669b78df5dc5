import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../src/server/context.js';
import type { PromptTemplateService } from '../src/services/prompt-template.service.js';
import { CreatePromptTemplateInput } from '../schema/prompt-template.input.js';
import { PromptTemplate } from '../schema/prompt-template.type.js';

/** Versioned prompt templates. Admins only (see permissions.ts). */
@Resolver(() => PromptTemplate)
export class PromptTemplateResolver {
  constructor(private readonly promptTemplateService: PromptTemplateService) {}

  @Query(() => [PromptTemplate], { description: 'Stored prompt templates by name, newest version first; one name only when given. Admins only.' })
  async promptTemplates(@Arg('name', () => String, { nullable: true }) name?: string | null) {
    return this.promptTemplateService.list(name);
  }

  @Mutation(() => PromptTemplate, { description: 'Stores the next version of a template, inactive. Admins only.' })
  async createPromptTemplate(@Ctx() ctx: RequestContext, @Arg('input', () => CreatePromptTemplateInput) input: CreatePromptTemplateInput) {
    const by = ctx.principal.kind === 'agent' ? ctx.principal.agentId : null;
    return this.promptTemplateService.create({ name: input.name, system: input.system, user: input.user }, by);
  }

  @Mutation(() => PromptTemplate, { description: 'Puts a version in use; the other versions of its name stop being active. Admins only.' })
  async activatePromptTemplate(@Arg('id', () => ID) id: string) {
    return this.promptTemplateService.activate(id);
  }
}
