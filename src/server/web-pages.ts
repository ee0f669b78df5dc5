import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import type { Express } from 'express';
import { BUILD_DIR } from '../build-output.js';
import { ErrorCode } from '../errors/app-error.js';
import type { Logger } from '../logger.js';

/**
 * The gateway's own web pages, built by Vite from web/ into dist/web (`npm run build:web`, which
 * `npm install` runs): the admin console at /console and the explorer (GraphiQL) at /graphiql and, for a
 * browser, /graphql. Both are static files that talk only to this gateway's public GraphQL API with the
 * key the user types in; their scripts and styles are served from /assets/ here, so the pages work with no
 * network and load nothing from another host.
 */
export interface WebPages {
  /** The explorer page for a GET /graphql that asks for HTML, when the explorer is on. */
  explorer: ((res: ServerResponse) => void) | undefined;
  /** Adds /assets/*, /console and /graphiql to the express app. */
  mount(app: Express): void;
}

export interface WebPagesOptions {
  explorer: boolean;
  console: boolean;
  log: Logger;
  /** Where the built pages are; default: dist/web beside the source or the compiled gateway. */
  dir?: string | undefined;
}

/** The built pages' folder, dist/web, when they are built. */
function builtDir(): string | undefined {
  const dir = join(BUILD_DIR, 'web');
  return existsSync(join(dir, 'console', 'index.html')) ? dir : undefined;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
};

/** A built asset's name: one hashed file, no folders, so no path leaves the assets folder. */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

function sendPage(res: ServerResponse, html: string): void {
  res.statusCode = 200;
  res.setHeader('content-type', 'text/html; charset=utf-8');
  // A new build has new asset names: the page itself is checked each time.
  res.setHeader('cache-control', 'no-cache');
  res.setHeader('content-length', Buffer.byteLength(html));
  res.end(html);
}

function notBuilt(res: ServerResponse): void {
  res.statusCode = 503;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(
    JSON.stringify({
      errors: [{ message: 'The web pages are not built. Run `npm run build:web` (npm install runs it) and start the gateway again.', extensions: { code: ErrorCode.INTERNAL } }],
    }),
  );
}

export function webPages(options: WebPagesOptions): WebPages {
  const dir = options.dir ?? builtDir();
  if (!dir) options.log.warn('the console and explorer are not built (run `npm run build:web`); /console and /graphiql answer 503');
  const read = (name: string): string | undefined => (dir ? readFileSync(join(dir, name, 'index.html'), 'utf8') : undefined);
  const consoleHtml = options.console ? read('console') : undefined;
  const explorerHtml = options.explorer ? read('explorer') : undefined;
  const page = (html: string | undefined) => (res: ServerResponse) => (html === undefined ? notBuilt(res) : sendPage(res, html));

  return {
    explorer: options.explorer ? page(explorerHtml) : undefined,
    mount(app) {
      if (!options.console && !options.explorer) return;
      app.get('/assets/:file', (req, res, next) => {
        const file = String(req.params.file);
        const type = TYPES[extname(file)];
        if (!dir || !type || !ASSET_NAME.test(file)) return next();
        const path = join(dir, file);
        let size: number;
        try {
          const stat = statSync(path);
          if (!stat.isFile()) return next();
          size = stat.size;
        } catch {
          return next();
        }
        res.status(200);
        res.setHeader('content-type', type);
        res.setHeader('content-length', size);
        // Names carry a hash of their content: never revalidated.
        res.setHeader('cache-control', 'public, max-age=31536000, immutable');
        createReadStream(path)
          .on('error', () => res.destroy())
          .pipe(res);
      });
      if (options.console) {
        const serve = page(consoleHtml);
        app.get(['/console', '/console/{*rest}'], (_req, res) => serve(res));
      }
      if (options.explorer) {
        const serve = page(explorerHtml);
        app.get('/graphiql', (_req, res) => serve(res));
      }
    },
  };
}

/**
 * Whether a GET /graphql is a browser opening the page rather than a GraphQL GET: it accepts HTML ahead of
 * JSON and sends no query.
 */
export function wantsPage(req: IncomingMessage): boolean {
  if (req.method !== 'GET') return false;
  const accept = req.headers.accept ?? '';
  const html = accept.indexOf('text/html');
  if (html < 0) return false;
  const json = accept.search(/application\/(graphql-response\+)?json/);
  if (json >= 0 && json < html) return false;
  return !/[?&]query=/.test(req.url ?? '');
}
