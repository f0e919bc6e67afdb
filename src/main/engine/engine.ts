// The engine: the store plus every handler of the API contract, composed from the domains' handler
// tables. The CLI, the Electron IPC bridge and the loopback HTTP server all drive this one table.
import { EventEmitter } from 'node:events';
import type { PushEvents, PushName } from '../../shared/api.js';
import type { HandlerTable, PushListener } from '../api/dispatch.js';
import { createAlerts, type AlertOptions, type Alerts } from '../alert/dispatcher.js';
import { alertHandlers } from '../alert/handlers.js';
import { baselineHandlers } from '../baseline/handlers.js';
import { eventHandlers } from '../events/handlers.js';
import { inventoryHandlers } from '../inventory/handlers.js';
import { policyHandlers } from '../policy/handlers.js';
import { dashboardHandlers } from '../report/dashboard.js';
import { reportHandlers } from '../report/handlers.js';
import { scanning, type RemoteTransport, type Scan } from '../scan/handlers.js';
import { serverSummary } from '../scan/server-summary.js';
import { scheduleHandlers } from '../schedule/handlers.js';
import { openStore, type Db } from '../store/db.js';
import { storeHandlers } from '../store/handlers.js';
import { newOwnerId } from '../store/locks.js';

export interface EngineOptions {
  home: string;
  /** How many servers are scanned at once. */
  concurrency?: number;
  /** How a remote server is reached; the SSH transport plugs in here. */
  remoteTransport?: RemoteTransport;
  /** Alert delivery: backoff, clock (tests shorten them). */
  alerts?: AlertOptions;
}

export interface Engine {
  db: Db;
  handlers: HandlerTable;
  onPush(listener: PushListener): () => void;
  push<K extends PushName>(name: K, payload: PushEvents[K]): void;
  /** `scheduled`: run by the scheduler (a failed scan is then alerted). */
  scan: Scan;
  /** The alert dispatcher: scans hand it their results; the scheduler and `alert flush` drive delivery. */
  alerts: Alerts;
  /** This engine's name as a holder of store leases (scan locks). */
  owner: string;
  /** The scheduler running on this engine, if any (set by the scheduler; the console asks through schedules/runner). */
  readonly runner: { owner: string | null };
  close(): void;
}

export function openEngine(options: EngineOptions): Engine {
  const db = openStore(options.home);
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  const push = <K extends PushName>(name: K, payload: PushEvents[K]) => bus.emit('push', name, payload);
  const alerts = createAlerts({ db, home: options.home, push, ...(options.alerts ? { options: options.alerts } : {}) });
  const owner = newOwnerId();
  const runner: { owner: string | null } = { owner: null };
  const scans = scanning({
    db,
    home: options.home,
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.remoteTransport ? { remoteTransport: options.remoteTransport } : {}),
    push,
    owner,
    handOff: (results, o) => alerts.handOff(results, o),
  });

  const handlers: HandlerTable = {
    ...inventoryHandlers(db, (server) => serverSummary(db, server)),
    ...policyHandlers(db),
    ...baselineHandlers(db),
    ...scans.handlers,
    ...eventHandlers(db, push),
    ...dashboardHandlers(db),
    ...storeHandlers(db),
    ...scheduleHandlers(db, runner),
    ...alertHandlers(db, alerts),
    ...reportHandlers(db),
  };

  return {
    db,
    handlers,
    onPush(listener) {
      const l = (name: PushName, payload: PushEvents[PushName]) => listener(name, payload);
      bus.on('push', l);
      return () => bus.off('push', l);
    },
    push,
    scan: scans.scan,
    alerts,
    owner,
    runner,
    close: () => db.close(),
  };
}
