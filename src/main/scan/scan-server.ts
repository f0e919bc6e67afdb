// Scans of one server: an ordinary scan (every policy of its group, one run of the scanner) and a
// gold-master baseline scan (one policy). The scanner runs first and nothing is written until it
// has finished cleanly; then all results are written in one transaction. A failure stores only a
// failed scan record: baselines, events and earlier results stay as they were.
import type { PolicyOutcome, ScanCounts, ScanKind, ScanMode, ServerScanResult, Target, TargetReport } from '../../shared/domain.js';
import { displayPath } from '../../shared/path-escape.js';
import { listBaselines, noActiveBaselineReason, storeBaselineWith } from '../baseline/baselines.js';
import type { EntryState } from '../model/entry.js';
import { evaluatePolicy } from '../compare/evaluate.js';
import { ApiError } from '../../shared/api.js';
import { countOpen, retireEvents, recordDeviations, recordHostKeyMismatch, resolveHostKeyEvents, serverAccepts } from '../events/events.js';
import { serverPolicyIds, type StoredServer } from '../inventory/inventory.js';
import { getPolicyById, type StoredPolicy } from '../policy/policies.js';
import path from 'node:path';
import { diskFullMessage, now, type Db } from '../store/db.js';
import { EntryFields } from '../store/packs/codec.js';
import { clearSet, loadSet, selfSet, SetWriter, type EntrySet } from '../store/packs/pack-store.js';
import type { Transport } from '../transport/transport.js';
import { collect, type CollectOptions, type Collected } from './collect.js';
import { limitsFor } from '../scanner/stream-check.js';
import { buildPlan, type ScanPlan } from '../scanner/plan.js';
import { leaveOutCleanPaths } from './clean-paths.js';
import { walkTargets } from './walk-targets.js';
import { notCheckedWarnings, storePreflight } from './host-checks.js';
import { decideMode, expectedEntries } from './scan-history.js';
import { insertScan, setScanMode, setScanVerdict } from './scans.js';
import { getScanSettings } from './scan-settings.js';
import { referenceOf } from './reference/stored-reference.js';
import { addFullBaseline, storeFullEntries } from './reference/full-scans.js';

export interface ScanContext {
  db: Db;
  transportFor(server: StoredServer): Promise<Transport>;
}

const EMPTY_COUNTS: ScanCounts = { entries: 0, added: 0, removed: 0, modified: 0, unreadable: 0 };

async function runScanner(ctx: ScanContext, server: StoredServer, policies: StoredPolicy[], mode: ScanMode, onProgress?: CollectOptions['onProgress']): Promise<{ plan: ScanPlan; collected: Collected }> {
  const plan = buildPlan(policies, 0);
  // The server's settings (parallel hash workers, nice); a quick scan reuses its last full scan.
  const settings = getScanSettings(ctx.db, server.id);
  const reference = mode === 'quick' ? { reference: referenceOf(ctx.db, server.id, policies) } : {};
  const transport = await ctx.transportFor(server);
  try {
    const collected = await collect(transport, plan, {
      shell: server.shell, sudo: server.sudo, settings, limits: limitsFor(settings.maxEntries), expectedEntries: expectedEntries(ctx.db, server.id), ...reference, ...(onProgress ? { onProgress } : {}),
    });
    return { plan, collected };
  } finally {
    transport.close();
  }
}

export function recordFailure(db: Db, server: StoredServer, kind: ScanKind, startedAt: string, reason: string): ServerScanResult {
  const scanId = insertScan(db, server.id, kind, 'failed', startedAt, EMPTY_COUNTS, [], reason);
  return { name: server.name, status: 'failed', reason, scanId };
}

/** A changed host key met by a scan, a baseline or a pre-flight: a failed record of it, and the critical event. */
export function recordHostKeyFailure(db: Db, server: StoredServer, startedAt: string, err: ApiError, kind: ScanKind = 'scan'): ServerScanResult {
  return db.transaction(() => {
    const result = recordFailure(db, server, kind, startedAt, err.message);
    const at = now();
    recordHostKeyMismatch(db, { serverId: server.id, scanId: result.scanId!, at, pinned: err.details?.pinned ?? server.hostKey ?? '', presented: err.details?.presented ?? '', message: err.message });
    return { ...result, reason: `host_key_mismatch: ${err.message}` };
  })();
}

/** Why a scan failed, from whatever it threw (a full disk said plainly). */
const reasonOf = (err: unknown, db: Db): string => diskFullMessage(err, path.dirname(db.name)) ?? (err instanceof Error ? err.message : String(err));

type ScanServerOptions = { mode?: ScanMode; onProgress?: CollectOptions['onProgress'] };

/**
 * An ordinary scan of one server. Whatever fails in it (the host, the stream, a damaged pack of
 * a stored set it reads, the evaluation) fails this scan alone, recorded with the reason.
 */
export async function scanServer(ctx: ScanContext, server: StoredServer, options: ScanServerOptions = {}): Promise<ServerScanResult> {
  const startedAt = now();
  try {
    return await scanServerOnce(ctx, server, options, startedAt);
  } catch (err) {
    return recordFailure(ctx.db, server, 'scan', startedAt, reasonOf(err, ctx.db));
  }
}

async function scanServerOnce(ctx: ScanContext, server: StoredServer, options: ScanServerOptions, startedAt: string): Promise<ServerScanResult> {
  const { db } = ctx;
  const policies = serverPolicyIds(db, server).map((id) => getPolicyById(db, id));
  if (!policies.length) {
    const why = server.group ? `group '${server.group}' has no policy assigned` : 'the server is in no group, so no policy applies';
    return recordFailure(db, server, 'scan', startedAt, why);
  }
  let scanned;
  try {
    scanned = await runScanner(ctx, server, policies, decideMode(db, server, options.mode).mode, options.onProgress);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'host_key_mismatch') return recordHostKeyFailure(db, server, startedAt, err);
    return recordFailure(db, server, 'scan', startedAt, reasonOf(err, db));
  }
  const { plan, collected } = scanned;
  const at = now();
  const warnings: string[] = [...collected.warnings, ...notCheckedWarnings(collected, policies)];
  const counts: ScanCounts = { ...EMPTY_COUNTS, entries: collected.entries.size, unreadable: collected.unreadable };

  // Read everything the comparison needs, then judge each policy.
  const verdicts = policies.map((policy, i) => {
    const all = listBaselines(db, at, policy.id);
    for (const b of all.filter((b) => b.status === 'expired')) {
      warnings.push(`policy '${policy.name}': baseline #${b.id} from ${b.server} expired on ${b.expiresAt!.slice(0, 10)} and was not used`);
    }
    const active = all.filter((b) => b.status === 'active').map((b) => b.id);
    const accepts = serverAccepts(db, server.id, policy.id);
    const selfInitialized = new Set(
      (db.prepare('SELECT target_path FROM self_targets WHERE server_id = ? AND policy_id = ?').all(server.id, policy.id) as { target_path: string }[]).map((r) => r.target_path),
    );
    // The policy's share and its candidates, without the entries certainly clean (clean-paths.ts).
    const inputs = leaveOutCleanPaths(db, { plan, collected, policyIndex: i, policy, serverId: server.id, baselineIds: active, serverAccepts: accepts, selfInitialized });
    const verdict = evaluatePolicy({ targets: policy.targets, ...inputs, selfInitialized });
    if (verdict.unchecked) warnings.push(`policy '${policy.name}': ${verdict.unchecked} entries below unreadable directories were not checked`);
    const outcome = policyOutcome(policy, active.length ? null : noActiveBaselineReason(all), selfInitialized);
    return { ...verdict, outcome, selfInitRows: inputs.selfInitRows };
  });
  const outcomes = verdicts.map((v) => v.outcome);

  return db.transaction(() => {
    for (const v of verdicts) for (const d of v.deviations) counts[d.change]++;
    const scanId = insertScan(db, server.id, 'scan', 'running', startedAt, counts, warnings);
    setScanMode(db, scanId, collected.mode);
    storePreflight(db, server.id, collected.facts, at);
    if (collected.mode === 'full') storeFullEntries(db, server.id, scanId, collected);
    policies.forEach((policy, i) => {
      const v = verdicts[i]!;
      recordDeviations(db, { serverId: server.id, policyId: policy.id, policyName: policy.name, scanId, at, deviations: v.deviations });
      resolveHostKeyEvents(db, server.id, scanId, at);
      if (v.selfInit.length || v.selfInitRows.length) addToSelfState(db, selfSet(server.id, policy.id), collected, v.selfInitRows, v.selfInit);
      // Every self target now has its recorded state, also one this scan found missing: its absence is
      // the state later scans compare with (a file appearing there is an event, not adopted).
      for (const t of policy.targets.filter((x) => x.compare === 'self').map((x) => x.path)) db.prepare('INSERT OR IGNORE INTO self_targets (server_id, policy_id, target_path) VALUES (?, ?, ?)').run(server.id, policy.id, t);
    });
    // Open events of a policy that no longer applies to this server are retired when that happens
    // (inventory/removal.ts); any left (a store from before) are retired here, never left open for ever.
    retireEvents(
      db,
      `server_id = ? AND change != 'host_key_mismatch' AND (policy_id IS NULL OR policy_id NOT IN (${policies.map(() => '?').join(', ')}))`,
      [server.id, ...policies.map((p) => p.id)],
      'its policy no longer applies to this server',
      at,
    );
    const open = countOpen(db, server.id);
    // Not compared wins over findings: a server is never reported as checked where it was not.
    const notCompared = outcomes.filter((o) => o.status === 'not_compared');
    const status = notCompared.length ? 'not_compared' : open > 0 ? 'completed_with_findings' : 'completed_clean';
    const compared = outcomes.filter((o) => o.status === 'compared').map((o) => `'${o.policy}'`);
    const reason = notCompared.length
      ? [...notCompared.map((o) => `policy '${o.policy}' not compared: ${o.reason}`), ...(compared.length ? [`compared: ${compared.join(', ')}`] : [])].join('; ')
      : undefined;
    setScanVerdict(db, scanId, status, reason ?? null, outcomes);
    return { name: server.name, status, ...(reason ? { reason } : {}), scanId, counts, openEvents: open, warnings, mode: collected.mode, policies: outcomes } satisfies ServerScanResult;
  })();
}

/**
 * Whether a scan compared a policy. Every target needs something to be compared with: a master
 * target an active baseline of the policy (`noBaseline` says why there is none), a self target the
 * state an earlier scan recorded (the scan that records it first compares nothing). A policy
 * without targets compares nothing either.
 */
function policyOutcome(policy: StoredPolicy, noBaseline: string | null, selfInitialized: ReadonlySet<string>): PolicyOutcome {
  const why: string[] = [];
  if (!policy.targets.length) why.push('the policy has no targets');
  if (noBaseline !== null && policy.targets.some((t) => t.compare === 'master')) why.push(`${noBaseline}, so its master targets were not compared (take one: driftwatch baseline ${policy.name} --server GOLD-MASTER)`);
  const first = policy.targets.filter((t) => t.compare === 'self' && !selfInitialized.has(t.path)).map((t) => t.path);
  if (first.length) why.push(`first scan of self target${first.length > 1 ? 's' : ''} ${first.join(', ')}: this scan recorded the state the next scans compare with`);
  return why.length ? { policy: policy.name, status: 'not_compared', reason: why.join('; ') } : { policy: policy.name, status: 'compared' };
}

/**
 * Entries of self targets seen for the first time join the server's accepted state (replacing
 * what it held for the same paths): table rows written straight from the table's columns, merged
 * in path order with the entries already there and the `states` made by the evaluation.
 */
function addToSelfState(db: Db, set: EntrySet, collected: Collected, rows: number[], states: EntryState[]): void {
  const others = loadSet(db, set); // empty on a first scan
  for (const e of states) others.set(e.path, e);
  const sortedOthers = [...others.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  clearSet(db, set);
  const w = new SetWriter(db, set);
  const f = new EntryFields();
  const g = new EntryFields();
  let j = 0;
  const table = collected.entries;
  if (rows.length) {
    const mine = new Uint8Array(table.size);
    for (const r of rows) mine[r] = 1;
    const bytes = table.pathBuffer();
    for (const r of table.sortedRows()) {
      if (!mine[r]) continue;
      for (; j < sortedOthers.length; j++) {
        const key = Buffer.from(sortedOthers[j]!.path, 'latin1');
        const d = table.comparePath(key, key.length, r);
        if (d > 0) break;
        if (d < 0) w.add(sortedOthers[j]!.path, g.fromState(sortedOthers[j]!));
      }
      w.addBytes(bytes, table.pathStart(r), table.pathEnd(r), table.fill(r, f));
    }
  }
  for (; j < sortedOthers.length; j++) w.add(sortedOthers[j]!.path, g.fromState(sortedOthers[j]!));
  w.finish();
}

export interface BaselineOutcome {
  result: ServerScanResult;
  baselineId?: number;
}

type BaselineOptions = { expiresAt: string | null; comment: string; add: boolean; onProgress?: CollectOptions['onProgress'] };

/** A gold-master scan of one server for one policy; stored as a new baseline of that policy. Any failure fails it alone, recorded. */
export async function baselineServer(ctx: ScanContext, server: StoredServer, policy: StoredPolicy, options: BaselineOptions): Promise<BaselineOutcome> {
  const startedAt = now();
  try {
    return await baselineServerOnce(ctx, server, policy, options, startedAt);
  } catch (err) {
    return { result: recordFailure(ctx.db, server, 'baseline', startedAt, reasonOf(err, ctx.db)) };
  }
}

async function baselineServerOnce(ctx: ScanContext, server: StoredServer, policy: StoredPolicy, options: BaselineOptions, startedAt: string): Promise<BaselineOutcome> {
  const { expiresAt, comment, add, onProgress } = options;
  const { db } = ctx;
  let scanned;
  try {
    scanned = await runScanner(ctx, server, [policy], 'full', onProgress);
  } catch (err) {
    // A changed host key is the same critical event whichever kind of scan met it.
    if (err instanceof ApiError && err.code === 'host_key_mismatch') return { result: recordHostKeyFailure(db, server, startedAt, err, 'baseline') };
    return { result: recordFailure(db, server, 'baseline', startedAt, reasonOf(err, db)) };
  }
  const { plan, collected } = scanned;
  // The policy's share: each entry and the target that decides it, counted from the table's
  // columns; the entries are written to the baseline's packs straight from them, none made.
  const table = collected.entries;
  const walkTarget = walkTargets(plan, 0);
  const perTarget = new Map<Target, { entries: number; unreadable: string[] }>(policy.targets.map((t) => [t, { entries: 0, unreadable: [] }]));
  let shareSize = 0;
  const count = (target: Target, error: string | null, path: () => string) => {
    const t = perTarget.get(target);
    shareSize++;
    if (!t) return;
    t.entries++;
    if (error) t.unreadable.push(`${displayPath(path()).path}: ${error}`);
  };
  for (let row = 0; row < table.size; row++) {
    const target = table.lastOfWalks(row, walkTarget);
    if (target) count(target, table.errorOf(row), () => table.pathOf(row));
  }
  const report: TargetReport[] = policy.targets.map((t) => {
    const walk = plan.walks.findIndex((w) => w.owners.some((o) => o.target === t));
    const mine = perTarget.get(t)!;
    return { path: t.path, state: collected.walkState[walk] === 'ok' ? 'found' : 'missing', entries: mine.entries, unreadable: mine.unreadable };
  });
  const counts: ScanCounts = { ...EMPTY_COUNTS, entries: shareSize, unreadable: report.reduce((n, r) => n + r.unreadable.length, 0) };
  const warnings = [...collected.warnings, ...report.filter((r) => r.state === 'missing').map((r) => `target ${r.path} is missing on ${server.name}`), ...notCheckedWarnings(collected, [policy])];
  return db.transaction(() => {
    const scanId = insertScan(db, server.id, 'baseline', 'completed_clean', startedAt, counts, warnings);
    setScanMode(db, scanId, 'full');
    storePreflight(db, server.id, collected.facts);
    const head = { policyId: policy.id, serverId: server.id, serverName: server.name, scanId, at: now(), expiresAt, comment, report, add };
    const baselineId = storeBaselineWith(db, head, (add) => {
      const f = new EntryFields();
      const bytes = table.pathBuffer();
      for (const row of table.sortedRows()) if (table.lastOfWalks(row, walkTarget)) add(bytes, table.pathStart(row), table.pathEnd(row), table.fill(row, f));
    });
    // The baseline's entries are also the server's quick-scan reference: named, not written again.
    addFullBaseline(db, server.id, scanId, baselineId, collected);
    return { result: { name: server.name, status: 'completed_clean', scanId, counts, warnings, mode: 'full' } satisfies ServerScanResult, baselineId };
  })();
}
