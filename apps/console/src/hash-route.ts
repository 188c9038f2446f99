import { useEffect, useState } from 'preact/hooks';

/** The page the address names: `#/sagas/abc?x=1` is path `/sagas/abc` with its parameters. */
export interface HashRoute {
  readonly path: string;
  readonly params: URLSearchParams;
}

/** Reads a location hash; no hash is the saga list. */
export function parseHash(hash: string): HashRoute {
  const text = hash.replace(/^#/, '') || '/sagas';
  const [path = '/sagas', query = ''] = text.split('?', 2);
  return { path, params: new URLSearchParams(query) };
}

/** The hash of `path` with `params` (none: no `?`). */
export function hashOf(path: string, params?: URLSearchParams): string {
  const query = params?.toString() ?? '';
  return `#${path}${query === '' ? '' : `?${query}`}`;
}

/** The current route, following the address bar (links, back and forward). */
export function useHashRoute(): HashRoute {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const follow = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);
  return route;
}
