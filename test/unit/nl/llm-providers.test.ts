import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/errors/app-error.js';
import type { HostLookup } from '../../../src/nl/air-gap.js';
import { parseEgressRules } from '../../../src/net/egress-policy.js';
import { SecretBox } from '../../../src/secrets/secret-box.js';
import { NO_PROVIDER_MESSAGE, ProviderService, type RegisterProviderInput } from '../../../src/services/provider.service.js';
import { openStore, type Store } from '../../../src/store/open-store.js';
import { startFakeLlm, type FakeLlm } from '../../helpers/fake-llm.js';
import { failure } from '../../helpers/app-error.js';

const API_KEY = 'sk-provider-test-8b1e4d2c9f7a3e5b6c0d1f2a';
const NO_ENV = { baseUrl: undefined, apiKey: undefined, model: undefined };
/** The fake model listens on 127.0.0.1, which the egress policy refuses unless allowed. */
const LOCAL_EGRESS = { allow: parseEgressRules('127.0.0.1/32'), deny: [] };

let dir: string;
let store: Store;
let llm: FakeLlm;
const OLD_KEY = randomBytes(32);
const box = new SecretBox(OLD_KEY);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-providers-'));
  store = await openStore({ kind: 'pglite', dataDir: join(dir, 'store') });
  llm = await startFakeLlm();
});
afterAll(async () => {
  await llm?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await store.db.deleteFrom('llm_providers').execute();
  llm.requests.length = 0;
  llm.setScript([]);
});

function service(options: { airGapped?: boolean; env?: { baseUrl?: string; apiKey?: string; model?: string }; lookup?: HostLookup } = {}) {
  return new ProviderService(store, box, { airGapped: options.airGapped ?? false, llm: { ...NO_ENV, ...options.env }, egress: LOCAL_EGRESS }, undefined, options.lookup);
}

function input(overrides: Partial<RegisterProviderInput> = {}): RegisterProviderInput {
  return { name: 'local', baseUrl: llm.baseUrl, model: 'fake-sql-1', apiKey: API_KEY, ...overrides };
}


describe('ProviderService: registering', () => {
  it('stores the settings with defaults, and the key sealed, never in the clear', async () => {
    const view = await service().register(input());
    expect(view).toMatchObject({
      name: 'local',
      baseUrl: llm.baseUrl,
      model: 'fake-sql-1',
      hasApiKey: true,
      temperature: 0,
      maxTokens: 1024,
      timeoutMs: 60_000,
      retryPolicy: 'exponential',
      maxRetries: 2,
      retryDelayMs: 500,
      isDefault: false,
    });
    expect(view.id).toMatch(/^prv_[a-z2-7]{16}$/);
    expect(JSON.stringify(view)).not.toContain(API_KEY);
    const row = await store.db.selectFrom('llm_providers').selectAll().where('id', '=', view.id).executeTakeFirstOrThrow();
    expect(row.apiKeyCiphertext).toMatch(/^v1\./);
    expect(row.apiKeyKeyId).toBe(box.currentKeyId);
    const everything = await sql<{ t: string }>`select llm_providers::text as t from llm_providers`.execute(store.db);
    expect(everything.rows.map((r) => r.t).join('\n')).not.toContain(API_KEY);
    expect(box.open({ keyId: row.apiKeyKeyId ?? '', ciphertext: row.apiKeyCiphertext ?? '' }, `provider:${view.id}`)).toBe(API_KEY);
  });

  it('seals keys again with the new secret key after a rotation, and they still reach the provider', async () => {
    const registered = await service().register(input({ name: 'rotated' }));
    const newKey = randomBytes(32);
    const rotated = new SecretBox(newKey, [OLD_KEY]);
    const rotatedService = new ProviderService(store, rotated, { airGapped: false, llm: NO_ENV });
    expect(await rotatedService.resealStaleKeys()).toBe(1);
    expect(await rotatedService.resealStaleKeys()).toBe(0);
    const row = await store.db.selectFrom('llm_providers').selectAll().where('id', '=', registered.id).executeTakeFirstOrThrow();
    expect(row.apiKeyKeyId).toBe(rotated.currentKeyId);
    // Without the old key at all, the provider still works: its key is sealed with the new one.
    const onlyNew = new ProviderService(store, new SecretBox(newKey), { airGapped: false, llm: NO_ENV, egress: LOCAL_EGRESS });
    llm.setScript([{ content: 'select 1' }]);
    await (await onlyNew.clientFor(registered.id)).chat([{ role: 'user', content: 'hi' }]);
    expect(llm.requests.at(-1)?.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it('binds the sealed key to its row: copied onto another provider it does not open', async () => {
    const a = await service().register(input({ name: 'a', isDefault: true }));
    const b = await service().register(input({ name: 'b', apiKey: 'sk-other-key-123456' }));
    const rowA = await store.db.selectFrom('llm_providers').selectAll().where('id', '=', a.id).executeTakeFirstOrThrow();
    await store.db.updateTable('llm_providers').set({ apiKeyCiphertext: rowA.apiKeyCiphertext }).where('id', '=', b.id).execute();
    const error = await failure(service().clientFor(b.id));
    expect(error.code).toBe(ErrorCode.INTERNAL);
  });

  it('keeps a provider without a key for a local model', async () => {
    const view = await service().register(input({ apiKey: null }));
    expect(view.hasApiKey).toBe(false);
    llm.setScript([{ content: 'SELECT 1' }]);
    await (await service().clientFor(view.id)).chat([{ role: 'user', content: 'q' }]);
    expect(llm.requests[0]?.authorization).toBe('Bearer not-needed');
  });

  it.each([
    [{ name: '' }, 'name'],
    [{ name: 'has space' }, 'name'],
    [{ name: 'x'.repeat(64) }, 'name'],
    [{ baseUrl: 'ftp://example.com/v1' }, 'baseUrl'],
    [{ baseUrl: 'not a url' }, 'baseUrl'],
    [{ baseUrl: 'https://user:pass@example.com/v1' }, 'baseUrl'],
    [{ baseUrl: 'https://example.com/v1?key=secret' }, 'baseUrl'],
    [{ model: ' ' }, 'model'],
    [{ apiKey: '' }, 'apiKey'],
    [{ temperature: -0.1 }, 'temperature'],
    [{ temperature: 2.5 }, 'temperature'],
    [{ maxTokens: 0 }, 'maxTokens'],
    [{ maxTokens: 32_769 }, 'maxTokens'],
    [{ timeoutMs: 99 }, 'timeoutMs'],
    [{ timeoutMs: 600_001 }, 'timeoutMs'],
    [{ maxRetries: 11 }, 'maxRetries'],
    [{ maxRetries: 1.5 }, 'maxRetries'],
    [{ retryDelayMs: -1 }, 'retryDelayMs'],
    [{ retryPolicy: 'random' as 'fixed' }, 'retryPolicy'],
  ])('refuses %j as BAD_USER_INPUT on %s', async (overrides, field) => {
    const error = await failure(service().register(input(overrides)));
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.details?.field).toBe(field);
    expect(error.message).not.toContain('secret');
  });

  it('refuses a second provider with the same name', async () => {
    await service().register(input());
    const error = await failure(service().register(input()));
    expect(error.code).toBe(ErrorCode.CONFLICT);
  });

  it('keeps one default: a new default takes over', async () => {
    const a = await service().register(input({ name: 'a', isDefault: true }));
    const b = await service().register(input({ name: 'b', isDefault: true }));
    const list = await service().list();
    expect(list.map((p) => [p.name, p.isDefault])).toEqual([
      ['a', false],
      ['b', true],
    ]);
    await service().update(a.id, { isDefault: true });
    expect((await service().get(b.id)).isDefault).toBe(false);
  });
});

describe('ProviderService: updating and removing', () => {
  it('changes what is given, keeps the rest, and replaces or forgets the key', async () => {
    const view = await service().register(input({ temperature: 0.7 }));
    expect(view.temperature).toBe(0.7);
    const changed = await service().update(view.id, { model: 'fake-sql-2', maxRetries: 0, retryPolicy: 'fixed' });
    expect(changed).toMatchObject({ model: 'fake-sql-2', maxRetries: 0, retryPolicy: 'fixed', temperature: 0.7, hasApiKey: true, name: 'local' });
    await service().update(view.id, { apiKey: 'sk-new-key-abcdef' });
    llm.setScript([{ content: 'SELECT 1' }]);
    await (await service().clientFor(view.id)).chat([{ role: 'user', content: 'q' }]);
    expect(llm.requests[0]?.authorization).toBe('Bearer sk-new-key-abcdef');
    const cleared = await service().update(view.id, { clearApiKey: true });
    expect(cleared.hasApiKey).toBe(false);
    const both = await failure(service().update(view.id, { clearApiKey: true, apiKey: 'sk-x-123456' }));
    expect(both.code).toBe(ErrorCode.BAD_USER_INPUT);
  });

  it('says NOT_FOUND for an unknown id', async () => {
    expect((await failure(service().update('prv_missing', { model: 'm' }))).code).toBe(ErrorCode.NOT_FOUND);
    expect((await failure(service().remove('prv_missing'))).code).toBe(ErrorCode.NOT_FOUND);
    expect((await failure(service().clientFor('prv_missing'))).code).toBe(ErrorCode.NOT_FOUND);
  });

  it('removes a provider', async () => {
    const view = await service().register(input());
    await service().remove(view.id);
    expect(await service().list()).toEqual([]);
  });
});

describe('ProviderService.clientFor', () => {
  it('uses the named provider, with its settings and key', async () => {
    const view = await service().register(input({ name: 'tuned', temperature: 0.3, maxTokens: 77, isDefault: false }));
    await service().register(input({ name: 'other', isDefault: true }));
    llm.setScript([{ content: 'SELECT 1' }]);
    const client = await service().clientFor(view.id);
    expect(client.providerId).toBe(view.id);
    expect(client.name).toBe('tuned');
    await client.chat([{ role: 'user', content: 'q' }]);
    expect(llm.requests[0]).toMatchObject({ model: 'fake-sql-1', maxTokens: 77, authorization: `Bearer ${API_KEY}` });
    expect(llm.requests[0]?.temperature).toBe(0.3);
  });

  it('falls back to the default, else the only provider, else the environment, else says how to configure one', async () => {
    const env = { baseUrl: llm.baseUrl, model: 'env-model', apiKey: 'sk-env-key-123456' };
    await expect(service().clientFor()).rejects.toMatchObject({ code: ErrorCode.LLM_UNAVAILABLE, message: NO_PROVIDER_MESSAGE });
    const fromEnv = await service({ env }).clientFor();
    expect(fromEnv.providerId).toBeNull();
    expect(fromEnv.model).toBe('env-model');
    llm.setScript([{ content: 'SELECT 1' }]);
    await fromEnv.chat([{ role: 'user', content: 'q' }]);
    expect(llm.requests[0]?.authorization).toBe('Bearer sk-env-key-123456');

    const only = await service().register(input({ name: 'only' }));
    expect((await service({ env }).clientFor()).providerId).toBe(only.id);
    const second = await service().register(input({ name: 'second' }));
    const ambiguous = await failure(service().clientFor());
    expect(ambiguous.code).toBe(ErrorCode.LLM_UNAVAILABLE);
    expect(ambiguous.message).toContain('none is the default');
    expect((await service({ env }).clientFor()).providerId).toBeNull();
    await service().update(second.id, { isDefault: true });
    expect((await service({ env }).clientFor()).providerId).toBe(second.id);
    expect((await service().modelFor(null)).providerId).toBe(second.id);
  });
});

describe('ProviderService in air-gapped mode', () => {
  const lookup: HostLookup = async (hostname) => {
    const table: Record<string, string[]> = { 'llm.internal': ['10.1.1.1'], 'api.example.com': ['93.184.216.34'] };
    const addresses = table[hostname];
    if (!addresses) throw new Error('ENOTFOUND');
    return addresses.map((address) => ({ address, family: 4 }));
  };

  it('refuses a public host at registration and accepts loopback and private ones', async () => {
    const gapped = service({ airGapped: true, lookup });
    const refused = await failure(gapped.register(input({ name: 'cloud', baseUrl: 'https://api.example.com/v1' })));
    expect(refused.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(refused.message).toContain('WARDEN_AIR_GAPPED=true allows only loopback or private addresses');
    expect((await failure(gapped.register(input({ name: 'ip', baseUrl: 'http://8.8.8.8/v1' })))).code).toBe(ErrorCode.BAD_USER_INPUT);
    await expect(gapped.register(input({ name: 'loop' }))).resolves.toMatchObject({ name: 'loop' });
    await expect(gapped.register(input({ name: 'lan', baseUrl: 'http://llm.internal:8000/v1' }))).resolves.toMatchObject({ name: 'lan' });
    expect(await store.db.selectFrom('llm_providers').select('name').orderBy('name').execute()).toEqual([{ name: 'lan' }, { name: 'loop' }]);
  });

  it('refuses at connect time a provider whose name now resolves to the metadata address, even air-gapped', async () => {
    const table: Record<string, string[]> = { localhost: ['127.0.0.1'] };
    const rebinding: HostLookup = async (hostname) => (table[hostname] ?? []).map((address) => ({ address, family: 4 }));
    const gapped = service({ airGapped: true, lookup: rebinding });
    const view = await gapped.register(input({ name: 'rebinding', baseUrl: llm.baseUrl.replace('127.0.0.1', 'localhost') }));
    const client = await gapped.clientFor(view.id);
    table.localhost = ['169.254.169.254'];
    llm.setScript([{ content: 'select 1' }]);
    const error = await failure(client.chat([{ role: 'user', content: 'hi' }]));
    expect(error.code).toBe(ErrorCode.LLM_UNAVAILABLE);
    expect(error.message).toBe(
      'The language model provider "rebinding" was not called: its base URL resolves to a link-local address (where cloud metadata services live), which Warden never calls. Point it at another address (updateProvider), or change WARDEN_EGRESS_ALLOW.',
    );
    // The policy would say the same again: not retried, although the provider allows retries.
    expect(error.details).toMatchObject({ attempts: 1 });
    expect(llm.requests).toEqual([]);
  });

  it('refuses a provider at the metadata address when not air-gapped, and a loopback one unless allowed', async () => {
    const refused = await failure(service().register(input({ name: 'meta', baseUrl: 'http://169.254.169.254/v1' })));
    expect(refused.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(refused.message).toContain('link-local');
    const strict = new ProviderService(store, box, { airGapped: false, llm: NO_ENV });
    expect((await failure(strict.register(input({ name: 'loop' })))).message).toContain('is a loopback address');
  });

  it('refuses to move a provider to a public host', async () => {
    const gapped = service({ airGapped: true, lookup });
    const view = await gapped.register(input());
    expect((await failure(gapped.update(view.id, { baseUrl: 'https://api.example.com/v1' }))).code).toBe(ErrorCode.BAD_USER_INPUT);
    expect((await gapped.get(view.id)).baseUrl).toBe(llm.baseUrl);
  });

  it('checks again at use: a provider registered before the mode was on is not called', async () => {
    const view = await service().register(input({ name: 'cloud', baseUrl: 'https://api.example.com/v1' }));
    const error = await failure(service({ airGapped: true, lookup }).clientFor(view.id));
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
  });

  it('checks the provider from the environment too', async () => {
    const error = await failure(service({ airGapped: true, lookup, env: { baseUrl: 'http://8.8.8.8/v1', model: 'm' } }).clientFor());
    expect(error.code).toBe(ErrorCode.LLM_UNAVAILABLE);
    expect(error.message).toContain('WARDEN_LLM_BASE_URL');
    expect(error.message).toContain('WARDEN_AIR_GAPPED=true allows only loopback or private addresses');
    await expect(service({ airGapped: true, lookup, env: { baseUrl: llm.baseUrl, model: 'm' } }).clientFor()).resolves.toBeDefined();
  });
});
