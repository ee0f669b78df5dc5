import type { AgentRole } from '../store/store-schema.js';

/** Who is asking. Every request has exactly one. */
export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'agent'; agentId: string; keyId: string; name: string; role: AgentRole };

export const ANONYMOUS: Principal = { kind: 'anonymous' };

export function isAdmin(principal: Principal): boolean {
  return principal.kind === 'agent' && principal.role === 'ADMIN';
}

/** Who an audit event says acted: the agent's id and whether it is an admin, or anonymous. */
export function auditedPrincipal(principal: Principal): { principalId: string | null; principalKind: 'agent' | 'admin' | 'anonymous' } {
  if (principal.kind !== 'agent') return { principalId: null, principalKind: 'anonymous' };
  return { principalId: principal.agentId, principalKind: principal.role === 'ADMIN' ? 'admin' : 'agent' };
}
