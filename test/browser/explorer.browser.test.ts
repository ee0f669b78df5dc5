import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { browserAvailable, launchBrowser, openOffline, screenshot, type OfflinePage } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// A page is driven step by step by a second process; on a loaded two-core machine each step can take seconds.
// Waits are generous, so a slow run passes and a wrong page still fails (it never shows what is awaited).
vi.setConfig({ testTimeout: 120_000, expect: { poll: { timeout: 15_000, interval: 100 } } });

const hasBrowser = browserAvailable();

/** Replaces the explorer's query with `text` (the editor is CodeMirror, which a real user types into). */
async function setQuery(view: OfflinePage, text: string): Promise<void> {
  const editor = view.page.locator('.graphiql-query-editor .CodeMirror').first();
  await editor.click();
  await view.page.keyboard.press('Control+A');
  await view.page.keyboard.press('Delete');
  await view.page.keyboard.insertText(text);
}

async function run(view: OfflinePage): Promise<void> {
  await view.page.locator('button.graphiql-execute-button').click();
}

const responseText = (view: OfflinePage) => view.page.locator('.graphiql-response .CodeMirror-code').first();

describe.skipIf(!hasBrowser)('the explorer, in a real browser with no network', () => {
  let server: TestServer;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    server = await startTestServer();
    origin = new URL(server.url).origin;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('runs { me { name } } with the key typed into its key field, loading nothing from another host', async () => {
    const view = await openOffline(browser, origin);
    try {
      await view.page.goto(`${origin}/graphql`);
      await view.page.getByLabel('API key').fill(server.adminKey);
      await view.page.getByRole('button', { name: 'Use key' }).click();
      await expect.poll(() => view.page.getByRole('status').textContent()).toMatch(/for this tab only/);
      await setQuery(view, '{ me { name } }');
      await run(view);
      await expect.poll(() => responseText(view).textContent(), { timeout: 15_000 }).toMatch(/"name": "admin"/);
      await screenshot(view.page, 'explorer');

      // The key stays in the tab: not in the address, not in lasting storage.
      expect(view.page.url()).not.toContain(server.adminKey);
      const stored = await view.page.evaluate<string>('JSON.stringify({ ...localStorage }) + document.cookie');
      expect(stored).not.toContain(server.adminKey);
      expect(await view.page.evaluate<string | null>("sessionStorage.getItem('warden.apiKey')")).toBe(server.adminKey);

      expect(view.foreign).toEqual([]);
      expect(view.violations).toEqual([]);
    } finally {
      await view.context.close();
    }
  });

  it('is also at /graphiql, and runs a subscription over WebSocket', async () => {
    const view = await openOffline(browser, origin);
    try {
      await view.page.goto(`${origin}/graphiql`);
      await view.page.getByLabel('API key').fill(server.adminKey);
      await view.page.getByRole('button', { name: 'Use key' }).click();
      await setQuery(view, 'subscription { auditEvents { action } }');
      await run(view);
      // Something to see: a refused query is audited, and the feed pushes it to the page.
      await expect
        .poll(
          async () => {
            await server.graphql('{ agents { totalCount } }', undefined, 'not-a-key-at-all-not-a-key');
            return responseText(view).textContent();
          },
          { timeout: 15_000, interval: 500 },
        )
        .toMatch(/"action": "authenticate"/);
      expect(view.foreign).toEqual([]);
      expect(view.violations).toEqual([]);
    } finally {
      await view.context.close();
    }
  });

  it('without a key, says so, and the gateway refuses its requests', async () => {
    const view = await openOffline(browser, origin);
    try {
      await view.page.goto(`${origin}/graphql`);
      await expect.poll(() => view.page.getByRole('status').textContent()).toMatch(/No key/);
      await setQuery(view, '{ me { name } }');
      await run(view);
      await expect.poll(() => responseText(view).textContent(), { timeout: 15_000 }).toMatch(/UNAUTHENTICATED/);
      expect(view.foreign).toEqual([]);
    } finally {
      await view.context.close();
    }
  });
});

describe.skipIf(!hasBrowser)('the explorer in production', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ env: { NODE_ENV: 'production' } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('is off unless WARDEN_EXPLORER=true', async () => {
    const base = new URL(server.url).origin;
    expect((await fetch(`${base}/graphiql`)).status).toBe(404);
    const page = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type')).not.toMatch(/text\/html/);
  });
});
