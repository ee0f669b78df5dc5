import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { applyMiddleware, type IMiddleware } from 'graphql-middleware';
import { deny, shield } from 'graphql-shield';
import { buildSchema } from 'type-graphql';
import { resolverClasses, resolverContainer } from '../../resolvers/index.js';
import { permissions } from '../auth/permissions.js';
import { AppError, ErrorCode } from '../errors/app-error.js';
import type { UseCases } from '../services/use-cases.js';

/**
 * The schema as type-graphql builds it from schema/ and resolvers/, each resolver made from `services`;
 * printing it needs no services.
 */
export async function buildBareSchema(services?: UseCases): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: resolverClasses,
    ...(services ? { container: resolverContainer(services) } : {}),
    validate: false,
    // Every subscription supplies its own `subscribe` (the live feed); type-graphql still asks for a
    // PubSub, and this one says so if anything ever reaches for it.
    pubSub: {
      publish: () => {
        throw new Error('type-graphql pubSub is not used: publish through the event bus');
      },
      subscribe: () => {
        throw new Error('type-graphql pubSub is not used: subscriptions read the live feed');
      },
    },
  });
}

/**
 * The schema with graphql-shield over every field: anything without an explicit rule is denied. `inner`
 * middleware runs inside shield, so only for calls shield admits.
 */
export function protectSchema(schema: GraphQLSchema, ...inner: IMiddleware[]): GraphQLSchema {
  return applyMiddleware(
    schema,
    shield(permissions, {
      fallbackRule: deny,
      fallbackError: () => new AppError(ErrorCode.FORBIDDEN, 'You may not use this field.'),
      // AppErrors thrown by resolvers reach the client as they are; anything else is masked by formatError.
      allowExternalErrors: true,
      debug: false,
    }),
    ...inner,
  );
}
