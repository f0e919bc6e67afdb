// Gold-master baselines: a policy may hold several, one per gold-master scan, each with an
// optional expiry. A new baseline of a server supersedes the policy's active ones from the same
// server (unless asked to stand beside them). Expired and superseded baselines are kept for the
// record but no longer compared. Its entries are an entry set in packs (store/packs/pack-store.ts,
// table baseline_packs).
import { ApiError } from '../../shared/api.js';
import type { BaselineInfo, BaselineReport, TargetReport } from '../../shared/domain.js';
import type { EntryState } from '../model/entry.js';
import type { Db } from '../store/db.js';
import type { EntryFields } from '../store/packs/codec.js';
import { baselineSet, loadSet, replaceEntries, SetWriter } from '../store/packs/pack-store.js';

interface BaselineRow {
  id: number;
  policy_name: string;
  server_name: string;
  created_at: string;
  expires_at: string | null;
  comment: string;
  entries: number;
  report_json: string;
  superseded_at: string | null;
  superseded_by: number | null;
}

const SELECT = 'SELECT b.*, p.name AS policy_name FROM baselines b JOIN policies p ON p.id = b.policy_id';

/** `YYYY-MM-DD` → the moment the baseline stops being used: the start of that day, UTC. */
export function parseExpiry(date: string | undefined): string | null {
  if (date === undefined || date === '') return null;
  // A real calendar date only: Date would roll 2027-02-30 over to 2027-03-02.
  const at = /^\d{4}-\d{2}-\d{2}$/.test(date) ? new Date(`${date}T00:00:00Z`) : null;
  if (!at || Number.isNaN(at.getTime()) || at.toISOString().slice(0, 10) !== date) {
    throw new ApiError('invalid_input', `expires: must be a calendar date as YYYY-MM-DD, got ${JSON.stringify(date)}`);
  }
  return at.toISOString();
}

function info(r: BaselineRow, at: string): BaselineInfo {
  const expired = r.expires_at !== null && r.expires_at <= at;
  return {
    id: r.id,
    policy: r.policy_name,
    server: r.server_name,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    comment: r.comment,
    entries: r.entries,
    expired,
    status: r.superseded_at !== null ? 'superseded' : expired ? 'expired' : 'active',
    supersededAt: r.superseded_at,
    supersededBy: r.superseded_by,
  };
}

/** The policy a baseline is of. */
export function baselinePolicyId(db: Db, id: number): number {
  return db.prepare('SELECT policy_id FROM baselines WHERE id = ?').pluck().get(id) as number;
}

export function countBaselines(db: Db): number {
  return (db.prepare('SELECT COUNT(*) AS n FROM baselines').get() as { n: number }).n;
}

export function listBaselines(db: Db, at: string, policyId?: number): BaselineInfo[] {
  const rows = (policyId === undefined ? db.prepare(`${SELECT} ORDER BY b.id`).all() : db.prepare(`${SELECT} WHERE b.policy_id = ? ORDER BY b.id`).all(policyId)) as BaselineRow[];
  return rows.map((r) => info(r, at));
}

export function baselineReport(db: Db, id: number, at: string): BaselineReport {
  const row = db.prepare(`${SELECT} WHERE b.id = ?`).get(id) as BaselineRow | undefined;
  if (!row) throw new ApiError('not_found', `no baseline with id ${id}`);
  return { baseline: info(row, at), targets: JSON.parse(row.report_json) as TargetReport[] };
}

export function activeBaselineIds(db: Db, policyId: number, at: string): number[] {
  return listBaselines(db, at, policyId).filter((b) => b.status === 'active').map((b) => b.id);
}

/** Why a policy has no active baseline, for a scan's `not_compared` reason. */
export function noActiveBaselineReason(all: readonly BaselineInfo[]): string {
  if (!all.length) return 'no baseline taken yet';
  const expired = all.filter((b) => b.status === 'expired');
  const last = expired.map((b) => b.expiresAt!).sort().pop();
  if (expired.length === all.length) return `every baseline has expired (${all.length}, the last on ${last!.slice(0, 10)})`;
  return `no active baseline (${[expired.length && `${expired.length} expired`, `${all.length - expired.length} superseded`].filter(Boolean).join(', ')})`;
}

/** The baseline's entries by path (tools and tests; a scan merges the packs instead). */
export function loadBaseline(db: Db, id: number): Map<string, EntryState> {
  return loadSet(db, baselineSet(id));
}

type BaselineHead = {
  policyId: number; serverId: number; serverName: string; scanId: number; at: string; expiresAt: string | null; comment: string; report: TargetReport[];
  /** Keep the policy's active baselines from this server beside the new one (else they are superseded). */
  add?: boolean;
};

/**
 * A new baseline whose entries `fill` writes, in strictly increasing path order, through `add`
 * (path bytes src[start .. end) and fields: a scan's table writes them straight from its
 * columns); returns its id.
 */
export function storeBaselineWith(db: Db, head: BaselineHead, fill: (add: (src: Uint8Array, start: number, end: number, f: EntryFields) => void) => void): number {
  const r = db
    .prepare('INSERT INTO baselines (policy_id, server_id, server_name, scan_id, created_at, expires_at, comment, entries, report_json) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)')
    .run(head.policyId, head.serverId, head.serverName, head.scanId, head.at, head.expiresAt, head.comment, JSON.stringify(head.report));
  const id = Number(r.lastInsertRowid);
  if (!head.add) {
    db.prepare(
      'UPDATE baselines SET superseded_at = ?, superseded_by = ? WHERE policy_id = ? AND server_id = ? AND id != ? AND superseded_at IS NULL AND (expires_at IS NULL OR expires_at > ?)',
    ).run(head.at, id, head.policyId, head.serverId, id, head.at);
  }
  const w = new SetWriter(db, baselineSet(id));
  fill((src, start, end, f) => w.addBytes(src, start, end, f));
  db.prepare('UPDATE baselines SET entries = ? WHERE id = ?').run(w.finish(), id);
  return id;
}

/** Accepting into a baseline: each entry at its path (null: the path is taken out). */
export function putBaselineEntries(db: Db, id: number, changes: ReadonlyMap<string, EntryState | null>): void {
  replaceEntries(db, baselineSet(id), changes);
  db.prepare("UPDATE baselines SET entries = (SELECT COALESCE(SUM(entries), 0) FROM baseline_packs WHERE baseline_id = ?) WHERE id = ?").run(id, id);
}

export function removeBaseline(db: Db, id: number): void {
  const r = db.prepare('DELETE FROM baselines WHERE id = ?').run(id);
  if (r.changes === 0) throw new ApiError('not_found', `no baseline with id ${id}`);
}
