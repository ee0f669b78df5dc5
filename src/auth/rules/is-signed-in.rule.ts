import { rule } from 'graphql-shield';
import type { RequestContext } from '../../server/context.js';
import { notSignedIn } from './rule-errors.js';

/**
 * The caller holds any valid key: an admin's or an agent's. One check rather than `or(isAdmin, isAgent)`,
 * which builds a FORBIDDEN error for the rule that fails on every request that passes.
 */
export const isSignedIn = rule({ cache: 'contextual' })((_parent, _args, ctx: RequestContext) => {
  if (ctx.principal.kind !== 'agent') return notSignedIn();
  return ctx.principal.role === 'ADMIN' || ctx.principal.role === 'AGENT' || notSignedIn();
});
