import { isAdmin, type Principal } from '../auth/principal.js';
import { AppError, ErrorCode } from '../errors/app-error.js';
import type { Store } from '../store/open-store.js';
import type { ConnectorRegistry } from './connector-registry.js';
import { toDatabase, type Database } from './models.js';

export type DatabaseState = 'AVAILABLE' | 'UNAVAILABLE';

export interface DatabaseStatus {
  state: DatabaseState;
  checkedAt: Date;
  /** Why it is unavailable, in words safe to show (no hosts, no credentials). */
  message: string | null;
}

export class DatabaseService {
  constructor(
    private readonly store: Store,
    private readonly connectors: ConnectorRegistry,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Admins see every database; an agent sees those it holds a grant on. */
  async list(principal: Principal): Promise<Database[]> {
    if (isAdmin(principal)) return (await this.store.repos.databases.list()).map(toDatabase);
    if (principal.kind !== 'agent') return [];
    const grants = await this.store.repos.grants.listActiveForAgents([principal.agentId], this.now());
    const ids = [...new Set(grants.map((g) => g.database_id))];
    return (await this.store.repos.databases.listByIds(ids)).map(toDatabase);
  }

  /** One database, or NOT_FOUND, also when it exists but the principal may not see it. */
  async get(principal: Principal, id: string): Promise<Database> {
    const visible = await this.list(principal);
    const found = visible.find((d) => d.id === id);
    if (!found) throw new AppError(ErrorCode.NOT_FOUND, `No database with the id "${id}" is visible to you.`);
    return found;
  }

  async status(databaseId: string): Promise<DatabaseStatus> {
    const driver = this.connectors.get(databaseId);
    const checkedAt = this.now();
    if (!driver) return { state: 'UNAVAILABLE', checkedAt, message: 'No connection is open to this database.' };
    try {
      await driver.testConnection();
      return { state: 'AVAILABLE', checkedAt, message: null };
    } catch (error) {
      const message = error instanceof AppError ? error.message : 'The database did not answer.';
      return { state: 'UNAVAILABLE', checkedAt, message };
    }
  }
}
