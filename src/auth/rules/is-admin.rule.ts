import { rule } from 'graphql-shield';
import type { RequestContext } from '../../server/context.js';
import { forbidden, notSignedIn } from './rule-errors.js';

/** The caller holds an admin key. */
export const isAdmin = rule({ cache: 'contextual' })((_parent, _args, ctx: RequestContext, info) => {
  if (ctx.principal.kind !== 'agent') return notSignedIn();
  return ctx.principal.role === 'ADMIN' || forbidden(info, 'ADMIN', 'only admins may do this');
});
