import { Writable } from 'node:stream';
import type { Catalog, CatalogTable } from '../../../plugins/drivers/catalog.js';
import type { Principal } from '../../../src/auth/principal.js';
import { AppError, ErrorCode } from '../../../src/errors/app-error.js';
import type { AuditEvent } from '../../../src/events/audit-writer.js';
import { createLogger } from '../../../src/logger.js';
import type { McpServices } from '../../../src/mcp/mcp-services.js';
import type { QueryOutcome } from '../../../src/services/query.service.js';
import type { CatalogTermView } from '../../../src/services/semantic-catalog.service.js';

export const AGENT: Principal & { kind: 'agent' } = { kind: 'agent', agentId: 'agt_1', keyId: 'key_1', name: 'analyst', role: 'AGENT' };

const column = (name: string, position: number, dataType = 'integer') => ({ name, position, dataType, nullable: false, defaultValue: null, comment: null });
const table = (name: string, columns: string[], extra: Partial<CatalogTable> = {}): CatalogTable => ({
  schema: 'public',
  name,
  kind: 'TABLE',
  comment: null,
  rowEstimate: 10,
  columns: columns.map((c, i) => column(c, i + 1)),
  primaryKey: ['id'],
  foreignKeys: [],
  indexes: [],
  ...extra,
});

export const CATALOG: Catalog = {
  schemas: ['public'],
  tables: [
    table('customers', ['id', 'email']),
    table('products', ['id', 'name']),
    table('orders', ['id', 'customer_id', 'product_id', 'secret_note'], {
      foreignKeys: [
        { name: 'orders_customer', columns: ['customer_id'], referencedSchema: 'public', referencedTable: 'customers', referencedColumns: ['id'] },
        { name: 'orders_product', columns: ['product_id'], referencedSchema: 'public', referencedTable: 'products', referencedColumns: ['id'] },
      ],
    }),
  ],
};

/** What the agent may see: orders without secret_note, and products. */
const VISIBLE: Record<string, string[]> = { orders: ['id', 'customer_id', 'product_id'], products: ['id', 'name'] };

export const OUTCOME: QueryOutcome = {
  columns: [{ name: 'n', dataType: 'bigint' }] as QueryOutcome['columns'],
  rows: [{ n: 42n }],
  rowCount: 1,
  truncated: false,
  durationMs: 1,
  statementType: 'SELECT',
  tables: ['public.orders'],
};

/** A semantic catalog term, as the fake catalog holds it. */
export const TERM: CatalogTermView = {
  id: 'trm_1',
  databaseId: 'db_1',
  term: 'revenue',
  definition: 'What customers paid.',
  synonyms: ['sales'],
  links: [{ schema: 'public', table: 'orders' }, { schema: 'public', table: 'orders', column: 'id' }],
  examples: [{ question: 'Revenue?', sql: 'select count(*) from orders', reads: [{ schema: 'public', table: 'orders', columns: [] }] }],
  status: 'APPROVED',
  proposedBy: 'agt_admin',
  approvedBy: 'agt_admin',
  rejectedReason: null,
  version: 2,
  createdAt: new Date('2026-01-01T00:00:00Z'),
  updatedAt: new Date('2026-01-02T00:00:00Z'),
};

export interface FakeServices extends McpServices {
  calls: { method: string; args: unknown[] }[];
  audited: AuditEvent[];
  logs: string[];
  /** What runQuery does next. */
  runQuery: () => Promise<QueryOutcome>;
  /** Whether the key still checks out. */
  keyValid: boolean;
  providerConfigured: boolean;
}

/** Services that record their calls: enough to test what the tools do with them, without a database. */
export function fakeServices(): FakeServices {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString('utf8'));
      callback();
    },
  });
  const fake: FakeServices = {
    calls: [],
    audited: [],
    logs,
    runQuery: async () => OUTCOME,
    keyValid: true,
    providerConfigured: false,
    log: createLogger('info', sink),
    databases: {
      list: async () => [{ id: 'db_1', name: 'shop', engine: 'postgres', description: null } as never],
      get: async (_principal, id) => {
        if (id !== 'db_1') throw new AppError(ErrorCode.NOT_FOUND, `No database with the id "${id}" is visible to you.`);
        return { id, name: 'shop', engine: 'postgres' } as never;
      },
      openAll: async () => void fake.calls.push({ method: 'databases.openAll', args: [] }),
    },
    catalog: { get: async () => CATALOG },
    grants: {
      visibleTables: async (_principal, _id, tables) =>
        tables.flatMap((t) => (VISIBLE[t.name] ? [{ ...t, columns: t.columns.filter((c) => VISIBLE[t.name]!.includes(c.name)) }] : [])),
      forget: (agentId) => void fake.calls.push({ method: 'grants.forget', args: [agentId] }),
    },
    queries: {
      runQuery: async (...args) => {
        fake.calls.push({ method: 'runQuery', args });
        return fake.runQuery();
      },
      explainQuery: async (...args) => {
        fake.calls.push({ method: 'explainQuery', args });
        return { plan: [{ Plan: {} }], statementType: 'SELECT', tables: ['public.orders'] };
      },
      rows: async (...args) => {
        fake.calls.push({ method: 'rows', args });
        return OUTCOME;
      },
    },
    ask: {
      ask: async (...args) => {
        fake.calls.push({ method: 'ask', args });
        throw new AppError(ErrorCode.LLM_BAD_OUTPUT, 'The model did not produce a statement that runs.');
      },
    },
    discovery: {
      schemas: async (...args) => {
        fake.calls.push({ method: 'discovery.schemas', args });
        return [{ name: 'public', tables: 2 }];
      },
      tableProfile: async (...args) => {
        fake.calls.push({ method: 'discovery.tableProfile', args });
        return { schema: 'public', table: 'orders', rowCount: 42, rowCountBasis: 'COUNT', rowsSampled: 0, sampleLimit: 10_000, sampleComplete: false, columns: [], computedAt: new Date(0), cached: false };
      },
      distinctValues: async (...args) => {
        fake.calls.push({ method: 'discovery.distinctValues', args });
        return { schema: 'public', table: 'orders', column: 'id', masked: false, values: [{ value: 1, count: 2 }], truncated: false, basis: 'ALL_ROWS', sampleLimit: null };
      },
      suggestJoins: async (...args) => {
        fake.calls.push({ method: 'discovery.suggestJoins', args });
        return [];
      },
    },
    providers: {
      clientFor: async () => {
        if (!fake.providerConfigured) throw new AppError(ErrorCode.LLM_UNAVAILABLE, 'No language model is configured.');
        return {} as never;
      },
    },
    authenticator: {
      authenticate: async () => AGENT,
      verify: async () => {
        fake.calls.push({ method: 'verify', args: [] });
        if (!fake.keyValid) throw new AppError(ErrorCode.UNAUTHENTICATED, 'The API key is not valid.');
        return { principal: AGENT, expiresAt: null };
      },
      forgetAgent: (agentId) => void fake.calls.push({ method: 'authenticator.forgetAgent', args: [agentId] }),
    },
    audit: { record: (event) => void fake.audited.push(event) },
    semanticCatalog: {
      list: async (...args) => {
        fake.calls.push({ method: 'semanticCatalog.list', args });
        return { edges: [{ cursor: 'c1', node: TERM }], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: 'c1', endCursor: 'c1' }, totalCount: 1 };
      },
      get: async (...args) => {
        fake.calls.push({ method: 'semanticCatalog.get', args });
        if (args[1] !== TERM.id) throw new AppError(ErrorCode.NOT_FOUND, `No catalog term with the id "${args[1]}" is visible to you.`);
        return TERM;
      },
      save: async (...args) => {
        fake.calls.push({ method: 'semanticCatalog.save', args });
        return { ...TERM, status: 'PENDING', version: 1 };
      },
    },
  };
  return fake;
}
