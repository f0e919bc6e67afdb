// The engine: the store plus every handler of the API contract. The CLI, the Electron IPC bridge
// and the loopback HTTP server all drive this one table.
import { EventEmitter } from 'node:events';
import { ApiError, type PushEvents, type PushName, type ScanRequest, type ServerSummary } from '../shared/api.js';
import type { ScanKind, ScanStatus, ServerScanResult } from '../shared/domain.js';
import type { HandlerTable, PushListener } from './api/dispatch.js';
import { activeBaselineIds, baselineReport, listBaselines, parseExpiry, removeBaseline } from './baseline/baselines.js';
import { acceptEvents, countOpen, getEvent, listEvents, openEventsOfServers } from './events/events.js';
import * as inventory from './inventory/inventory.js';
import { importSshConfig, probeServerKey, sshTransportFor, trustServer } from './inventory/ssh-access.js';
import * as policies from './policy/policies.js';
import { DEFAULT_CONCURRENCY, runLimited } from './scan/run-scans.js';
import { baselineServer, recordHostKeyFailure, scanServer, type BaselineOutcome, type ScanContext } from './scan/scan-server.js';
import { preflight } from './scan/collect.js';
import { getPreflight, getScanSettings, setScanSettings, storePreflight } from './scan/fidelity.js';
import { checkStore } from './store/check.js';
import { diskFullMessage, now, openStore, type Db } from './store/db.js';
import { LocalTransport } from './transport/local.js';
import type { Transport } from './transport/transport.js';
import { createAlerts, type AlertOptions, type Alerts } from './alert/dispatcher.js';
import { alertHandlers } from './alert/handlers.js';
import { reportHandlers } from './report/handlers.js';
import { templateHandlers } from './policy/templates.js';
import { scheduleHandlers } from './schedule/handlers.js';
import { LockBusy, newOwnerId, serverLockName, withLock } from './schedule/locks.js';

export interface EngineOptions {
  home: string;
  /** How many servers are scanned at once. */
  concurrency?: number;
  /** How a remote server is reached; the SSH transport plugs in here. */
  remoteTransport?: (server: inventory.StoredServer, db: Db) => Promise<Transport>;
  /** Alert delivery: retries, backoff, clock (tests shorten them). */
  alerts?: AlertOptions;
}

export interface Engine {
  db: Db;
  handlers: HandlerTable;
  onPush(listener: PushListener): () => void;
  push<K extends PushName>(name: K, payload: PushEvents[K]): void;
  /** `scheduled`: run by the scheduler (a failed scan is then alerted). */
  scan(request: ScanRequest, options?: { concurrency?: number; scheduled?: boolean }): Promise<ServerScanResult[]>;
  /** The alert dispatcher: scans hand it their results; the scheduler and `alert flush` drive delivery. */
  alerts: Alerts;
  /** This engine's name as a holder of store leases (scan locks). */
  owner: string;
  close(): void;
}

export function openEngine(options: EngineOptions): Engine {
  const db = openStore(options.home);
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  const push = <K extends PushName>(name: K, payload: PushEvents[K]) => bus.emit('push', name, payload);
  const alerts = createAlerts({ db, home: options.home, push, ...(options.alerts ? { options: options.alerts } : {}) });
  const owner = newOwnerId();
  /** One scan of a server at a time, across every process on this store (a lease in the locks table). */
  // A lease taken over from a dead process of this machine is said in the result's warnings.
  async function locked<T extends ServerScanResult | BaselineOutcome>(server: inventory.StoredServer, work: () => Promise<T>): Promise<T | ServerScanResult> {
    const notes: string[] = [];
    try {
      const done = await withLock(db, serverLockName(server.id), owner, work, undefined, (note) => notes.push(note));
      if (notes.length) {
        const result: ServerScanResult = 'result' in done ? (done as BaselineOutcome).result : (done as ServerScanResult);
        result.warnings = [...notes, ...(result.warnings ?? [])];
      }
      return done;
    } catch (err) {
      if (!(err instanceof LockBusy)) throw err;
      return { name: server.name, status: 'failed', reason: `another scan of ${server.name} is running (${err.holder.owner}, since ${err.holder.acquiredAt})`, busy: true };
    }
  }

  const ctx: ScanContext = {
    db,
    async transportFor(server) {
      if (server.local) return new LocalTransport();
      return options.remoteTransport ? options.remoteTransport(server, db) : sshTransportFor(db, server);
    },
  };

  function summary(server: inventory.StoredServer): ServerSummary {
    const last = db.prepare("SELECT status, finished_at, reason FROM scans WHERE server_id = ? AND kind = 'scan' ORDER BY id DESC LIMIT 1").get(server.id) as
      | { status: ScanStatus; finished_at: string; reason: string | null }
      | undefined;
    const open = db.prepare("SELECT critical, COUNT(*) AS n FROM events WHERE server_id = ? AND status = 'open' GROUP BY critical").all(server.id) as { critical: number; n: number }[];
    const { id: _id, groupId: _g, ...rest } = server;
    return {
      ...rest,
      lastScan: last ? { status: last.status, at: last.finished_at, ...(last.reason ? { reason: last.reason } : {}) } : null,
      openEvents: { critical: open.find((o) => o.critical === 1)?.n ?? 0, nonCritical: open.find((o) => o.critical === 0)?.n ?? 0 },
      preflight: getPreflight(db, server.id),
      scanSettings: getScanSettings(db, server.id),
    };
  }

  function serversFor(request: ScanRequest): inventory.StoredServer[] {
    const all = inventory.listServers(db);
    if (request.all) return all;
    const picked = new Map<string, inventory.StoredServer>();
    for (const g of request.groups ?? []) {
      if (g !== inventory.UNASSIGNED) inventory.getGroupId(db, g);
      for (const s of all) if ((s.group ?? inventory.UNASSIGNED) === g) picked.set(s.name, s);
    }
    for (const n of request.servers ?? []) picked.set(n, inventory.getServer(db, n));
    if (!picked.size && !request.groups?.length) throw new ApiError('invalid_input', 'say which servers to scan: all, a group or servers');
    return [...picked.values()];
  }

  async function scan(request: ScanRequest, opts: { concurrency?: number; scheduled?: boolean } = {}): Promise<ServerScanResult[]> {
    const servers = serversFor(request);
    for (const s of servers) push('scan/progress', { server: s.name, status: 'queued' });
    const results = await runLimited(servers, opts.concurrency ?? options.concurrency ?? DEFAULT_CONCURRENCY, async (server) => {
      push('scan/progress', { server: server.name, status: 'running' });
      let result: ServerScanResult;
      try {
        result = await locked(server, () => scanServer(ctx, server, request.mode ? { mode: request.mode } : {}));
      } catch (err) {
        // Even its failure could not be recorded (a full disk, say): told here, nothing stored.
        result = { name: server.name, status: 'failed', reason: diskFullMessage(err, options.home) ?? (err as Error).message };
      }
      push('scan/progress', { server: server.name, status: result.status, ...(result.reason ? { reason: result.reason } : {}), ...(result.counts ? { entries: result.counts.entries } : {}) });
      return result;
    });
    push('events/changed', { servers: servers.map((s) => s.name) });
    // New and changed events (and failures) go to the alert profiles; delivery never fails a scan.
    await alerts.afterScans(results, { scheduled: opts.scheduled === true });
    return results;
  }

  const handlers: HandlerTable = {
    'servers/list': () => inventory.listServers(db).map(summary),
    'servers/get': ({ name }) => summary(inventory.getServer(db, name)),
    'servers/add': (input) => strip(inventory.addServer(db, input)),
    'servers/update': ({ name, patch }) => strip(inventory.updateServer(db, name, patch)),
    'servers/remove': ({ name }) => inventory.removeServer(db, name),
    'servers/move': ({ names, group }) => inventory.moveServers(db, names, group),
    'servers/probeHostKey': ({ name }) => probeServerKey(db, name),
    'servers/trust': async ({ name, fingerprint, knownHostsFile }) =>
      strip(await trustServer(db, name, { ...(fingerprint ? { fingerprint } : {}), ...(knownHostsFile !== undefined ? { knownHostsFile } : {}) })),
    'servers/preflight': async ({ name }) => {
      const server = inventory.getServer(db, name);
      const startedAt = now();
      const transport = await ctx.transportFor(server);
      try {
        return storePreflight(db, server.id, await preflight(transport, { shell: server.shell, sudo: server.sudo }));
      } catch (err) {
        // A changed host key is the same critical event whoever met it.
        if (err instanceof ApiError && err.code === 'host_key_mismatch') recordHostKeyFailure(db, server, startedAt, err, 'preflight');
        if (err instanceof ApiError) throw err;
        throw new ApiError('scan_failed', `pre-flight of ${server.name} failed: ${(err as Error).message}`);
      } finally {
        transport.close();
      }
    },
    'servers/scanSettings': ({ name, patch }) => {
      const server = inventory.getServer(db, name);
      return patch ? setScanSettings(db, server.id, patch) : getScanSettings(db, server.id);
    },
    'servers/importSshConfig': ({ file, hosts, group }) => importSshConfig(db, { ...(file ? { file } : {}), ...(hosts ? { hosts } : {}), group: group ?? null }),
    'groups/list': () => inventory.listGroups(db),
    'groups/add': ({ name, policies: p }) => inventory.addGroup(db, name, p),
    'groups/assign': ({ name, policy }) => inventory.assignPolicy(db, name, policy),
    'groups/unassign': ({ name, policy }) => inventory.unassignPolicy(db, name, policy),
    'groups/remove': ({ name }) => inventory.removeGroup(db, name),
    'policies/list': () => policies.listPolicies(db).map(stripPolicy),
    'policies/get': ({ name }) => stripPolicy(policies.getPolicy(db, name)),
    'policies/add': (input) => stripPolicy(policies.addPolicy(db, input)),
    'policies/update': ({ name, ...patch }) => stripPolicy(policies.updatePolicy(db, name, patch)),
    'policies/remove': ({ name }) => policies.removePolicy(db, name),
    'policies/addTarget': ({ policy, target }) => stripPolicy(policies.addTarget(db, policy, target)),
    'policies/updateTarget': ({ policy, path, target }) => stripPolicy(policies.updateTarget(db, policy, path, target)),
    'policies/removeTarget': ({ policy, path }) => stripPolicy(policies.removeTarget(db, policy, path)),
    'policies/export': ({ name }) => policies.exportPolicy(db, name),
    'policies/import': ({ document, replace }) => stripPolicy(policies.importPolicy(db, document, replace)),
    'baselines/list': ({ policy }) => listBaselines(db, now(), policy === undefined ? undefined : policies.getPolicy(db, policy).id),
    'baselines/create': async ({ policy: policyName, servers, expires, comment }) => {
      const policy = policies.getPolicy(db, policyName);
      const expiresAt = parseExpiry(expires);
      if (expiresAt !== null && expiresAt <= now()) throw new ApiError('invalid_input', `expiry ${expires} is not in the future`);
      if (!servers.length) throw new ApiError('invalid_input', 'name at least one gold-master server');
      if (!policy.targets.length) throw new ApiError('invalid_input', `policy '${policy.name}' has no targets`);
      const chosen = servers.map((n) => inventory.getServer(db, n));
      const outcomes = await runLimited(chosen, options.concurrency ?? DEFAULT_CONCURRENCY, (server) =>
        locked(server, () => baselineServer(ctx, server, policy, expiresAt, comment ?? '')).then((o) => ('result' in o ? o : { result: o })),
      );
      return {
        reports: outcomes.flatMap((o) => (o.baselineId === undefined ? [] : [{ ...baselineReport(db, o.baselineId, now()), warnings: o.result.warnings ?? [] }])),
        failures: outcomes.filter((o) => o.baselineId === undefined).map((o) => ({ server: o.result.name, reason: o.result.reason ?? 'failed' })),
      };
    },
    'baselines/remove': ({ id }) => removeBaseline(db, id),
    'scans/run': async (request) => {
      const results = await scan(request);
      const ids = results.map((r) => inventory.getServer(db, r.name).id);
      return { servers: results, events: openEventsOfServers(db, ids) };
    },
    'scans/list': ({ server, limit }) => {
      const rows = (server
        ? db.prepare('SELECT sc.*, s.name AS server_name FROM scans sc JOIN servers s ON s.id = sc.server_id WHERE s.name = ? ORDER BY sc.id DESC LIMIT ?').all(server, limit ?? 100)
        : db.prepare('SELECT sc.*, s.name AS server_name FROM scans sc JOIN servers s ON s.id = sc.server_id ORDER BY sc.id DESC LIMIT ?').all(limit ?? 100)) as ScanRow[];
      return rows.map((r) => ({
        id: r.id,
        server: r.server_name,
        kind: r.kind,
        status: r.status,
        ...(r.reason ? { reason: r.reason } : {}),
        startedAt: r.started_at,
        ...(r.finished_at ? { finishedAt: r.finished_at } : {}),
        counts: JSON.parse(r.counts_json),
        warnings: JSON.parse(r.warnings_json),
        ...(r.mode ? { mode: r.mode } : {}),
      }));
    },
    'events/list': (filter) => listEvents(db, filter ?? {}),
    'events/get': ({ id }) => getEvent(db, id),
    'events/accept': ({ ids, note, scope }) => {
      const at = now();
      const accepted = acceptEvents(db, ids, { ...(note !== undefined ? { note } : {}), ...(scope ? { scope } : {}), at, activeBaselineIds: (pid) => activeBaselineIds(db, pid, at) });
      push('events/changed', { servers: [...new Set(accepted.map((e) => e.server))] });
      return accepted;
    },
    'dashboard/summary': () => {
      const servers = inventory.listServers(db).map(summary);
      const groups = [...inventory.listGroups(db), { name: inventory.UNASSIGNED, policies: [] }].map((g) => ({
        ...g,
        servers: servers.filter((s) => (s.group ?? inventory.UNASSIGNED) === g.name),
      }));
      const at = now();
      const weekAgo = new Date(Date.now() - 7 * 86400_000).toISOString();
      const inTwoWeeks = new Date(Date.now() + 14 * 86400_000).toISOString();
      return {
        groups: groups.filter((g) => g.name !== inventory.UNASSIGNED || g.servers.length > 0),
        openEvents: servers.reduce((o, s) => ({ critical: o.critical + s.openEvents.critical, nonCritical: o.nonCritical + s.openEvents.nonCritical }), { critical: 0, nonCritical: 0 }),
        expiringBaselines: listBaselines(db, at).filter((b) => b.expiresAt !== null && b.expiresAt <= inTwoWeeks),
        neverScanned: servers.filter((s) => !s.lastScan).map((s) => s.name),
        staleServers: servers.filter((s) => s.lastScan && lastCompleted(db, s.name) < weekAgo).map((s) => s.name),
      };
    },
    'store/check': () => checkStore(db),
    ...scheduleHandlers(db),
    ...alertHandlers(db, alerts),
    ...reportHandlers(db),
    ...templateHandlers(db),
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
    scan,
    alerts,
    owner,
    close: () => db.close(),
  };
}

interface ScanRow {
  id: number;
  server_name: string;
  kind: ScanKind;
  status: ServerScanResult['status'];
  reason: string | null;
  started_at: string;
  finished_at: string | null;
  counts_json: string;
  warnings_json: string;
  mode?: 'full' | 'quick' | null;
}

function lastCompleted(db: Db, server: string): string {
  const r = db
    .prepare("SELECT MAX(sc.finished_at) AS at FROM scans sc JOIN servers s ON s.id = sc.server_id WHERE s.name = ? AND sc.kind = 'scan' AND sc.status != 'failed'")
    .get(server) as { at: string | null };
  return r.at ?? '';
}

function strip(s: inventory.StoredServer) {
  const { id: _id, groupId: _g, ...server } = s;
  return server;
}

function stripPolicy(p: policies.StoredPolicy) {
  const { id: _id, ...policy } = p;
  return policy;
}

export { countOpen };
