// The console's shared state: the lists every screen reads, live scan progress from pushes, and
// notices. One store per bridge, created at start-up (or per test with a fake bridge).
import { createStore, type StoreApi } from 'zustand/vanilla';
import type {
  AlertProfile,
  ArgsOf,
  DashboardSummary,
  DriftwatchBridge,
  HandlerName,
  OutboxItem,
  PushEvents,
  ResultOf,
  ScanRequest,
  ScanRun,
  ScheduleInfo,
  ServerSummary,
  SmtpSettings,
} from '../../shared/api.js';
import type { BaselineInfo, Group, Policy, ScanRecord } from '../../shared/domain.js';
import { describeError } from '../api/errors.js';

export interface Resource<T> {
  data: T | null;
  loading: boolean;
  error: string | null;
  loadedAt: number | null;
}

export interface Resources {
  servers: ServerSummary[];
  groups: Group[];
  policies: Policy[];
  baselines: BaselineInfo[];
  scans: ScanRecord[];
  dashboard: DashboardSummary;
  /** Every group's automatic scans (off included), with next and last run. */
  schedules: ScheduleInfo[];
  /** Whether the process behind this console runs the schedules (not with --no-schedules). */
  scheduleRunner: ResultOf<'schedules/runner'>;
  alertProfiles: AlertProfile[];
  /** null until SMTP is set up; never holds a password. */
  smtp: SmtpSettings | null;
  /** Notifications still waiting for delivery (pending, with their last error when they failed). */
  outbox: OutboxItem[];
}
export type ResourceKey = keyof Resources;

export interface Notice {
  id: number;
  kind: 'error' | 'success' | 'info';
  text: string;
}

export type ScanProgress = PushEvents['scan/progress'] & { at: number };
export type BaselineProgress = PushEvents['baseline/progress'] & { at: number };

export interface ScanSession {
  request: ScanRequest;
  startedAt: number;
  finishedAt: number | null;
  result: ScanRun | null;
  error: string | null;
}

export interface ConsoleState {
  bridge: DriftwatchBridge;
  resources: { [K in ResourceKey]: Resource<Resources[K]> };
  notices: Notice[];
  progress: Record<string, ScanProgress>;
  /** The servers of the latest baseline run (from this console or elsewhere), as `progress` for scans. */
  baselineProgress: Record<string, BaselineProgress>;
  scan: ScanSession | null;
  /** Bumped whenever the engine says events changed; the events screen refetches on it. */
  eventsVersion: number;

  /** Loads a resource; one request at a time per resource. `fresh`: also after a load already running (pushes). */
  load(key: ResourceKey, fresh?: boolean): Promise<void>;
  loadMany(keys: readonly ResourceKey[], fresh?: boolean): Promise<void>;
  /** Calls a handler, then reloads `refresh`. Throws the ApiError: forms show it next to their fields. */
  perform<K extends HandlerName>(name: K, args: ArgsOf<K>, refresh?: readonly ResourceKey[]): Promise<ResultOf<K>>;
  notify(kind: Notice['kind'], text: string): void;
  dismiss(id: number): void;
  runScan(request: ScanRequest): Promise<ScanRun | null>;
  dispose(): void;
}

const LOADERS: { [K in ResourceKey]: (bridge: DriftwatchBridge) => Promise<Resources[K]> } = {
  servers: (b) => b.call('servers/list', undefined),
  groups: (b) => b.call('groups/list', undefined),
  policies: (b) => b.call('policies/list', undefined),
  baselines: (b) => b.call('baselines/list', {}),
  scans: (b) => b.call('scans/list', { limit: 200 }),
  dashboard: (b) => b.call('dashboard/summary', undefined),
  schedules: (b) => b.call('schedules/list', undefined),
  scheduleRunner: (b) => b.call('schedules/runner', undefined),
  alertProfiles: (b) => b.call('alertProfiles/list', undefined),
  smtp: (b) => b.call('smtp/get', undefined),
  outbox: (b) => b.call('alerts/outbox', { status: 'pending', limit: 200 }),
};

const empty = <T>(): Resource<T> => ({ data: null, loading: false, error: null, loadedAt: null });

/** What a change to each resource may change elsewhere. */
export const AFTER_SCAN: readonly ResourceKey[] = ['scans', 'servers', 'dashboard', 'baselines', 'outbox'];
/** What a scheduled run (the schedules/run push) may have changed. */
export const AFTER_SCHEDULED_RUN: readonly ResourceKey[] = ['schedules', ...AFTER_SCAN];

export type ConsoleStore = StoreApi<ConsoleState>;

export function createConsoleStore(bridge: DriftwatchBridge): ConsoleStore {
  let noticeId = 0;
  const unsubscribers: (() => void)[] = [];
  const inflight = new Map<ResourceKey, Promise<void>>();
  const queued = new Map<ResourceKey, Promise<void>>();

  const store = createStore<ConsoleState>()((set, get) => ({
    bridge,
    resources: {
      servers: empty(),
      groups: empty(),
      policies: empty(),
      baselines: empty(),
      scans: empty(),
      dashboard: empty(),
      schedules: empty(),
      scheduleRunner: empty(),
      alertProfiles: empty(),
      smtp: empty(),
      outbox: empty(),
    },
    notices: [],
    progress: {},
    baselineProgress: {},
    scan: null,
    eventsVersion: 0,

    load(key, fresh = false) {
      const running = inflight.get(key);
      if (running && !fresh) return running;
      if (running) {
        // A push said the data changed while a load runs: load once more after it.
        let again = queued.get(key);
        if (!again) {
          again = running.then(() => {
            queued.delete(key);
            return get().load(key, true);
          });
          queued.set(key, again);
        }
        return again;
      }
      const setResource = (patch: Partial<Resource<unknown>>) =>
        set((s) => ({ resources: { ...s.resources, [key]: { ...s.resources[key], ...patch } } }));
      setResource({ loading: true });
      const promise = (LOADERS[key](bridge) as Promise<unknown>)
        .then(
          (data) => setResource({ data, loading: false, error: null, loadedAt: Date.now() }),
          (err: unknown) => setResource({ loading: false, error: describeError(err) }),
        )
        .finally(() => inflight.delete(key));
      inflight.set(key, promise);
      return promise;
    },

    async loadMany(keys, fresh = false) {
      await Promise.all(keys.map((k) => get().load(k, fresh)));
    },

    async perform(name, args, refresh = []) {
      const result = await bridge.call(name, args);
      if (refresh.length) void get().loadMany(refresh);
      return result;
    },

    notify(kind, text) {
      const id = ++noticeId;
      set((s) => ({ notices: [...s.notices.slice(-2), { id, kind, text }] }));
      if (kind !== 'error') setTimeout(() => get().dismiss(id), 5000);
    },

    dismiss(id) {
      set((s) => ({ notices: s.notices.filter((n) => n.id !== id) }));
    },

    async runScan(request) {
      if (get().scan && get().scan?.finishedAt === null) {
        get().notify('info', 'A scan is already running; wait for it to finish.');
        return null;
      }
      set({ progress: {}, scan: { request, startedAt: Date.now(), finishedAt: null, result: null, error: null } });
      try {
        const result = await bridge.call('scans/run', request);
        set((s) => ({ scan: s.scan && { ...s.scan, finishedAt: Date.now(), result } }));
        const failed = result.servers.filter((r) => r.status === 'failed').length;
        const findings = result.servers.filter((r) => r.status === 'completed_with_findings').length;
        const notCompared = result.servers.filter((r) => r.status === 'not_compared').length;
        get().notify(
          failed || notCompared ? 'error' : 'success',
          `Scan finished on ${result.servers.length} server${result.servers.length === 1 ? '' : 's'}: ` +
            `${findings} with findings, ${notCompared ? `${notCompared} not compared, ` : ''}${failed} failed, ${result.events.length} new or changed event${result.events.length === 1 ? '' : 's'}.`,
        );
        return result;
      } catch (err) {
        const text = describeError(err);
        set((s) => ({ scan: s.scan && { ...s.scan, finishedAt: Date.now(), error: text } }));
        get().notify('error', text);
        return null;
      } finally {
        void get().loadMany(AFTER_SCAN);
        set((s) => ({ eventsVersion: s.eventsVersion + 1 }));
      }
    },

    dispose() {
      for (const u of unsubscribers.splice(0)) u();
    },
  }));

  unsubscribers.push(
    bridge.on('scan/progress', (payload) => {
      store.setState((s) => ({ progress: { ...s.progress, [payload.server]: { ...payload, at: Date.now() } } }));
    }),
    bridge.on('baseline/progress', (payload) => {
      store.setState((s) => {
        // A server queued while none runs: a new baseline run starts.
        const fresh = payload.status === 'queued' && !Object.values(s.baselineProgress).some((p) => p.status === 'queued' || p.status === 'running');
        return { baselineProgress: { ...(fresh ? {} : s.baselineProgress), [payload.server]: { ...payload, at: Date.now() } } };
      });
    }),
    bridge.on('events/changed', () => {
      store.setState((s) => ({ eventsVersion: s.eventsVersion + 1 }));
      void store.getState().loadMany(['dashboard', 'servers']);
    }),
    bridge.on('schedules/run', (run) => {
      // Only what this console has shown is refreshed; the rest loads when its screen opens.
      const shown = AFTER_SCHEDULED_RUN.filter((k) => store.getState().resources[k].loadedAt !== null);
      void store.getState().loadMany(shown, true);
      if (run.status === 'failed' || run.status === 'partial') store.getState().notify('error', `Scheduled scan of ${run.group} ${run.status === 'failed' ? 'failed' : 'partly failed'}: ${run.message}`);
      else store.getState().notify('info', `Scheduled scan of ${run.group}: ${run.status === 'skipped' ? 'skipped' : 'done'} — ${run.message}.`);
    }),
    bridge.on('alerts/delivery', () => {
      if (store.getState().resources.outbox.loadedAt !== null) void store.getState().load('outbox', true);
    }),
  );
  return store;
}
