import { createHmac } from 'node:crypto';

/** Every pseudonym starts with this, so a pseudonym is never mistaken for an agent id (`agt_…`). */
export const PSEUDONYM_PREFIX = 'psn_';

/** Hex digits of the HMAC kept: 96 bits, no collision among any realistic number of agents. */
const PSEUDONYM_HEX_LENGTH = 24;

/**
 * What audit events carry as the principal: the agent id, or (when pseudonymising) `psn_` and the first
 * 24 hex digits of HMAC-SHA256(key, agentId). The same agent gets the same pseudonym on every replica
 * and after every restart as long as the key stays the same; without the key a pseudonym cannot be
 * traced back to an agent (admins correlate through `Agent.auditRef`).
 */
export class Pseudonymiser {
  readonly #key: Buffer | undefined;

  /** `key` (32 bytes) turns pseudonymising on; without one, `ref` returns the agent id as it is. */
  constructor(key?: Buffer) {
    if (key !== undefined && key.length !== 32) throw new Error('A pseudonym key must be 32 bytes.');
    this.#key = key === undefined ? undefined : Buffer.from(key);
  }

  /** A pseudonymiser that leaves agent ids as they are. */
  static off(): Pseudonymiser {
    return new Pseudonymiser();
  }

  get enabled(): boolean {
    return this.#key !== undefined;
  }

  /** What audit events carry for this agent. A value that is already a pseudonym is returned as it is. */
  ref(agentId: string): string;
  ref(agentId: null): null;
  ref(agentId: string | null): string | null;
  ref(agentId: string | null): string | null {
    if (agentId === null || this.#key === undefined || isPseudonym(agentId)) return agentId;
    return PSEUDONYM_PREFIX + createHmac('sha256', this.#key).update(agentId, 'utf8').digest('hex').slice(0, PSEUDONYM_HEX_LENGTH);
  }
}

export function isPseudonym(value: string): boolean {
  return value.startsWith(PSEUDONYM_PREFIX);
}

