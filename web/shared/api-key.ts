/**
 * The API key a page uses: kept for this tab only (sessionStorage), never in a URL, a cookie or
 * localStorage, so closing the tab forgets it and no other site or later visitor reads it.
 */
const SLOT = 'warden.apiKey';

export function savedKey(): string {
  try {
    return sessionStorage.getItem(SLOT) ?? '';
  } catch {
    return '';
  }
}

export function saveKey(key: string): void {
  try {
    if (key) sessionStorage.setItem(SLOT, key);
    else sessionStorage.removeItem(SLOT);
  } catch {
    // Storage refused (a private window with storage off): the key lives in memory only.
  }
}

/** The gateway's WebSocket address for this page: the same host, ws or wss as the page is http or https. */
export function socketUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
}
