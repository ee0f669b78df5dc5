import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import type { RequestContext } from '../src/server/context.js';
import type { AskService } from '../src/services/ask.service.js';
import { AskOptions, AskResult, ModelComparison } from '../schema/ask.type.js';

@Resolver()
export class AskResolver {
  constructor(private readonly askService: AskService) {}

  @Mutation(() => AskResult, {
    description:
      'Answers a question in plain words: a language model writes SQL from the tables you may read, and it runs like runQuery (gate, grants, read-only, audited).',
  })
  async askDatabase(
    @Ctx() ctx: RequestContext,
    @Arg('databaseId', () => ID) databaseId: string,
    @Arg('question', () => String) question: string,
    @Arg('options', () => AskOptions, { nullable: true }) options?: AskOptions | null,
  ) {
    const outcome = await this.askService.ask({ principal: ctx.principal, requestId: ctx.requestId }, databaseId, question, options ?? {});
    return {
      ...outcome,
      attempts: outcome.attempts.map((a) => ({ sql: a.sql, errorCode: a.error?.code ?? null, errorMessage: a.error?.message ?? null, modelMs: a.modelMs, totalTokens: a.totalTokens })),
      provider: { providerId: outcome.provider.id, name: outcome.provider.name, model: outcome.provider.model },
    };
  }

  @Mutation(() => ModelComparison, { description: 'The same question on 2 to 5 providers, side by side: SQL, whether the rows agree, time and tokens.' })
  async compareModels(
    @Ctx() ctx: RequestContext,
    @Arg('databaseId', () => ID) databaseId: string,
    @Arg('question', () => String) question: string,
    @Arg('providers', () => [ID]) providers: string[],
    @Arg('options', () => AskOptions, { nullable: true }) options?: AskOptions | null,
  ) {
    return this.askService.compare({ principal: ctx.principal, requestId: ctx.requestId }, databaseId, question, providers, {
      maxRows: options?.maxRows,
      maxRepairs: options?.maxRepairs,
    });
  }
}
