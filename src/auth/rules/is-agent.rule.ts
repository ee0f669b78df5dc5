import { rule } from 'graphql-shield';
import type { RequestContext } from '../../server/context.js';
import { forbidden, notSignedIn } from './rule-errors.js';

/** The caller holds the key of a registered (non-admin) agent. */
export const isAgent = rule({ cache: 'contextual' })((_parent, _args, ctx: RequestContext, info) => {
  if (ctx.principal.kind !== 'agent') return notSignedIn();
  return ctx.principal.role === 'AGENT' || forbidden(info, 'AGENT', 'only agents may do this');
});
