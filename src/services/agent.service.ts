import { issueKey } from '../auth/api-key.js';
import { isAdmin, type Principal } from '../auth/principal.js';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { newId } from '../ids.js';
import type { Store } from '../store/open-store.js';
import type { AgentListFilter } from '../store/repositories/index.js';
import type { AgentRole } from '../store/store-schema.js';
import { decodeCursor, pageSize, toConnection, type Connection } from './connection.js';
import { groupByKeys } from './group-by-keys.js';
import { toAgent, toApiKey, toGrant, type Agent, type ApiKey, type Grant } from './models.js';

export interface RegisterAgentInput {
  name: string;
  description?: string | null | undefined;
  role?: AgentRole | null | undefined;
}

/** An agent together with a key whose plaintext is shown this once. */
export interface IssuedAgentKey {
  agent: Agent;
  apiKey: ApiKey;
  key: string;
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}$/;

/** `agentRevoked`: the agent itself was revoked, not only some of its keys. */
export type AgentRevokedListener = (agentId: string, keyIds: string[], agentRevoked: boolean) => void;

export class AgentService {
  readonly #revokedListeners: AgentRevokedListener[] = [];

  constructor(
    private readonly store: Store,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Called once an agent or some of its keys are revoked (to end live connections, for one). */
  onRevoked(listener: AgentRevokedListener): void {
    this.#revokedListeners.push(listener);
  }

  async register(input: RegisterAgentInput): Promise<IssuedAgentKey> {
    const name = input.name.trim();
    if (!NAME_PATTERN.test(name)) {
      throw new AppError(
        ErrorCode.BAD_USER_INPUT,
        'An agent name is 1 to 63 letters, digits, spaces, dots, dashes or underscores, starting with a letter or digit.',
        { field: 'name' },
      );
    }
    const description = input.description?.trim() || null;
    if (description && description.length > 500) {
      throw new AppError(ErrorCode.BAD_USER_INPUT, 'A description is at most 500 characters.', { field: 'description' });
    }
    return this.store.transaction(
      async (repos) => {
        if (await repos.agents.findActiveByName(name)) {
          throw new AppError(ErrorCode.CONFLICT, `An active agent named "${name}" already exists. Choose another name.`, {
            field: 'name',
          });
        }
        const agent = await repos.agents.insert({
          id: newId('Agent'),
          name,
          description,
          role: input.role ?? 'AGENT',
          status: 'ACTIVE',
          revokedAt: null,
        });
        const issued = issueKey();
        const apiKey = await repos.apiKeys.insert({ id: issued.id, agentId: agent.id, secretHash: issued.secretHash });
        return { agent: toAgent(agent), apiKey: toApiKey(apiKey), key: issued.plaintext };
      },
      { lock: 'warden:agent-names' },
    );
  }

  /** Issues a new key; by default the agent's other keys stop working at the same moment. */
  async rotateKey(agentId: string, revokePrevious: boolean): Promise<IssuedAgentKey> {
    const { result, revokedKeyIds } = await this.store.transaction(async (repos) => {
      const agent = await repos.agents.findById(agentId);
      if (!agent) throw notFound(agentId);
      if (agent.status !== 'ACTIVE') {
        throw new AppError(ErrorCode.CONFLICT, 'This agent is revoked; a revoked agent cannot get new keys.');
      }
      const issued = issueKey();
      const apiKey = await repos.apiKeys.insert({ id: issued.id, agentId: agent.id, secretHash: issued.secretHash });
      const revoked = revokePrevious ? await repos.apiKeys.revokeForAgent(agent.id, this.now(), apiKey.id) : [];
      return {
        result: { agent: toAgent(agent), apiKey: toApiKey(apiKey), key: issued.plaintext },
        revokedKeyIds: revoked,
      };
    });
    if (revokedKeyIds.length > 0) this.emitRevoked(agentId, revokedKeyIds, false);
    return result;
  }

  /** Revokes the agent, all its keys and all its grants in one step. */
  async revoke(agentId: string): Promise<Agent> {
    const { agent, keyIds } = await this.store.transaction(
      async (repos) => {
        const existing = await repos.agents.findById(agentId);
        if (!existing) throw notFound(agentId);
        if (existing.status === 'REVOKED') return { agent: existing, keyIds: null };
        if (existing.role === 'ADMIN' && (await repos.agents.countActiveAdmins()) <= 1) {
          throw new AppError(ErrorCode.CONFLICT, 'This is the last active admin; register another admin before revoking it.');
        }
        const at = this.now();
        const revoked = await repos.agents.revoke(agentId, at);
        const keyIds = await repos.apiKeys.revokeForAgent(agentId, at);
        await repos.grants.revokeForAgent(agentId, at);
        return { agent: revoked ?? existing, keyIds };
      },
      { lock: 'warden:agent-names' },
    );
    if (keyIds !== null) this.emitRevoked(agentId, keyIds, true);
    return toAgent(agent);
  }

  async get(agentId: string): Promise<Agent> {
    const agent = await this.store.repos.agents.findById(agentId);
    if (!agent) throw notFound(agentId);
    return toAgent(agent);
  }

  async list(filter: AgentListFilter, first?: number | null, after?: string | null): Promise<Connection<Agent>> {
    const limit = pageSize(first);
    const position = after ? decodeCursor(after) : undefined;
    const [page, total] = await Promise.all([
      this.store.repos.agents.list(filter, limit, position),
      this.store.repos.agents.count(filter),
    ]);
    return toConnection(page, total, position !== undefined, (r) => ({ createdAt: r.createdAt, id: r.id }), toAgent);
  }

  /** Agents by id, in the order asked, for batch loading. */
  async getMany(ids: readonly string[]): Promise<(Agent | undefined)[]> {
    const rows = await this.store.repos.agents.findByIds(ids);
    const byId = new Map(rows.map((r) => [r.id, toAgent(r)]));
    return ids.map((id) => byId.get(id));
  }

  async keysOf(agentIds: readonly string[]): Promise<ApiKey[][]> {
    const rows = await this.store.repos.apiKeys.listForAgents(agentIds);
    return groupByKeys(agentIds, rows.map(toApiKey), (k) => k.agentId);
  }

  async grantsOf(agentIds: readonly string[]): Promise<Grant[][]> {
    const rows = await this.store.repos.grants.listActiveForAgents(agentIds, this.now());
    return groupByKeys(agentIds, rows.map(toGrant), (g) => g.agentId);
  }

  /** May this principal see the agent? Admins see every agent; an agent sees itself. */
  canView(principal: Principal, agentId: string): boolean {
    return isAdmin(principal) || (principal.kind === 'agent' && principal.agentId === agentId);
  }

  private emitRevoked(agentId: string, keyIds: string[], agentRevoked: boolean): void {
    for (const listener of this.#revokedListeners) listener(agentId, keyIds, agentRevoked);
  }
}

function notFound(agentId: string): AppError {
  return new AppError(ErrorCode.NOT_FOUND, `No agent has the id "${agentId}".`);
}
