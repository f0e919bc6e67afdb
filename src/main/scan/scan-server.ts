// Scans of one server: an ordinary scan (every policy of its group, one run of the scanner) and a
// gold-master baseline scan (one policy). The scanner runs first and nothing is written until it
// has finished cleanly; then all results are written in one transaction. A failure stores only a
// failed scan record: baselines, events and earlier results stay as they were.
import type { ScanCounts, ScanMode, ServerScanResult, Target, TargetReport } from '../../shared/domain.js';
import { displayPath } from '../../shared/path-escape.js';
import { activeBaselineIds, listBaselines, storeBaseline } from '../baseline/baselines.js';
import type { EntryState } from '../diff/compare.js';
import { evaluatePolicy } from '../diff/evaluate.js';
import { ApiError } from '../../shared/api.js';
import { countOpen, recordDeviations, recordHostKeyMismatch, resolveHostKeyEvents } from '../events/events.js';
import { serverPolicyIds, type StoredServer } from '../inventory/inventory.js';
import { getPolicyById, type StoredPolicy } from '../policy/policies.js';
import { now, type Db } from '../store/db.js';
import { entryFromJson, entryValues, ENTRY_FIELDS, ENTRY_PLACEHOLDERS } from '../store/entries.js';
import type { Transport } from '../transport/transport.js';
import { collect, type Collected } from './collect.js';
import { buildPlan, type ScanPlan } from './plan.js';
import { policyInputs } from './prefilter.js';
import { decideMode, getScanSettings, notCheckedWarnings, referenceOf, setScanMode, storeFullEntries, storePreflight, addFullBaseline } from './fidelity.js';

export interface ScanContext {
  db: Db;
  transportFor(server: StoredServer): Promise<Transport>;
}

const EMPTY_COUNTS: ScanCounts = { entries: 0, added: 0, removed: 0, modified: 0, unreadable: 0 };

/** Each policy's share of the scan: path → entry and the target that decides it. */
function sharesOf(plan: ScanPlan, collected: Collected, policyCount: number): Map<string, { entry: EntryState; target: Target }>[] {
  const shares = Array.from({ length: policyCount }, () => new Map<string, { entry: EntryState; target: Target }>());
  for (const e of collected.entries.values()) {
    for (const w of e.walks) {
      for (const owner of plan.walks[w]!.owners) shares[owner.policy]!.set(e.path, { entry: e, target: owner.target });
    }
  }
  return shares;
}

async function runScanner(ctx: ScanContext, server: StoredServer, policies: StoredPolicy[], mode: ScanMode = 'full'): Promise<{ plan: ScanPlan; collected: Collected }> {
  const plan = buildPlan(policies, 0);
  // The server's settings (parallel hash workers, nice); a quick scan reuses its last full scan.
  const settings = getScanSettings(ctx.db, server.id);
  const reference = mode === 'quick' ? { reference: referenceOf(ctx.db, server.id) } : {};
  const transport = await ctx.transportFor(server);
  try {
    const collected = await collect(transport, plan, { shell: server.shell, sudo: server.sudo, settings, ...reference });
    return { plan, collected };
  } finally {
    transport.close();
  }
}

function insertScan(db: Db, serverId: number, kind: 'scan' | 'baseline', status: string, startedAt: string, counts: ScanCounts, warnings: string[], reason?: string): number {
  const r = db
    .prepare('INSERT INTO scans (server_id, kind, status, reason, started_at, finished_at, counts_json, warnings_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    .run(serverId, kind, status, reason ?? null, startedAt, now(), JSON.stringify(counts), JSON.stringify(warnings));
  return Number(r.lastInsertRowid);
}

export function recordFailure(db: Db, server: StoredServer, kind: 'scan' | 'baseline', startedAt: string, reason: string): ServerScanResult {
  const scanId = insertScan(db, server.id, kind, 'failed', startedAt, EMPTY_COUNTS, [], reason);
  return { name: server.name, status: 'failed', reason, scanId };
}

function recordHostKeyFailure(db: Db, server: StoredServer, startedAt: string, err: ApiError, kind: 'scan' | 'baseline' = 'scan'): ServerScanResult {
  return db.transaction(() => {
    const result = recordFailure(db, server, kind, startedAt, err.message);
    const at = now();
    recordHostKeyMismatch(db, { serverId: server.id, scanId: result.scanId!, at, pinned: err.details?.pinned ?? server.hostKey ?? '', presented: err.details?.presented ?? '', message: err.message });
    return { ...result, reason: `host_key_mismatch: ${err.message}` };
  })();
}

export async function scanServer(ctx: ScanContext, server: StoredServer, options: { mode?: ScanMode } = {}): Promise<ServerScanResult> {
  const { db } = ctx;
  const startedAt = now();
  const policies = serverPolicyIds(db, server).map((id) => getPolicyById(db, id));
  if (!policies.length) {
    const why = server.group ? `group '${server.group}' has no policy assigned` : 'the server is in no group, so no policy applies';
    return recordFailure(db, server, 'scan', startedAt, why);
  }
  let scanned;
  try {
    scanned = await runScanner(ctx, server, policies, decideMode(db, server, options.mode).mode);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'host_key_mismatch') return recordHostKeyFailure(db, server, startedAt, err);
    return recordFailure(db, server, 'scan', startedAt, (err as Error).message);
  }
  const { plan, collected } = scanned;
  const at = now();
  const warnings: string[] = notCheckedWarnings(collected, policies);
  const counts: ScanCounts = { ...EMPTY_COUNTS, entries: collected.entries.size, unreadable: collected.unreadable };

  // Read everything the comparison needs, then judge each policy.
  const verdicts = policies.map((policy, i) => {
    const all = listBaselines(db, at, policy.id);
    for (const b of all.filter((b) => b.expired)) {
      warnings.push(`policy '${policy.name}': baseline #${b.id} from ${b.server} expired on ${b.expiresAt!.slice(0, 10)} and was not used`);
    }
    const active = activeBaselineIds(db, policy.id, at);
    if (!active.length && policy.targets.some((t) => t.compare === 'master')) {
      warnings.push(`policy '${policy.name}' has no active baseline: its master targets were not compared (run a baseline)`);
    }
    const accepts = new Map<string, EntryState | null>();
    for (const r of db.prepare('SELECT path, present, entry_json FROM server_accepts WHERE server_id = ? AND policy_id = ?').iterate(server.id, policy.id) as IterableIterator<{ path: Buffer; present: number; entry_json: string | null }>) {
      accepts.set(r.path.toString('latin1'), r.present ? entryFromJson(r.entry_json) : null);
    }
    const selfInitialized = new Set(
      (db.prepare('SELECT target_path FROM self_targets WHERE server_id = ? AND policy_id = ?').all(server.id, policy.id) as { target_path: string }[]).map((r) => r.target_path),
    );
    // The policy's share and its references, without the entries certainly clean (scan/prefilter.ts).
    const inputs = policyInputs(db, { plan, collected, policyIndex: i, policy, serverId: server.id, baselineIds: active, serverAccepts: accepts, selfInitialized });
    const verdict = evaluatePolicy({ targets: policy.targets, ...inputs, selfInitialized });
    if (verdict.unchecked) warnings.push(`policy '${policy.name}': ${verdict.unchecked} entries below unreadable directories were not checked`);
    return verdict;
  });

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
      const insert = db.prepare(`INSERT OR REPLACE INTO self_entries (server_id, policy_id, ${ENTRY_FIELDS}) VALUES (?, ?, ${ENTRY_PLACEHOLDERS})`);
      for (const e of v.selfInit) insert.run(server.id, policy.id, ...entryValues(e));
      for (const t of v.selfInitTargets) db.prepare('INSERT OR IGNORE INTO self_targets (server_id, policy_id, target_path) VALUES (?, ?, ?)').run(server.id, policy.id, t);
    });
    // Open events of a policy that no longer applies to this server (unassigned from its group, or
    // removed) are no longer watched: closed by this scan, or they would stay open for ever.
    db.prepare(
      `UPDATE events SET status = 'resolved', resolved_at = ?, last_scan_id = ? WHERE server_id = ? AND status = 'open' AND change != 'host_key_mismatch'
       AND (policy_id IS NULL OR policy_id NOT IN (${policies.map(() => '?').join(', ')}))`,
    ).run(at, scanId, server.id, ...policies.map((p) => p.id));
    const open = countOpen(db, server.id);
    const status = open > 0 ? 'completed_with_findings' : 'completed_clean';
    db.prepare('UPDATE scans SET status = ? WHERE id = ?').run(status, scanId);
    return { name: server.name, status, scanId, counts, openEvents: open, warnings, mode: collected.mode } satisfies ServerScanResult;
  })();
}

export interface BaselineOutcome {
  result: ServerScanResult;
  baselineId?: number;
}

/** A gold-master scan of one server for one policy; stored as a new baseline of that policy. */
export async function baselineServer(ctx: ScanContext, server: StoredServer, policy: StoredPolicy, expiresAt: string | null, comment: string): Promise<BaselineOutcome> {
  const { db } = ctx;
  const startedAt = now();
  let scanned;
  try {
    scanned = await runScanner(ctx, server, [policy]);
  } catch (err) {
    // A changed host key is the same critical event whichever kind of scan met it.
    if (err instanceof ApiError && err.code === 'host_key_mismatch') return { result: recordHostKeyFailure(db, server, startedAt, err, 'baseline') };
    return { result: recordFailure(db, server, 'baseline', startedAt, (err as Error).message) };
  }
  const { plan, collected } = scanned;
  const share = sharesOf(plan, collected, 1)[0]!;
  const report: TargetReport[] = policy.targets.map((t) => {
    const walk = plan.walks.findIndex((w) => w.owners.some((o) => o.target === t));
    const mine = [...share.values()].filter((s) => s.target === t);
    return {
      path: t.path,
      state: collected.walkState[walk] === 'ok' ? 'found' : 'missing',
      entries: mine.length,
      unreadable: mine.filter((s) => s.entry.error).map((s) => `${displayPath(s.entry.path).path}: ${s.entry.error}`),
    };
  });
  const counts: ScanCounts = { ...EMPTY_COUNTS, entries: share.size, unreadable: report.reduce((n, r) => n + r.unreadable.length, 0) };
  const warnings = [...report.filter((r) => r.state === 'missing').map((r) => `target ${r.path} is missing on ${server.name}`), ...notCheckedWarnings(collected, [policy])];
  return db.transaction(() => {
    const scanId = insertScan(db, server.id, 'baseline', 'completed_clean', startedAt, counts, warnings);
    setScanMode(db, scanId, 'full');
    storePreflight(db, server.id, collected.facts);
    const baselineId = storeBaseline(db, {
      policyId: policy.id,
      serverId: server.id,
      serverName: server.name,
      scanId,
      at: now(),
      expiresAt,
      comment,
      entries: [...share.values()].map((s) => s.entry),
      report,
    });
    // The baseline's entries are also the server's quick-scan reference: named, not written again.
    addFullBaseline(db, server.id, scanId, baselineId, collected);
    return { result: { name: server.name, status: 'completed_clean', scanId, counts, warnings, mode: 'full' } satisfies ServerScanResult, baselineId };
  })();
}
