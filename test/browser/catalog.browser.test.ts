import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { browserAvailable, launchBrowser, openOffline, screenshot, type OfflinePage } from '../helpers/browser.js';
import { serviceAvailable } from '../helpers/services.js';
import { loadShop } from '../helpers/shop-fixture.js';
import { createTempPostgres, type TempPostgres } from '../helpers/temp-postgres.js';
import { errorCode, startTestServer, type TestServer } from '../helpers/test-server.js';

// A page is driven step by step by a second process; on a loaded two-core machine each step can take seconds.
vi.setConfig({ testTimeout: 120_000, expect: { poll: { timeout: 15_000, interval: 100 } } });

const hasBrowser = browserAvailable();
const hasPostgres = hasBrowser && (await serviceAvailable('postgres'));

const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name, exact: true }).click();

function expectClean(view: OfflinePage): void {
  expect(view.foreign).toEqual([]);
  expect(view.violations).toEqual([]);
  expect(view.errors).toEqual([]);
}

describe.skipIf(!hasPostgres)('the console’s semantic catalog, in a real browser with no network', () => {
  let server: TestServer;
  let shop: TempPostgres;
  let browser: Browser;
  let origin: string;
  let databaseId: string;
  let agent: { id: string; key: string };

  beforeAll(async () => {
    shop = await createTempPostgres('warden_console_catalog');
    await loadShop('postgres', shop.name);
    server = await startTestServer();
    origin = new URL(server.url).origin;
    const connected = await server.graphql<{ connectDatabase: { id: string } }>(
      'mutation($i: ConnectDatabaseInput!) { connectDatabase(input: $i) { id } }',
      { i: { name: 'shop', engine: 'postgres', connectionString: shop.url } },
      server.adminKey,
    );
    expect(connected.body.errors).toBeUndefined();
    databaseId = connected.body.data!.connectDatabase.id;
    const registered = await server.graphql<{ registerAgent: { key: string; agent: { id: string } } }>(
      'mutation { registerAgent(input: { name: "analyst-bot" }) { key agent { id } } }',
      undefined,
      server.adminKey,
    );
    agent = { id: registered.body.data!.registerAgent.agent.id, key: registered.body.data!.registerAgent.key };
    const granted = await server.graphql(
      'mutation($i: GrantInput!) { grant(input: $i) { id } }',
      { i: { agentId: agent.id, databaseId, scope: 'TABLE', table: 'customers', actions: ['READ'] } },
      server.adminKey,
    );
    expect(granted.body.errors).toBeUndefined();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await shop?.drop();
  });

  it('adds a term with an example the gate checks, approves an agent’s proposal, merges and deletes', async () => {
    const view = await openOffline(browser, origin);
    const { page } = view;
    try {
      await page.goto(`${origin}/console`);
      await page.getByLabel('Admin API key').fill(server.adminKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await nav(page, 'Catalog');
      // The only database is chosen already.
      const terms = page.getByRole('table', { name: 'Catalog terms' });
      await expect.poll(() => terms.textContent()).toContain('No terms yet.');

      // A write as an example is refused by the gate, with its code, and nothing is saved.
      const form = page.getByRole('form', { name: 'Add a term' });
      await form.getByLabel('Term').fill('revenue');
      await form.getByLabel('Synonyms (comma-separated)').fill('sales, turnover');
      await form.getByLabel('Definition').fill('The sum of order totals.');
      await form.getByRole('button', { name: 'Add a table or column' }).click();
      await form.getByLabel('Table of link 1').selectOption('public.orders');
      await form.getByLabel('Column of link 1').selectOption('total');
      await form.getByRole('button', { name: 'Add an example' }).click();
      await form.getByLabel('Question 1').fill('What is the revenue so far?');
      await form.getByLabel('SQL 1').fill('delete from orders');
      await form.getByRole('button', { name: 'Save term' }).click();
      await expect.poll(() => form.getByRole('alert').textContent()).toMatch(/SQL_NOT_ALLOWED/);
      expect(await terms.textContent()).toContain('No terms yet.');

      // A read is saved, approved at once (an admin's term), with what it links.
      await form.getByLabel('SQL 1').fill('select sum(total) as revenue from orders');
      await form.getByRole('button', { name: 'Save term' }).click();
      const revenue = terms.locator('tr[data-term="revenue"]');
      await expect.poll(() => revenue.textContent()).toMatch(/The sum of order totals\..*orders\.total.*What is the revenue so far\?.*approved/);
      expect(await revenue.textContent()).toContain('also sales, turnover');

      // An agent proposes a term about a table it may read: the admin sees it as proposed, by whom, and approves it.
      const proposed = await server.graphql<{ saveCatalogTerm: { status: string } }>(
        'mutation($i: SaveCatalogTermInput!) { saveCatalogTerm(input: $i) { status } }',
        { i: { databaseId, term: 'buyers', definition: 'Customers who have ordered.', links: [{ table: 'customers' }] } },
        agent.key,
      );
      expect(proposed.body.data?.saveCatalogTerm.status).toBe('PENDING');
      await page.getByRole('radio', { name: 'Proposed' }).check();
      const buyers = terms.locator('tr[data-term="buyers"]');
      await expect.poll(() => buyers.textContent()).toMatch(/proposed.*by analyst-bot/);
      expect(await terms.locator('tr[data-term="revenue"]').count()).toBe(0);
      await buyers.getByRole('button', { name: 'Approve' }).click();
      await expect.poll(() => terms.textContent()).toContain('No term matches.');
      await page.getByRole('radio', { name: 'All' }).check();
      await expect.poll(() => buyers.textContent()).toMatch(/approved/);

      // Search finds a term by a synonym.
      await page.getByLabel('Search terms').fill('turnover');
      await expect.poll(() => terms.locator('tbody tr[data-term]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-term')))).toEqual(['revenue']);
      await page.getByLabel('Search terms').fill('');
      await screenshot(page, 'console-catalog');

      // Merge buyers into revenue (a contrived merge, but it shows the result): buyers becomes a synonym.
      await buyers.getByLabel('Merge buyers into').selectOption({ label: 'revenue' });
      await buyers.getByRole('button', { name: 'Merge' }).click();
      await buyers.getByRole('button', { name: 'Yes, merge' }).click();
      await expect.poll(() => terms.locator('tr[data-term="buyers"]').count()).toBe(0);
      await expect.poll(() => revenue.textContent()).toContain('buyers');

      // Delete: gone from the gateway, not only from the page.
      await revenue.getByRole('button', { name: 'Delete' }).click();
      await revenue.getByRole('button', { name: 'Yes, delete' }).click();
      await expect.poll(() => terms.textContent()).toContain('No terms yet.');
      const left = await server.graphql<{ catalogTerms: { totalCount: number } }>('query($d: ID!) { catalogTerms(databaseId: $d) { totalCount } }', { d: databaseId }, server.adminKey);
      expect(errorCode(left)).toBeUndefined();
      expect(left.body.data!.catalogTerms.totalCount).toBe(0);

      expectClean(view);
    } finally {
      await view.context.close();
    }
  });
});
