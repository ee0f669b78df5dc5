import { useCallback, useEffect, useState } from 'react';

/** The console's pages, in the order the navigation lists them; each is at /console/<path>. */
export const PAGES = [
  { path: 'agents', title: 'Agents' },
  { path: 'databases', title: 'Databases' },
  { path: 'grants', title: 'Grants' },
  { path: 'catalog', title: 'Catalog' },
  { path: 'live', title: 'Live' },
  { path: 'query', title: 'Query' },
  { path: 'schedules', title: 'Schedules' },
  { path: 'exports', title: 'Exports' },
  { path: 'webhooks', title: 'Webhooks' },
  { path: 'rate-limits', title: 'Rate limits' },
] as const;

export type PagePath = (typeof PAGES)[number]['path'];

const BASE = '/console';

function current(): PagePath {
  const rest = location.pathname.startsWith(`${BASE}/`) ? location.pathname.slice(BASE.length + 1).split('/')[0] : '';
  return PAGES.find((page) => page.path === rest)?.path ?? 'agents';
}

export const hrefOf = (path: PagePath, query?: Record<string, string>): string =>
  `${BASE}/${path}${query ? `?${new URLSearchParams(query).toString()}` : ''}`;

/** A parameter of the address's query string ("agent" on /console/grants?agent=…). */
export const routeParam = (name: string): string | undefined => new URLSearchParams(location.search).get(name) ?? undefined;

export type Go = (path: PagePath, query?: Record<string, string>) => void;

/** The open page, from the address (the gateway serves the console for every /console/… path), and a way to go to another. */
export function useRoute(): [PagePath, Go] {
  const [page, setPage] = useState<PagePath>(current);
  useEffect(() => {
    const onPop = () => setPage(current());
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  const go = useCallback<Go>((path, query) => {
    const href = hrefOf(path, query);
    if (`${location.pathname}${location.search}` !== href) history.pushState(null, '', href);
    setPage(path);
  }, []);
  return [page, go];
}
