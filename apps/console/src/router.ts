import { useSyncExternalStore } from 'react';

/** The console's few routes live in the path under /console; links push history entries. */
const BASE = '/console';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  return () => window.removeEventListener('popstate', onChange);
}

/** The path below /console, split: `/instances/abc/users` → ['instances', 'abc', 'users']. */
export function useRoute(): string[] {
  const path = useSyncExternalStore(subscribe, () => window.location.pathname);
  return path.slice(BASE.length).split('/').filter(Boolean).map(decodeURIComponent);
}

export function navigate(path: string): void {
  window.history.pushState(null, '', `${BASE}${path}`);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function href(path: string): string {
  return `${BASE}${path}`;
}
