// Hash routes (#/events?server=web-1): they work the same over HTTP and inside Electron's app:// page.
import { useSyncExternalStore } from 'react';

export const SCREENS = ['dashboard', 'servers', 'groups', 'policies', 'baselines', 'scans', 'events', 'alerts', 'reports'] as const;
export type Screen = (typeof SCREENS)[number];

export interface Route {
  screen: Screen;
  params: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const [pathPart = '', query = ''] = raw.split('?');
  const name = pathPart.split('/')[0] ?? '';
  const screen = (SCREENS as readonly string[]).includes(name) ? (name as Screen) : 'dashboard';
  return { screen, params: new URLSearchParams(query) };
}

export function hrefFor(screen: Screen, params?: Record<string, string>): string {
  const query = params ? new URLSearchParams(params).toString() : '';
  return `#/${screen}${query ? `?${query}` : ''}`;
}

export function navigate(screen: Screen, params?: Record<string, string>): void {
  window.location.hash = hrefFor(screen, params);
}

function subscribe(callback: () => void): () => void {
  window.addEventListener('hashchange', callback);
  return () => window.removeEventListener('hashchange', callback);
}

export function useHash(): string {
  return useSyncExternalStore(subscribe, () => window.location.hash);
}
