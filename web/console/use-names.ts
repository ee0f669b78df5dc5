import { useMemo } from 'react';
import type { AgentChoice, Connection, DatabaseChoice } from './operations.js';

export interface Names {
  /** An agent's name by its id or audit reference; the id itself when unknown. */
  agent(id: string | null): string;
  database(id: string | null): string;
}

/** Names for the ids other objects carry (schedules, destinations, audit events, notifications). */
export function useNames(
  agents: { agents: Connection<AgentChoice> } | undefined,
  databases: { databases: Connection<DatabaseChoice> } | undefined,
): Names {
  return useMemo(() => {
    const agentNames = new Map<string, string>();
    for (const { node } of agents?.agents.edges ?? []) {
      agentNames.set(node.id, node.name);
      agentNames.set(node.auditRef, node.name);
    }
    const databaseNames = new Map((databases?.databases.edges ?? []).map(({ node }) => [node.id, node.name]));
    return {
      agent: (id) => (id ? (agentNames.get(id) ?? id) : '—'),
      database: (id) => (id ? (databaseNames.get(id) ?? id) : '—'),
    };
  }, [agents, databases]);
}
