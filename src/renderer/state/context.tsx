// The stores reach components through context, so tests can mount a screen with a fake bridge.
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { ApiError } from '../../shared/api.js';
import { toApiError } from '../api/errors.js';
import type { TransportKind } from '../api/pick.js';
import type { ConsoleState, ConsoleStore, ResourceKey, Resources, Resource } from './console-store.js';

interface ConsoleContextValue {
  store: ConsoleStore;
  transport: TransportKind;
}

const ConsoleContext = createContext<ConsoleContextValue | null>(null);

export function ConsoleProvider({ store, transport, children }: { store: ConsoleStore; transport: TransportKind; children: ReactNode }) {
  return <ConsoleContext.Provider value={{ store, transport }}>{children}</ConsoleContext.Provider>;
}

function useConsoleContext(): ConsoleContextValue {
  const value = useContext(ConsoleContext);
  if (!value) throw new Error('ConsoleProvider is missing');
  return value;
}

export function useConsoleStore(): ConsoleStore {
  return useConsoleContext().store;
}

export function useTransport(): TransportKind {
  return useConsoleContext().transport;
}

export function useConsole<T>(selector: (state: ConsoleState) => T): T {
  return useStore(useConsoleContext().store, selector);
}

/** A resource, loaded on first use (and again when `reloadOnMount`). */
export function useResource<K extends ResourceKey>(key: K, reloadOnMount = true): Resource<Resources[K]> {
  const store = useConsoleStore();
  const resource = useStore(store, (s) => s.resources[key]) as Resource<Resources[K]>;
  useEffect(() => {
    const current = store.getState().resources[key];
    if (reloadOnMount || current.loadedAt === null) void store.getState().load(key);
  }, [store, key, reloadOnMount]);
  return resource;
}

/** Runs one user action: busy while it runs, its ApiError kept for the form to show. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  async function run<T>(action: () => Promise<T>): Promise<T | undefined> {
    setBusy(true);
    setError(null);
    try {
      return await action();
    } catch (err) {
      setError(toApiError(err));
      return undefined;
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, setError, run };
}
