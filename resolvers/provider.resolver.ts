import { Arg, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { ProviderService } from '../src/services/provider.service.js';
import { RegisterProviderInput, UpdateProviderInput } from '../schema/provider.input.js';
import { LlmProvider } from '../schema/provider.type.js';

/** Language model providers. Admins only (see permissions.ts). */
@Resolver(() => LlmProvider)
export class ProviderResolver {
  constructor(private readonly providerService: ProviderService) {}

  @Query(() => [LlmProvider], { description: 'Registered language model providers, by name. Admins only.' })
  async providers() {
    return this.providerService.list();
  }

  @Mutation(() => LlmProvider, { description: 'Registers a language model provider; its API key is stored encrypted. Admins only.' })
  async registerProvider(@Arg('input', () => RegisterProviderInput) input: RegisterProviderInput) {
    return this.providerService.register(input);
  }

  @Mutation(() => LlmProvider, { description: 'Changes a provider; omitted settings stay as they are. Admins only.' })
  async updateProvider(@Arg('id', () => ID) id: string, @Arg('input', () => UpdateProviderInput) input: UpdateProviderInput) {
    return this.providerService.update(id, input);
  }

  @Mutation(() => LlmProvider, { description: 'Unregisters a provider and forgets its key. Admins only.' })
  async removeProvider(@Arg('id', () => ID) id: string) {
    return this.providerService.remove(id);
  }
}
