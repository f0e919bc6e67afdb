// Scanning as the API offers it: scans of servers, gold-master baselines, the pre-flight and the
// connection check, scan settings and the scan records. One scan of a server at a time, across
// every process on this store (a lease in the locks table).
import { ApiError, type ScanRequest, type ServerProgress } from '../../shared/api.js';
import type { ServerScanResult } from '../../shared/domain.js';
import type { HandlerTable, PushListener } from '../api/dispatch.js';
import { baselineReport, parseExpiry } from '../baseline/baselines.js';
import { openEventsOfServers } from '../events/event-list.js';
import * as inventory from '../inventory/inventory.js';
import { probeServerKey, sshTransportFor } from '../inventory/ssh-access.js';
import { getPolicy } from '../policy/policies.js';
import { diskFullMessage, now, type Db } from '../store/db.js';
import { LockBusy, serverLockName, withLock } from '../store/locks.js';
import { LocalTransport } from '../transport/local.js';
import { SshError } from '../transport/ssh-endpoint.js';
import type { Transport } from '../transport/transport.js';
import { preflight } from './collect.js';
import { storePreflight } from './host-checks.js';
import { getScanSettings, setScanSettings } from './scan-settings.js';
import { trackProgress } from './progress.js';
import { DEFAULT_CONCURRENCY, runLimited } from './run-scans.js';
import { baselineServer, recordHostKeyFailure, scanServer, type BaselineOutcome, type ScanContext } from './scan-server.js';
import { listScans } from './scans.js';

/** How a remote server is reached; the SSH transport by default (tests plug in another). */
export type RemoteTransport = (server: inventory.StoredServer, db: Db) => Promise<Transport>;

export interface ScanningOptions {
  db: Db;
  /** The Driftwatch home (named when the store's disk is full). */
  home: string;
  /** How many servers are scanned at once. */
  concurrency?: number;
  remoteTransport?: RemoteTransport;
  push: PushListener;
  /** This engine's name as a holder of store leases (scan locks). */
  owner: string;
  /** Takes the results of a scan run for alerting (queued; the scan neither waits for delivery nor fails for it). */
  handOff(results: ServerScanResult[], options: { scheduled: boolean }): void;
}

/** `scheduled`: run by the scheduler (a failed scan is then alerted). */
export type Scan = (request: ScanRequest, options?: { concurrency?: number; scheduled?: boolean }) => Promise<ServerScanResult[]>;

type ScanHandlers = Pick<HandlerTable, 'servers/check' | 'servers/preflight' | 'servers/scanSettings' | 'baselines/create' | 'scans/run' | 'scans/list'>;

export function scanning(options: ScanningOptions): { scan: Scan; handlers: ScanHandlers } {
  const { db, push, owner } = options;

  /** One scan of a server at a time; a lease taken over from a dead process of this machine is said in the result's warnings. */
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

  const scan: Scan = async (request, opts = {}) => {
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
    options.handOff(results, { scheduled: opts.scheduled === true });
    return results;
  };

  const handlers: ScanHandlers = {
    'servers/check': ({ name }) => checkServer(inventory.getServer(db, name)),
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
    'baselines/create': async ({ policy: policyName, servers, expires, comment, add }) => {
      const policy = getPolicy(db, policyName);
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
    'scans/run': async (request) => {
      const results = await scan(request);
      const ids = results.map((r) => inventory.getServer(db, r.name).id);
      return { servers: results, events: openEventsOfServers(db, ids) };
    },
    'scans/list': ({ server, limit }) => {
      if (server !== undefined) inventory.requireNames(db, { servers: [server] });
      return listScans(db, server, limit ?? 100);
    },
  };

  return { scan, handlers };
}
