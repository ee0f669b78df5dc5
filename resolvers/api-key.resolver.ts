import { FieldResolver, Resolver, Root } from 'type-graphql';
import type { ApiKey as ApiKeyModel } from '../src/services/models.js';
import { ApiKey } from '../schema/api-key.type.js';

@Resolver(() => ApiKey)
export class ApiKeyResolver {
  @FieldResolver(() => Boolean)
  active(@Root() key: ApiKeyModel): boolean {
    return key.revokedAt === null && (key.expiresAt === null || key.expiresAt > new Date());
  }
}
