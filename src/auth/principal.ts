import type { AgentRole } from '../store/store-schema.js';

/** Who is asking. Every request has exactly one. */
export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'agent'; agentId: string; keyId: string; name: string; role: AgentRole };

export const ANONYMOUS: Principal = { kind: 'anonymous' };

export function isAdmin(principal: Principal): boolean {
  return principal.kind === 'agent' && principal.role === 'ADMIN';
}
