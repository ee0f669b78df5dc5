import type { ApolloServerPlugin } from '@apollo/server';
import { isAdmin, type Principal } from '../src/auth/principal.js';
import type { RequestContext } from '../src/server/context.js';

/** graphql-js's suggestions, at the end of a message: ` Did you mean "name"?`, `… the enum value "ADMIN"?` */
const SUGGESTION = / ?Did you mean(.+?)\?$/;

/**
 * Whether a caller's error messages may keep graphql-js's "Did you mean …" suggestions, which name fields,
 * types and enum values. They tell a caller nothing it could not learn by introspection, so they stay where
 * introspection is open (outside production) and for admins; in production an agent, which may not
 * introspect, gets the messages without them. A caller without a valid key never reaches parsing at all.
 */
export function mayHaveSchemaHints(principal: Principal, production: boolean): boolean {
  return principal.kind === 'agent' && (!production || isAdmin(principal));
}

export function withoutSuggestions(message: string): string {
  return message.replace(SUGGESTION, '');
}

/** Drops the suggestions from every error of a request whose caller may not have them (see `mayHaveSchemaHints`). */
export function schemaHintsPlugin(production: boolean): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ contextValue }) {
      if (mayHaveSchemaHints(contextValue.principal, production)) return;
      return {
        async didEncounterErrors({ errors }) {
          for (const error of errors) error.message = withoutSuggestions(error.message);
        },
      };
    },
  };
}
