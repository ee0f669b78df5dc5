import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { browserAvailable, launchBrowser, openOffline, screenshot, type OfflinePage } from '../helpers/browser.js';
import { serviceAvailable } from '../helpers/services.js';
import { loadShop } from '../helpers/shop-fixture.js';
import { createTempPostgres, type TempPostgres } from '../helpers/temp-postgres.js';
import { errorCode, startTestServer, type TestServer } from '../helpers/test-server.js';

// A page is driven step by step by a second process; on a loaded two-core machine each step can take seconds.
// Waits are generous, so a slow run passes and a wrong page still fails (it never shows what is awaited).
vi.setConfig({ testTimeout: 120_000, expect: { poll: { timeout: 15_000, interval: 100 } } });

// What the callbacks given to page.evaluate use: they run in the browser, and the tests compile without the DOM library.
declare const document: {
  documentElement: { outerHTML: string };
  cookie: string;
  querySelectorAll(selector: string): Iterable<{ value: string }>;
  getAnimations(): { finish(): void }[];
};
declare const sessionStorage: { getItem(key: string): string | null };
declare const localStorage: Record<string, string>;

const hasBrowser = browserAvailable();
const hasPostgres = hasBrowser && (await serviceAvailable('postgres'));

async function signIn(page: Page, origin: string, key: string): Promise<void> {
  await page.goto(`${origin}/console`);
  await page.getByLabel('Admin API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name, exact: true }).click();

/** Whether `text` is anywhere in the page: its markup or the value of any field. */
const pageHolds = (page: Page, text: string) =>
  page.evaluate(
    (needle) =>
      document.documentElement.outerHTML.includes(needle) ||
      [...document.querySelectorAll('input, textarea')].some((field) => field.value.includes(needle)),
    text,
  );

/** A failed request the browser itself logs (a refused key is answered 401); not an error of the page's code. */
const isRefusedRequestLog = (message: string) => /Failed to load resource: the server responded with a status of 401/.test(message);

function expectClean(view: OfflinePage, allowRefusedRequests = false): void {
  expect(view.foreign).toEqual([]);
  expect(view.violations).toEqual([]);
  expect(view.errors.filter((message) => !(allowRefusedRequests && isRefusedRequestLog(message)))).toEqual([]);
}

describe.skipIf(!hasPostgres)('the console, in a real browser with no network', () => {
  let server: TestServer;
  let shop: TempPostgres;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    shop = await createTempPostgres('warden_console');
    await loadShop('postgres', shop.name);
    // Row estimates for the catalog, as a database in use has them.
    const client = new pg.Client({ connectionString: shop.url });
    await client.connect();
    await client.query('analyze');
    await client.end();
    // Two denied queries in a minute raise a notification, so the panel has something live to show.
    server = await startTestServer({ env: { WARDEN_ALERT_DENIAL_BURST: '2' } });
    origin = new URL(server.url).origin;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await shop?.drop();
  });

  it('refuses a key that is not an admin’s, keeps the admin key for the tab only, and signs out when the gateway stops accepting it', async () => {
    const registered = await server.graphql<{ registerAgent: { key: string } }>('mutation { registerAgent(input: { name: "plain-agent" }) { key } }', undefined, server.adminKey);
    const agentKey = registered.body.data!.registerAgent.key;
    const view = await openOffline(browser, origin);
    const { page } = view;
    try {
      await signIn(page, origin, agentKey);
      await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/FORBIDDEN.*belongs to “plain-agent”, an agent.*needs an admin key/);
      expect(await page.evaluate(() => sessionStorage.getItem('warden.apiKey'))).toBeNull();

      await page.getByLabel('Admin API key').fill('wdn_not_a_real_key_at_all_0000000000');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/UNAUTHENTICATED/);

      // The admin key: kept in this tab (a reload stays signed in), never in the address or lasting storage.
      await page.getByLabel('Admin API key').fill(server.adminKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.getByRole('heading', { name: 'Agents' }).waitFor()).resolves.toBeUndefined();
      expect(page.url()).not.toContain(server.adminKey);
      expect(await page.evaluate(() => JSON.stringify({ ...localStorage }) + document.cookie)).not.toContain(server.adminKey);
      await page.reload();
      await page.getByRole('heading', { name: 'Agents' }).waitFor();
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByLabel('Admin API key').waitFor();
      expect(await page.evaluate(() => sessionStorage.getItem('warden.apiKey'))).toBeNull();

      // A second admin, revoked while signed in: the next request is refused and the console asks to sign in again.
      const second = await server.graphql<{ registerAgent: { agent: { id: string }; key: string } }>(
        'mutation { registerAgent(input: { name: "second-admin", role: ADMIN }) { agent { id } key } }',
        undefined,
        server.adminKey,
      );
      const { agent, key } = second.body.data!.registerAgent;
      await signIn(page, origin, key);
      await page.getByRole('heading', { name: 'Agents' }).waitFor();
      // The list has loaded (its button reads "Loading…" until then).
      await page.getByRole('button', { name: 'Reload' }).waitFor();
      await server.graphql('mutation($id: ID!) { revokeAgent(id: $id) { id } }', { id: agent.id }, server.adminKey);
      // The next request is refused; the console may also have heard it first over its live connection and signed out already.
      await page.getByRole('button', { name: 'Reload' }).click({ timeout: 5_000 }).catch(() => undefined);
      await expect.poll(() => page.getByRole('status').first().textContent()).toMatch(/no longer accepts this key/);
      await page.getByLabel('Admin API key').waitFor();

      expectClean(view, true);
    } finally {
      await view.context.close();
    }
  });

  it('registers an agent, connects the database, grants a table with a row filter, shows the agent’s query live, and revokes the agent', async () => {
    // The customer the row filter lets the agent see: the one with the most orders.
    const client = new pg.Client({ connectionString: shop.url });
    await client.connect();
    const { rows: top } = await client.query<{ customer_id: number; n: string }>(
      'select customer_id, count(*) as n from orders group by customer_id order by count(*) desc, customer_id limit 1',
    );
    await client.end();
    const customerId = top[0]!.customer_id;

    const view = await openOffline(browser, origin);
    const { page } = view;
    try {
      await signIn(page, origin, server.adminKey);
      await page.getByRole('heading', { name: 'Agents' }).waitFor();

      // Register: the key is shown once, in the dialog, and is gone from the page once it is closed.
      const register = page.getByRole('form', { name: 'Register an agent' });
      await register.getByLabel('Name').fill('reporting-bot');
      await register.getByLabel('Description').fill('Weekly sales summaries');
      await register.getByRole('button', { name: 'Register' }).click();
      const dialog = page.getByRole('dialog', { name: /API key of “reporting-bot”/ });
      await dialog.waitFor();
      expect(await dialog.textContent()).toMatch(/only time the API key is shown/);
      const agentKey = await dialog.getByLabel('API key').inputValue();
      expect(agentKey).toMatch(/^wdn_/);
      await dialog.getByRole('button', { name: /Done/ }).click();
      // A closed <dialog> leaves the accessibility tree at once, before the page drops it on its close
      // event: wait for the element itself to go.
      await page.locator('dialog.secret-dialog').waitFor({ state: 'detached' });
      expect(await pageHolds(page, agentKey)).toBe(false);
      await page.locator('tr[data-agent="reporting-bot"]').waitFor();
      expect(errorCode(await server.graphql('{ me { name } }', undefined, agentKey))).toBeUndefined();

      // Connect the shop database through the form: tested, then saved with its catalog.
      await nav(page, 'Databases');
      const connect = page.getByRole('form', { name: 'Connect a database' });
      await connect.getByLabel('Name').fill('shop');
      await connect.getByLabel('Connection URL').fill(shop.url);
      await connect.getByRole('button', { name: 'Test connection' }).click();
      await expect.poll(() => connect.getByRole('status').textContent(), { timeout: 15_000 }).toMatch(/^✓/);
      await connect.getByRole('button', { name: 'Connect', exact: true }).click();
      await expect.poll(() => connect.getByRole('status').textContent(), { timeout: 15_000 }).toMatch(/Connected shop: 6 tables/);
      const row = page.locator('tr[data-database="shop"]');
      await expect.poll(() => row.textContent(), { timeout: 15_000 }).toMatch(/available/);

      // Grant READ on orders, only one customer's rows, with a mask on shipping_country.
      await nav(page, 'Grants');
      await page.getByLabel('Agent').selectOption({ label: 'reporting-bot' });
      const matrix = page.getByRole('table', { name: 'Grants matrix' });
      const orders = matrix.locator('tr[data-table="public.orders"]');
      await orders.waitFor();
      expect(await matrix.locator('tbody tr[data-table]').count()).toBe(6);
      await orders.getByRole('button', { name: 'Conditions of orders' }).click();
      const editor = page.getByRole('form', { name: 'Grant on orders' });
      await editor.getByRole('checkbox', { name: 'READ' }).check();
      await editor.getByLabel(/Row filter/).fill(`customer_id = ${customerId}`);
      await editor.getByRole('button', { name: 'Add a mask' }).click();
      await editor.getByLabel('Masked column').selectOption('shipping_country');
      await editor.getByLabel('Mask of shipping_country').fill("'**'");
      await editor.getByLabel('Row cap').fill('500');
      await editor.getByRole('button', { name: 'Save grant' }).click();
      await editor.waitFor({ state: 'detached' });
      await expect.poll(() => orders.textContent()).toContain(`customer_id = ${customerId}`);
      expect(await orders.getByRole('checkbox', { name: 'READ on orders' }).isChecked()).toBe(true);
      expect(await orders.textContent()).toContain('shipping_country');
      // A cell is a grant too: READ on products with one click (ticked once the gateway has made the grant).
      const productsRead = matrix.locator('tr[data-table="public.products"]').getByRole('checkbox', { name: 'READ on products' });
      await productsRead.click();
      await expect.poll(() => productsRead.isChecked()).toBe(true);
      const preview = page.getByRole('table', { name: 'Access preview' });
      await expect.poll(() => preview.textContent()).toContain(`customer_id = ${customerId}`);
      await screenshot(page, 'console-grants-matrix');

      // As the agent, from the Query page with its key: the rows honour the row filter and the mask.
      await nav(page, 'Query');
      await page.getByLabel('Agent', { exact: true }).selectOption({ label: 'reporting-bot' });
      await page.getByLabel('Agent API key').fill(agentKey);
      await page.getByRole('button', { name: 'Use key' }).click();
      await page.getByText('Acting as').waitFor();
      await page.getByLabel('SQL statement').fill('select id, customer_id, shipping_country, total from orders order by id');
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      const result = page.getByRole('table', { name: 'Result rows' });
      await result.waitFor();
      const cells = await result.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
      expect(cells.length).toBe(Number(top[0]!.n));
      expect(new Set(cells.map((c) => c[1]))).toEqual(new Set([String(customerId)]));
      expect(new Set(cells.map((c) => c[2]))).toEqual(new Set(['**']));

      // Live: a query the agent makes now is pushed to the feed within seconds; so is a denial, and the notification it raises.
      await nav(page, 'Live');
      const feed = page.getByRole('table', { name: 'Live audit feed' });
      await expect.poll(() => page.locator('.live-feed').getByRole('status').textContent(), { timeout: 15_000 }).toBe('live');
      const agentRows = feed.locator('tbody tr', { hasText: 'reporting-bot' });
      // The query run from the Query page, just before the feed opened, is there too.
      await expect.poll(() => agentRows.count(), { timeout: 15_000 }).toBe(1);
      const before = await agentRows.count();
      const answer = await server.graphql<{ runQuery: { rows: { customer_id: number; n: number }[] } }>(
        'mutation($d: ID!) { runQuery(databaseId: $d, sql: "select customer_id, count(*)::int as n from orders group by customer_id") { rows } }',
        { d: await databaseId(server) },
        agentKey,
      );
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data!.runQuery.rows).toEqual([{ customer_id: customerId, n: Number(top[0]!.n) }]);
      await expect.poll(() => agentRows.count(), { timeout: 15_000 }).toBe(before + 1);
      const newest = feed.locator('tbody tr').first();
      expect(await newest.textContent()).toMatch(/reporting-bot.*runQuery.*shop.*public\.orders.*ALLOWED/);

      for (let i = 0; i < 2; i++) {
        const denied = await server.graphql('mutation($d: ID!) { runQuery(databaseId: $d, sql: "select email from customers") { rowCount } }', { d: await databaseId(server) }, agentKey);
        expect(errorCode(denied)).toBe('FORBIDDEN');
      }
      await expect.poll(() => feed.locator('tbody tr.decision-denied', { hasText: 'reporting-bot' }).count(), { timeout: 15_000 }).toBe(2);
      const notifications = page.locator('.notification-list');
      await expect.poll(() => notifications.textContent(), { timeout: 15_000 }).toMatch(/DENIAL_BURST/);
      // The arrival highlight fades in 2.5 s: the picture shows the rows as they settle.
      await page.evaluate(() => document.getAnimations().forEach((animation) => animation.finish()));
      await screenshot(page, 'console-live-feed');

      // Revoke: the agent's key is refused at once.
      await nav(page, 'Agents');
      const agent = page.locator('tr[data-agent="reporting-bot"]');
      await agent.getByRole('button', { name: 'Revoke' }).click();
      await agent.getByRole('button', { name: 'Yes, revoke' }).click();
      await agent.waitFor({ state: 'detached' });
      expect(errorCode(await server.graphql('{ me { name } }', undefined, agentKey))).toBe('UNAUTHENTICATED');
      await page.getByLabel('Show revoked').check();
      await expect.poll(() => page.locator('tr[data-agent="reporting-bot"]').textContent()).toMatch(/revoked/);

      expectClean(view);
    } finally {
      await view.context.close();
    }
  });
});

async function databaseId(server: TestServer): Promise<string> {
  const answer = await server.graphql<{ databases: { edges: { node: { id: string; name: string } }[] } }>('{ databases { edges { node { id name } } } }', undefined, server.adminKey);
  const shop = answer.body.data!.databases.edges.find((edge) => edge.node.name === 'shop');
  if (!shop) throw new Error('the shop database is not registered');
  return shop.node.id;
}
