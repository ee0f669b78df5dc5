import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/errors/app-error.js';
import { DEFAULT_TEMPLATE } from '../../../src/nl/prompt-template.js';
import { PromptTemplateService } from '../../../src/services/prompt-template.service.js';
import { openStore, type Store } from '../../../src/store/open-store.js';
import { failure } from '../../helpers/app-error.js';

let dir: string;
let store: Store;
let templates: PromptTemplateService;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-templates-'));
  store = await openStore({ kind: 'pglite', dataDir: join(dir, 'store') });
  templates = new PromptTemplateService(store);
});
afterAll(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await store.db.deleteFrom('prompt_templates').execute();
});

const body = (n: number) => ({ system: `${DEFAULT_TEMPLATE.system}\n(variant ${n})`, user: DEFAULT_TEMPLATE.user });


describe('PromptTemplateService', () => {
  it('uses the built-in default while no stored version is active', async () => {
    const active = await templates.active();
    expect(active).toMatchObject({ builtIn: true, id: null, system: DEFAULT_TEMPLATE.system, user: DEFAULT_TEMPLATE.user, version: DEFAULT_TEMPLATE.version });
    await templates.create(body(1));
    expect((await templates.active()).builtIn).toBe(true);
  });

  it('numbers versions per name, each stored inactive', async () => {
    const a1 = await templates.create({ name: 'alpha', ...body(1) }, 'agt_admin');
    const a2 = await templates.create({ name: 'alpha', ...body(2) });
    const d1 = await templates.create(body(3));
    expect([a1, a2, d1].map((t) => [t.name, t.version, t.active])).toEqual([
      ['alpha', 1, false],
      ['alpha', 2, false],
      ['default', 1, false],
    ]);
    expect(a1.createdBy).toBe('agt_admin');
    expect((await templates.list('alpha')).map((t) => t.version)).toEqual([2, 1]);
    expect((await templates.list()).map((t) => `${t.name}@${t.version}`)).toEqual(['alpha@2', 'alpha@1', 'default@1']);
  });

  it('keeps one version active per name: activating one deactivates the others of that name only', async () => {
    const d1 = await templates.create(body(1));
    const d2 = await templates.create(body(2));
    const other = await templates.create({ name: 'other', ...body(3) });
    await templates.activate(other.id!);
    await templates.activate(d1.id!);
    expect((await templates.active()).id).toBe(d1.id);
    await templates.activate(d2.id!);
    const active = await templates.active();
    expect(active).toMatchObject({ id: d2.id, version: 2, builtIn: false, system: body(2).system });
    expect((await templates.list('default')).map((t) => [t.version, t.active])).toEqual([
      [2, true],
      [1, false],
    ]);
    expect((await templates.active('other')).id).toBe(other.id);
    // Activating the active one again changes nothing.
    await templates.activate(d2.id!);
    expect((await templates.list('default')).filter((t) => t.active)).toHaveLength(1);
  });

  it('gives distinct versions to templates created at the same time', async () => {
    const made = await Promise.all([1, 2, 3, 4, 5].map((n) => templates.create({ name: 'race', ...body(n) })));
    expect(made.map((t) => t.version).sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('refuses a bad name, empty text, and an unknown id', async () => {
    expect((await failure(templates.create({ name: 'has space', ...body(1) }))).details?.field).toBe('name');
    expect((await failure(templates.create({ system: ' ', user: DEFAULT_TEMPLATE.user }))).code).toBe(ErrorCode.BAD_USER_INPUT);
    expect((await failure(templates.activate('tpl_missing'))).code).toBe(ErrorCode.NOT_FOUND);
  });
});
