import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { startFakeLlm, type FakeLlm } from '../helpers/fake-llm.js';
import { errorCode, startTestServer, type TestServer } from '../helpers/test-server.js';

const API_KEY = 'sk-e2e-provider-3c7a9e1f5b2d8c4a6e0f';
const PROVIDER_FIELDS = 'id name baseUrl model hasApiKey temperature maxTokens timeoutMs retryPolicy maxRetries retryDelayMs isDefault createdAt updatedAt';
const REGISTER = `mutation($i: RegisterProviderInput!) { registerProvider(input: $i) { ${PROVIDER_FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $i: UpdateProviderInput!) { updateProvider(id: $id, input: $i) { ${PROVIDER_FIELDS} } }`;
const REMOVE = 'mutation($id: ID!) { removeProvider(id: $id) { id name } }';
const PROVIDERS = `{ providers { ${PROVIDER_FIELDS} } }`;
const TEMPLATE_FIELDS = 'id name version system user active createdAt createdBy';
const CREATE_TEMPLATE = `mutation($i: CreatePromptTemplateInput!) { createPromptTemplate(input: $i) { ${TEMPLATE_FIELDS} } }`;
const ACTIVATE_TEMPLATE = `mutation($id: ID!) { activatePromptTemplate(id: $id) { ${TEMPLATE_FIELDS} } }`;
const TEMPLATES = `query($n: String) { promptTemplates(name: $n) { ${TEMPLATE_FIELDS} } }`;

interface Provider {
  id: string;
  name: string;
  baseUrl: string;
  model: string;
  hasApiKey: boolean;
  temperature: number;
  maxTokens: number;
  retryPolicy: string;
  isDefault: boolean;
}

interface Template {
  id: string;
  name: string;
  version: number;
  system: string;
  user: string;
  active: boolean;
  createdBy: string | null;
}

async function registerAgent(server: TestServer, name: string): Promise<{ id: string; key: string }> {
  const res = await server.graphql<{ registerAgent: { key: string; agent: { id: string } } }>(
    'mutation($name: String!) { registerAgent(input: { name: $name }) { key agent { id } } }',
    { name },
    server.adminKey,
  );
  expect(res.body.errors).toBeUndefined();
  return { id: res.body.data!.registerAgent.agent.id, key: res.body.data!.registerAgent.key };
}

describe('language model providers and prompt templates over GraphQL', () => {
  let dataDir: string;
  let server: TestServer;
  let llm: FakeLlm;
  let stopped = false;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'warden-providers-e2e-'));
    llm = await startFakeLlm();
    server = await startTestServer({ dataDir });
  });
  afterAll(async () => {
    if (!stopped) await server?.stop();
    await llm?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const admin = <T>(query: string, variables?: Record<string, unknown>) => server.graphql<T>(query, variables, server.adminKey);

  it('lets an admin register a provider, showing only that it has a key', async () => {
    const res = await admin<{ registerProvider: Provider }>(REGISTER, {
      i: { name: 'local-llm', baseUrl: llm.baseUrl, model: 'fake-sql-1', apiKey: API_KEY, temperature: 0.5, maxTokens: 512, retryPolicy: 'LINEAR', isDefault: true },
    });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.registerProvider).toMatchObject({
      name: 'local-llm',
      baseUrl: llm.baseUrl,
      model: 'fake-sql-1',
      hasApiKey: true,
      temperature: 0.5,
      maxTokens: 512,
      retryPolicy: 'LINEAR',
      isDefault: true,
    });
    expect(res.text).not.toContain(API_KEY);
  });

  it('lists providers without their keys', async () => {
    const res = await admin<{ providers: Provider[] }>(PROVIDERS);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.providers.map((p) => p.name)).toEqual(['local-llm']);
    expect(res.text).not.toContain(API_KEY);
  });

  it('refuses bad input and a taken name with the right codes', async () => {
    const bad = await admin(REGISTER, { i: { name: 'bad', baseUrl: 'https://user:pw@example.com/v1', model: 'm' } });
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');
    const taken = await admin(REGISTER, { i: { name: 'local-llm', baseUrl: llm.baseUrl, model: 'm' } });
    expect(errorCode(taken)).toBe('CONFLICT');
  });

  it('updates and removes a provider', async () => {
    const created = await admin<{ registerProvider: Provider }>(REGISTER, { i: { name: 'spare', baseUrl: llm.baseUrl, model: 'm1' } });
    const id = created.body.data!.registerProvider.id;
    expect(created.body.data!.registerProvider.hasApiKey).toBe(false);
    const updated = await admin<{ updateProvider: Provider }>(UPDATE, { id, i: { model: 'm2', apiKey: 'sk-spare-key-987654' } });
    expect(updated.body.errors).toBeUndefined();
    expect(updated.body.data!.updateProvider).toMatchObject({ model: 'm2', hasApiKey: true, isDefault: false });
    expect(updated.text).not.toContain('sk-spare-key-987654');
    const removed = await admin<{ removeProvider: { id: string } }>(REMOVE, { id });
    expect(removed.body.data!.removeProvider.id).toBe(id);
    expect(errorCode(await admin(REMOVE, { id }))).toBe('NOT_FOUND');
  });

  it('lets only admins manage providers and templates (FORBIDDEN otherwise)', async () => {
    const agent = await registerAgent(server, 'curious-bot');
    const attempts: [string, Record<string, unknown>][] = [
      [PROVIDERS, {}],
      [REGISTER, { i: { name: 'sneaky', baseUrl: llm.baseUrl, model: 'm' } }],
      [UPDATE, { id: 'prv_x', i: { model: 'm' } }],
      [REMOVE, { id: 'prv_x' }],
      [TEMPLATES, {}],
      [CREATE_TEMPLATE, { i: { system: 's', user: 'u' } }],
      [ACTIVATE_TEMPLATE, { id: 'tpl_x' }],
    ];
    for (const [query, variables] of attempts) {
      const res = await server.graphql(query, variables, agent.key);
      expect(errorCode(res), query).toBe('FORBIDDEN');
    }
    const list = await admin<{ providers: Provider[] }>(PROVIDERS);
    expect(list.body.data!.providers.map((p) => p.name)).toEqual(['local-llm']);
  });

  it('versions templates per name and keeps one version active', async () => {
    const created: Template[] = [];
    for (const n of [1, 2]) {
      const res = await admin<{ createPromptTemplate: Template }>(CREATE_TEMPLATE, {
        i: {
          name: 'e2e',
          system: `You write one {{dialect}} SELECT statement (v${n}).`,
          user: 'Schema:\n{{schema}}\n\nQuestion: {{question}}',
        },
      });
      expect(res.body.errors).toBeUndefined();
      created.push(res.body.data!.createPromptTemplate);
    }
    expect(created.map((t) => [t.name, t.version, t.active])).toEqual([
      ['e2e', 1, false],
      ['e2e', 2, false],
    ]);
    expect(created[0]?.id).toMatch(/^tpl_/);
    expect(created[0]?.createdBy).toMatch(/^agt_/);

    const first = await admin<{ activatePromptTemplate: Template }>(ACTIVATE_TEMPLATE, { id: created[0]!.id });
    expect(first.body.data!.activatePromptTemplate).toMatchObject({ version: 1, active: true });
    await admin(ACTIVATE_TEMPLATE, { id: created[1]!.id });
    const listed = await admin<{ promptTemplates: Template[] }>(TEMPLATES, { n: 'e2e' });
    expect(listed.body.data!.promptTemplates.map((t) => [t.version, t.active])).toEqual([
      [2, true],
      [1, false],
    ]);
    expect(errorCode(await admin(ACTIVATE_TEMPLATE, { id: 'tpl_missing' }))).toBe('NOT_FOUND');
    const all = await admin<{ promptTemplates: Template[] }>(TEMPLATES);
    expect(all.body.data!.promptTemplates.length).toBeGreaterThanOrEqual(2);
  });

  it('never writes the key to the log, and keeps it sealed in the store', async () => {
    expect(server.logs.join('')).not.toContain(API_KEY);
    await server.stop();
    stopped = true;
    const store = await openStore({ kind: 'pglite', dataDir: join(dataDir, 'store') });
    try {
      const rows = await store.db.selectFrom('llm_providers').selectAll().execute();
      expect(rows).toHaveLength(1);
      expect(rows[0]?.apiKeyCiphertext).toMatch(/^v1\./);
      const text = await sql<{ t: string }>`select llm_providers::text as t from llm_providers`.execute(store.db);
      expect(text.rows.map((r) => r.t).join('\n')).not.toContain(API_KEY);
      // The audit trail of these mutations does not hold it either.
      const audit = await sql<{ t: string }>`select audit_events::text as t from audit_events where action like '%Provider'`.execute(store.db);
      expect(audit.rows.length).toBeGreaterThan(0);
      expect(audit.rows.map((r) => r.t).join('\n')).not.toContain(API_KEY);
    } finally {
      await store.close();
    }
  });
});

describe('air-gapped mode (WARDEN_AIR_GAPPED=true)', () => {
  let server: TestServer;
  let llm: FakeLlm;

  beforeAll(async () => {
    llm = await startFakeLlm();
    server = await startTestServer({ env: { WARDEN_AIR_GAPPED: 'true' } });
  });
  afterAll(async () => {
    await server?.stop();
    await llm?.close();
  });

  it('refuses a provider on a public host, saying what is allowed', async () => {
    for (const baseUrl of ['https://8.8.8.8/v1', 'http://134744072/v1', 'http://[2001:4860:4860::8888]/v1', 'http://169.254.169.254/v1']) {
      const res = await server.graphql(REGISTER, { i: { name: 'cloud', baseUrl, model: 'gpt-4o-mini', apiKey: API_KEY } }, server.adminKey);
      expect(errorCode(res), baseUrl).toBe('BAD_USER_INPUT');
      expect(res.body.errors?.[0]?.message).toContain('WARDEN_AIR_GAPPED=true allows only loopback or private addresses');
      expect(res.text).not.toContain(API_KEY);
    }
    const list = await server.graphql<{ providers: Provider[] }>(PROVIDERS, {}, server.adminKey);
    expect(list.body.data!.providers).toEqual([]);
  });

  it('accepts a provider on 127.0.0.1, and refuses to move it to a public host', async () => {
    const res = await server.graphql<{ registerProvider: Provider }>(REGISTER, { i: { name: 'local', baseUrl: llm.baseUrl, model: 'fake-sql-1' } }, server.adminKey);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.registerProvider.baseUrl).toBe(llm.baseUrl);
    const moved = await server.graphql(UPDATE, { id: res.body.data!.registerProvider.id, i: { baseUrl: 'https://8.8.4.4/v1' } }, server.adminKey);
    expect(errorCode(moved)).toBe('BAD_USER_INPUT');
  });
});
