// A DriftwatchBridge for renderer tests: handlers are plain functions, pushes are emitted by hand.
import { ApiError, type ArgsOf, type DriftwatchBridge, type HandlerName, type PushEvents, type PushName, type ResultOf } from '../../../src/shared/api.js';

export type FakeHandlers = { [K in HandlerName]?: (args: ArgsOf<K>) => ResultOf<K> | Promise<ResultOf<K>> };

export interface FakeBridge {
  bridge: DriftwatchBridge;
  calls: { name: HandlerName; args: unknown }[];
  emit<K extends PushName>(name: K, payload: PushEvents[K]): void;
  handlers: FakeHandlers;
}

export function fakeBridge(handlers: FakeHandlers = {}): FakeBridge {
  const calls: FakeBridge['calls'] = [];
  const listeners = new Map<PushName, Set<(payload: unknown) => void>>();
  const bridge: DriftwatchBridge = {
    async call<K extends HandlerName>(name: K, args: ArgsOf<K>): Promise<ResultOf<K>> {
      calls.push({ name, args });
      const handler = handlers[name] as ((a: ArgsOf<K>) => ResultOf<K> | Promise<ResultOf<K>>) | undefined;
      if (!handler) throw new ApiError('not_found', `fake bridge has no handler ${name}`);
      return handler(args);
    },
    on(name, listener) {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      set.add(listener as (payload: unknown) => void);
      return () => set.delete(listener as (payload: unknown) => void);
    },
  };
  return {
    bridge,
    calls,
    handlers,
    emit(name, payload) {
      for (const l of listeners.get(name) ?? []) l(payload);
    },
  };
}

export const EMPTY_DASHBOARD = { groups: [], openEvents: { critical: 0, nonCritical: 0 }, expiringBaselines: [], neverScanned: [], staleServers: [], notCompared: [] };

/** Handlers that answer the list calls every screen makes with empty lists. */
export function emptyFleet(): FakeHandlers {
  return {
    'servers/list': () => [],
    'groups/list': () => [],
    'policies/list': () => [],
    'baselines/list': () => [],
    'scans/list': () => [],
    'dashboard/summary': () => EMPTY_DASHBOARD,
    'events/list': () => ({ total: 0, events: [] }),
    'schedules/list': () => [],
    'schedules/runner': () => ({ here: true, owner: 'scheduler-test' }),
    'alertProfiles/list': () => [],
    'smtp/get': () => null,
    'alerts/outbox': () => [],
  };
}
