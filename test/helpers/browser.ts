import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** The system Chromium (Debian's `chromium` package; .ci/run installs it), or CHROMIUM_PATH. */
export function chromiumPath(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((path): path is string => path !== undefined && path !== '' && existsSync(path));
}

/**
 * Whether a browser can be started. Under CI=true a missing Chromium is a failure, never a skip; elsewhere
 * the browser tests are skipped with a visible warning.
 */
export function browserAvailable(): boolean {
  if (chromiumPath()) return true;
  const message = 'no Chromium at /usr/bin/chromium (apt-get install -y chromium) or CHROMIUM_PATH';
  if (process.env.CI === 'true') throw new Error(`${message}, and CI=true: .ci/run installs it.`);
  console.warn(`SKIPPING browser tests: ${message}.`);
  return false;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}

/** A page whose network is the gateway alone: what it asks of any other host is refused and remembered. */
export interface OfflinePage {
  context: BrowserContext;
  page: Page;
  /** Every request (HTTP or WebSocket) the page made to a host other than the gateway. */
  foreign: string[];
  /** Content-Security-Policy violations the page reported. */
  violations: string[];
  /** Errors the page's scripts logged or threw. */
  errors: string[];
}

export async function openOffline(browser: Browser, origin: string): Promise<OfflinePage> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, serviceWorkers: 'block' });
  const foreign: string[] = [];
  const violations: string[] = [];
  const errors: string[] = [];
  const own = (url: string) => {
    const parsed = new URL(url);
    return parsed.protocol === 'data:' || parsed.protocol === 'blob:' || parsed.host === new URL(origin).host;
  };
  // No network beyond the gateway: anything else fails as it would with the cable out.
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (own(url)) return route.continue();
    foreign.push(url);
    return route.abort('internetdisconnected');
  });
  await context.exposeBinding('__reportViolation', (_source, text: string) => void violations.push(text));
  // Runs in the page, before its own scripts (a string: this file is compiled for Node).
  await context.addInitScript({
    content: "document.addEventListener('securitypolicyviolation', (event) => window.__reportViolation(event.violatedDirective + ' ' + event.blockedURI));",
  });
  const page = await context.newPage();
  page.on('websocket', (socket) => {
    if (!own(socket.url().replace(/^ws/, 'http'))) foreign.push(socket.url());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  return { context, page, foreign, violations, errors };
}

/** Where screenshots go: test-results/ always; docs/screenshots too with WARDEN_SCREENSHOTS=docs. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const folders = [join('test-results', 'screenshots')];
  if (process.env.WARDEN_SCREENSHOTS === 'docs') folders.push(join('docs', 'screenshots'));
  for (const folder of folders) {
    await mkdir(folder, { recursive: true });
    await page.screenshot({ path: join(folder, `${name}.png`) });
  }
}
