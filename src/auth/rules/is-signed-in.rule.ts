import { rule } from 'graphql-shield';
import type { RequestContext } from '../../server/context.js';
import { notSignedIn } from './rule-errors.js';

/** The caller holds any valid key: an agent's or an admin's. */
export const isSignedIn = rule({ cache: 'contextual' })((_parent, _args, ctx: RequestContext) =>
  ctx.principal.kind === 'agent' ? true : notSignedIn(),
);
