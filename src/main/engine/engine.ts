// The engine: the store plus every handler of the API contract. The CLI, the Electron IPC bridge
// and the loopback HTTP server all drive this one table.
import { EventEmitter } from 'node:events';
import { ApiError, type PushEvents, type PushName, type ScanRequest, type ServerProgress, type ServerSummary } from '../../shared/api.js';
import type { AcceptScope, ScanKind, ScanStatus, ServerScanResult } from '../../shared/domain.js';
import type { HandlerTable, PushListener } from '../api/dispatch.js';
import { activeBaselineIds, baselineReport, listBaselines, parseExpiry, removeBaseline } from '../baseline/baselines.js';
import { monitoringSince } from '../inventory/monitoring.js';
import { lastComparison } from '../scan/scans.js';
import { acceptEvents, countOpen, getEvent, hostKeyEvent, listEvents, matchingEventIds, openEventsOfServers, retireUnmonitored } from '../events/events.js';
import * as removal from '../inventory/removal.js';
import * as inventory from '../inventory/inventory.js';
import { importSshConfig, pinHostKey, probeServerKey, sshTransportFor, trustServer } from '../inventory/ssh-access.js';
import { SshError } from '../transport/ssh.js';
import * as policies from '../policy/policies.js';
import { DEFAULT_CONCURRENCY, runLimited } from '../scan/run-scans.js';
import { baselineServer, recordHostKeyFailure, scanServer, type BaselineOutcome, type ScanContext } from '../scan/scan-server.js';
import { preflight } from '../scan/collect.js';
import { trackProgress } from '../scan/progress.js';
import { getPreflight, getScanSettings, setScanSettings, storePreflight } from '../scan/fidelity.js';
import { checkStore } from '../store/check.js';
import { diskFullMessage, now, openStore, type Db } from '../store/db.js';
import { LocalTransport } from '../transport/local.js';
import type { Transport } from '../transport/transport.js';
import { createAlerts, type AlertOptions, type Alerts } from '../alert/dispatcher.js';
import { alertHandlers } from '../alert/handlers.js';
import { reportHandlers } from '../report/handlers.js';
import { templateHandlers } from '../policy/templates.js';
import { scheduleHandlers } from '../schedule/handlers.js';
import { LockBusy, newOwnerId, serverLockName, withLock } from '../store/locks.js';

export interface EngineOptions {
  home: string;
  /** How many servers are scanned at once. */
  concurrency?: number;
  /** How a remote server is reached; the SSH transport plugs in here. */
  remoteTransport?: (server: inventory.StoredServer, db: Db) => Promise<Transport>;
  /** Alert delivery: backoff, clock (tests shorten them). */
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

  /** A stored server, with what looks like a mistake (warnings, not refusals). */
  function saved(server: inventory.StoredServer) {
    return { ...strip(server), warnings: inventory.serverWarnings(db, server) };
  }

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
      trustHistory: inventory.trustHistory(db, server.id),
    };
  }

  // A scan that ran to its end (compared or not); failed attempts do not count.
  const completedScan = db.prepare("SELECT 1 FROM scans WHERE server_id = ? AND kind = 'scan' AND status NOT IN ('failed', 'running', 'queued') LIMIT 1");
  /** The pre-flight, run and stored; a changed host key met on the way is the same critical event as in a scan. */
  async function runPreflight(server: inventory.StoredServer) {
    const startedAt = now();
    const transport = await ctx.transportFor(server);
    try {
      return storePreflight(db, server.id, await preflight(transport, { shell: server.shell, sudo: server.sudo }));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'host_key_mismatch') recordHostKeyFailure(db, server, startedAt, err, 'preflight');
      throw err;
    } finally {
      transport.close();
    }
  }

  /** The connection check: host key, login, sudo and shell, by running the pre-flight; a failure says how to fix it. */
  async function checkServer(server: inventory.StoredServer) {
    const fix = (what: string) => `${server.name} is stored, but ${what}`;
    const again = `then run: driftwatch server check ${server.name}`;
    if (!server.local && !server.hostKey) {
      let key: { fingerprint: string; keyType: string | null };
      try {
        key = await probeServerKey(db, server.name);
      } catch (err) {
        throw new ApiError('scan_failed', fix(`it cannot be reached: ${(err as Error).message}. Check that the host is up and its address is right (driftwatch server edit ${server.name} --host H --port N), ${again}`));
      }
      throw new ApiError(
        'host_key_unknown',
        fix(`its host key is not trusted yet: it presents ${key.keyType ?? 'a'} key ${key.fingerprint}. Compare it with ssh-keygen -lf on the server, then: driftwatch server trust ${server.name} --fingerprint ${key.fingerprint}`),
      );
    }
    try {
      const pre = await runPreflight(server);
      return { host: server.local ? 'this machine' : `${server.user}@${server.host}:${server.port}`, hostKey: server.hostKey ?? '', user: server.user, shell: pre.facts.shell ?? server.shell };
    } catch (err) {
      if (err instanceof ApiError) throw new ApiError(err.code, fix(`the check failed: ${err.message}`), err.details);
      const kind = err instanceof SshError ? err.kind : null;
      const how =
        kind === 'connect' || kind === 'timeout'
          ? `check that the host is up and its address is right (driftwatch server edit ${server.name} --host H --port N)`
          : kind === 'auth'
            ? `check the user and the credentials (driftwatch server edit ${server.name} --user U --key FILE, or --password-env VAR)`
            : kind === 'sudo'
              ? `allow the user passwordless sudo, or scan without it (driftwatch server edit ${server.name} --no-sudo)`
              : 'fix it';
      throw new ApiError('scan_failed', fix(`the check failed: ${(err as Error).message}. To fix it, ${how}, ${again}`));
    }
  }

  function serversFor(request: ScanRequest): inventory.StoredServer[] {
    const all = inventory.listServers(db);
    if (request.all) return all;
    inventory.requireNames(db, { servers: request.servers, groups: request.groups });
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
      const progress = trackProgress(server.name, (p) => push('scan/progress', p));
      let result: ServerScanResult;
      try {
        result = await locked(server, () => scanServer(ctx, server, { ...(request.mode ? { mode: request.mode } : {}), onProgress: progress.onProgress }));
      } catch (err) {
        // Even its failure could not be recorded (a full disk, say): told here, nothing stored.
        result = { name: server.name, status: 'failed', reason: diskFullMessage(err, options.home) ?? (err as Error).message };
      }
      progress.done(result);
      return result;
    });
    push('events/changed', { servers: servers.map((s) => s.name) });
    // New and changed events (and failures) go to the outbox; the scan neither waits for their
    // delivery nor fails for it (docs/operations.md).
    alerts.handOff(results, { scheduled: opts.scheduled === true });
    return results;
  }

  const handlers: HandlerTable = {
    'servers/list': () => inventory.listServers(db).map(summary),
    'servers/get': ({ name }) => summary(inventory.getServer(db, name)),
    'servers/add': (input) => saved(inventory.addServer(db, input)),
    'servers/update': ({ name, patch }) =>
      db.transaction(() => {
        const server = inventory.updateServer(db, name, patch);
        retireUnmonitored(db, movedTo(server.group), now());
        return saved(server);
      })(),
    'servers/check': ({ name }) => checkServer(inventory.getServer(db, name)),
    'servers/remove': ({ name, preview }) => removal.removeServer(db, name, preview),
    'servers/move': ({ names, group }) =>
      db.transaction(() => {
        inventory.moveServers(db, names, group);
        retireUnmonitored(db, movedTo(group), now());
      })(),
    'servers/probeHostKey': ({ name }) => probeServerKey(db, name),
    'servers/trust': async ({ name, fingerprint, knownHostsFile, replace, how }) =>
      strip(
        await trustServer(db, name, {
          ...(fingerprint ? { fingerprint } : {}),
          ...(knownHostsFile !== undefined ? { knownHostsFile } : {}),
          ...(replace ? { replace } : {}),
          ...(how ? { how } : {}),
        }),
      ),
    'events/trustHostKey': ({ id }) => {
      const event = hostKeyEvent(db, id);
      const server = inventory.getServer(db, event.serverName);
      // The key met may be a jump host's: only a change of this server's own pinned key is settled here.
      if (server.hostKey !== event.pinned) {
        throw new ApiError('conflict', `event ${id} is about a key other than the one pinned for ${server.name} (a jump host's?): trust the right server with driftwatch server trust`);
      }
      pinHostKey(db, server, event.presented, `event ${id}: the new key is legitimate`, true);
      push('events/changed', { servers: [server.name] });
      return getEvent(db, id);
    },
    'servers/preflight': async ({ name }) => {
      const server = inventory.getServer(db, name);
      try {
        return await runPreflight(server);
      } catch (err) {
        if (err instanceof ApiError) throw err;
        throw new ApiError('scan_failed', `pre-flight of ${server.name} failed: ${(err as Error).message}`);
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
    'groups/unassign': ({ name, policy }) =>
      db.transaction(() => {
        const group = inventory.unassignPolicy(db, name, policy);
        retireUnmonitored(db, `policy '${policy}' was unassigned from group '${name}'`, now());
        return group;
      })(),
    'groups/remove': ({ name, preview }) => removal.removeGroup(db, name, preview),
    'policies/list': () => policies.listPolicies(db).map(stripPolicy),
    'policies/get': ({ name }) => stripPolicy(policies.getPolicy(db, name)),
    'policies/add': (input) => stripPolicy(policies.addPolicy(db, input)),
    'policies/update': ({ name, ...patch }) => stripPolicy(policies.updatePolicy(db, name, patch)),
    'policies/remove': ({ name, preview }) => removal.removePolicy(db, name, preview),
    'policies/addTarget': ({ policy, target }) => stripPolicy(policies.addTarget(db, policy, target)),
    'policies/updateTarget': ({ policy, path, target }) =>
      db.transaction(() => {
        const before = policies.getPolicy(db, policy).targets;
        const updated = policies.updateTarget(db, policy, path, target);
        removal.retireGoneTargets(db, policy, before, now()); // a target moved to another path
        return stripPolicy(updated);
      })(),
    'policies/removeTarget': ({ policy, path, preview }) => removal.removeTarget(db, policy, path, preview),
    'policies/export': ({ name }) => policies.exportPolicy(db, name),
    'policies/import': ({ document, replace }) =>
      db.transaction(() => {
        const name = policies.parsePolicyDocument(document).name;
        const before = replace ? (policies.listPolicies(db).find((p) => p.name === name)?.targets ?? []) : [];
        const imported = policies.importPolicy(db, document, replace);
        removal.retireGoneTargets(db, name, before, now()); // targets the replacing document no longer has
        return stripPolicy(imported);
      })(),
    'baselines/list': ({ policy }) => listBaselines(db, now(), policy === undefined ? undefined : policies.getPolicy(db, policy).id),
    'baselines/create': async ({ policy: policyName, servers, expires, comment, add }) => {
      const policy = policies.getPolicy(db, policyName);
      const expiresAt = parseExpiry(expires);
      if (expiresAt !== null && expiresAt <= now()) throw new ApiError('invalid_input', `expiry ${expires} is not in the future`);
      if (!servers.length) throw new ApiError('invalid_input', 'name at least one gold-master server');
      if (!policy.targets.length) throw new ApiError('invalid_input', `policy '${policy.name}' has no targets`);
      inventory.requireNames(db, { servers });
      const chosen = [...new Set(servers)].map((n) => inventory.getServer(db, n));
      const send = (p: ServerProgress) => push('baseline/progress', { ...p, policy: policy.name });
      for (const s of chosen) send({ server: s.name, status: 'queued' });
      const outcomes = await runLimited(chosen, options.concurrency ?? DEFAULT_CONCURRENCY, async (server) => {
        const progress = trackProgress(server.name, send);
        const o = await locked(server, () => baselineServer(ctx, server, policy, { expiresAt, comment: comment ?? '', add: add === true, onProgress: progress.onProgress })).then((x) => ('result' in x ? x : { result: x }));
        progress.done(o.result);
        return o;
      });
      return {
        reports: outcomes.flatMap((o) => (o.baselineId === undefined ? [] : [{ ...baselineReport(db, o.baselineId, now()), warnings: o.result.warnings ?? [] }])),
        failures: outcomes.filter((o) => o.baselineId === undefined).map((o) => ({ server: o.result.name, reason: o.result.reason ?? 'failed' })),
      };
    },
    'baselines/get': ({ id }) => baselineReport(db, id, now()),
    'baselines/remove': ({ id }) => removeBaseline(db, id),
    'scans/run': async (request) => {
      const results = await scan(request);
      const ids = results.map((r) => inventory.getServer(db, r.name).id);
      return { servers: results, events: openEventsOfServers(db, ids) };
    },
    'scans/list': ({ server, limit }) => {
      if (server !== undefined) inventory.requireNames(db, { servers: [server] });
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
        ...(r.policies_json ? { policies: JSON.parse(r.policies_json) } : {}),
      }));
    },
    'events/list': (filter) => {
      inventory.requireNames(db, { servers: filter?.server, groups: filter?.group, policies: filter?.policy });
      return listEvents(db, filter ?? {});
    },
    'events/get': ({ id }) => getEvent(db, id),
    'events/accept': ({ ids, note, scope }) => accept(ids, note, scope),
    'events/acceptMatching': ({ filter, expected, note, scope }) => {
      // Only open events can be accepted: whatever status the filter shows, these are its open ones.
      const ids = matchingEventIds(db, { ...filter, status: 'open' });
      if (ids.length !== expected) {
        throw new ApiError('conflict', `the filter now matches ${ids.length} open event${ids.length === 1 ? '' : 's'}, not ${expected}: nothing was accepted; look again and retry`);
      }
      const accepted = accept(ids, note, scope);
      return { accepted: accepted.length, servers: [...new Set(accepted.map((e) => e.server))] };
    },
    'dashboard/summary': () => {
      const stored = inventory.listServers(db);
      const servers = stored.map(summary);
      const never = new Set(stored.filter((s) => !completedScan.get(s.id)));
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
        expiringBaselines: listBaselines(db, at).filter((b) => b.status !== 'superseded' && b.expiresAt !== null && b.expiresAt <= inTwoWeeks),
        neverScanned: [...never].map((s) => s.name),
        // Stale: watched for more than a week without a comparison in it; a server added minutes ago is not.
        staleServers: stored
          .filter((s) => !never.has(s) && (lastComparison(db, s.id) ?? '') < weekAgo && (monitoringSince(db, s.id) ?? '9999') <= weekAgo)
          .map((s) => s.name),
        notCompared: servers.filter((s) => s.lastScan?.status === 'not_compared').map((s) => s.name),
      };
    },
    'store/check': () => checkStore(db),
    ...scheduleHandlers(db),
    'schedules/runner': () => ({ here: runner.owner !== null, owner: runner.owner }),
    ...alertHandlers(db, alerts),
    ...reportHandlers(db),
    ...templateHandlers(db),
  };

  function accept(ids: number[], note: string | undefined, scope: AcceptScope | undefined) {
    const at = now();
    const accepted = acceptEvents(db, ids, { ...(note !== undefined ? { note } : {}), ...(scope ? { scope } : {}), at, activeBaselineIds: (pid) => activeBaselineIds(db, pid, at) });
    push('events/changed', { servers: [...new Set(accepted.map((e) => e.server))] });
    return accepted;
  }

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
    runner,
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
  policies_json: string | null;
}

/** Why a moved server's open events of a policy its new group lacks are retired. */
function movedTo(group: string | null): string {
  return `the server moved to ${group ?? inventory.UNASSIGNED}, whose policies do not include this one`;
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
