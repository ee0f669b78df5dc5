import type { PoolSettings } from '../../plugins/drivers/driver.js';
import type { DatabaseLimits } from './database-limits.js';
import type { AgentRecord, ApiKeyRecord, DatabaseRecord, GrantRecord } from '../store/repositories/index.js';
import type { AgentRole, AgentStatus, GrantAction, GrantScope } from '../store/store-schema.js';

/** What services hand out: camelCase, no secrets, independent of GraphQL and of the store's rows. */
export interface Agent {
  id: string;
  name: string;
  description: string | null;
  role: AgentRole;
  status: AgentStatus;
  createdAt: Date;
  revokedAt: Date | null;
}

export interface ApiKey {
  id: string;
  agentId: string;
  label: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export interface Database {
  id: string;
  name: string;
  engine: string;
  description: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** A connection string with every credential masked. */
  connection: string;
  pool: PoolSettings;
  limits: DatabaseLimits;
}

export interface Grant {
  id: string;
  agentId: string;
  databaseId: string;
  scope: GrantScope;
  schemaName: string | null;
  tableName: string | null;
  columns: string[] | null;
  actions: GrantAction[];
  rowFilter: string | null;
  columnMasks: { column: string; expression: string }[];
  rowCap: number | null;
  maxCost: number | null;
  maxEstimatedRows: number | null;
  expiresAt: Date | null;
  createdAt: Date;
}

export function toAgent(r: AgentRecord): Agent {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    role: r.role,
    status: r.status,
    createdAt: r.createdAt,
    revokedAt: r.revokedAt,
  };
}

export function toApiKey(r: ApiKeyRecord): ApiKey {
  return {
    id: r.id,
    agentId: r.agentId,
    label: r.label,
    createdAt: r.createdAt,
    lastUsedAt: r.lastUsedAt,
    expiresAt: r.expiresAt,
    revokedAt: r.revokedAt,
  };
}

export function toDatabase(r: DatabaseRecord): Omit<Database, 'connection' | 'pool' | 'limits'> {
  return {
    id: r.id,
    name: r.name,
    engine: r.engine,
    description: r.description,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

export function toGrant(r: GrantRecord): Grant {
  return {
    id: r.id,
    agentId: r.agentId,
    databaseId: r.databaseId,
    scope: r.scope,
    schemaName: r.schemaName,
    tableName: r.tableName,
    columns: r.columns,
    actions: r.actions,
    rowFilter: r.rowFilter,
    columnMasks: Object.entries(r.columnMasks ?? {}).map(([column, expression]) => ({ column, expression })),
    rowCap: r.rowCap,
    maxCost: r.maxCost ?? null,
    maxEstimatedRows: r.maxEstimatedRows ?? null,
    expiresAt: r.expiresAt,
    createdAt: r.createdAt,
  };
}
