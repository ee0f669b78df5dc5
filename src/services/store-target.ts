import { isIPv4 } from 'node:net';
import type { StoreConfig } from '../config.js';

/**
 * Whether a PostgreSQL database about to be registered is Warden's own store (when the store is
 * PostgreSQL): the same database name on an endpoint with the same port and the same host, host names
 * compared in lower case and every loopback spelling (localhost, 127.0.0.0/8, ::1, a Unix socket) taken
 * as one. Best effort: a different name for the same server (another DNS name, a public address of this
 * machine, a proxy or a pooler in front of it) is not recognised — the store's database role should not
 * be one an admin registers targets with. The embedded store is kept out by the PGlite driver's folder rules.
 */
export function pointsAtStore(store: StoreConfig | undefined, engine: string, settings: Record<string, unknown>): boolean {
  if (store?.kind !== 'postgres' || engine !== 'postgres') return false;
  const own = storeEndpoint(store.url);
  if (!own) return false;
  const database = typeof settings.database === 'string' ? settings.database : undefined;
  if (database === undefined || database.toLowerCase() !== own.database.toLowerCase()) return false;
  const endpoints = Array.isArray(settings.endpoints) ? (settings.endpoints as { host?: unknown; port?: unknown }[]) : [];
  return endpoints.some((e) => typeof e.host === 'string' && sameHost(e.host, own.host) && (typeof e.port === 'number' ? e.port : 5432) === own.port);
}

function storeEndpoint(url: string): { host: string; port: number; database: string } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  // libpq and pg take ?host= for a socket folder; an empty host is the default socket, i.e. this machine.
  const host = parsed.searchParams.get('host') ?? parsed.hostname;
  const port = parsed.port ? Number(parsed.port) : 5432;
  const user = decodeURIComponent(parsed.username);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || user || 'postgres';
  return { host, port, database };
}

function sameHost(a: string, b: string): boolean {
  const na = normalize(a);
  const nb = normalize(b);
  return na === nb;
}

function normalize(host: string): string {
  const bare = (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host).toLowerCase().replace(/\.+$/, '');
  if (bare === '' || bare.startsWith('/') || bare === 'localhost' || bare === '::1' || bare === '0:0:0:0:0:0:0:1' || bare === '::ffff:127.0.0.1') return 'loopback';
  if (isIPv4(bare) && bare.startsWith('127.')) return 'loopback';
  return bare;
}
