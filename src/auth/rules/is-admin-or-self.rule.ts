import { rule } from 'graphql-shield';
import type { RequestContext } from '../../server/context.js';
import { forbidden, notSignedIn } from './rule-errors.js';

/**
 * The caller is an admin, or the agent named by the `argName` argument. Reads arguments, so it is
 * never cached across fields.
 */
const rules = new Map<string, ReturnType<typeof build>>();

export function isAdminOrSelf(argName: string) {
  // Shield wants one rule object per name; fields reading the same argument share it.
  let existing = rules.get(argName);
  if (!existing) rules.set(argName, (existing = build(argName)));
  return existing;
}

function build(argName: string) {
  return rule(`isAdminOrSelf:${argName}`, { cache: 'no_cache' })(
    (_parent, args: Record<string, unknown>, ctx: RequestContext, info) => {
      if (ctx.principal.kind !== 'agent') return notSignedIn();
      if (ctx.principal.role === 'ADMIN' || args[argName] === ctx.principal.agentId) return true;
      return forbidden(info, 'ADMIN or the agent itself', 'only admins and the agent itself may do this');
    },
  );
}
