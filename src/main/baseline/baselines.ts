// Gold-master baselines: a policy may hold several, one per gold-master scan, each with an
// optional expiry. An expired baseline is kept for the record but no longer compared.
import { ApiError } from '../../shared/api.js';
import type { BaselineInfo, BaselineReport, TargetReport } from '../../shared/domain.js';
import type { EntryState } from '../diff/compare.js';
import type { Db } from '../store/db.js';
import { entryValues, ENTRY_FIELDS, ENTRY_PLACEHOLDERS, loadEntries } from '../store/entries.js';

interface BaselineRow {
  id: number;
  policy_name: string;
  server_name: string;
  created_at: string;
  expires_at: string | null;
  comment: string;
  entries: number;
  report_json: string;
}

const SELECT = 'SELECT b.*, p.name AS policy_name FROM baselines b JOIN policies p ON p.id = b.policy_id';

/** `YYYY-MM-DD` → the moment the baseline stops being used: the start of that day, UTC. */
export function parseExpiry(date: string | undefined): string | null {
  if (date === undefined || date === '') return null;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
    throw new ApiError('invalid_input', `expiry must be a date as YYYY-MM-DD, got ${JSON.stringify(date)}`);
  }
  return new Date(`${date}T00:00:00Z`).toISOString();
}

function info(r: BaselineRow, at: string): BaselineInfo {
  return {
    id: r.id,
    policy: r.policy_name,
    server: r.server_name,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    comment: r.comment,
    entries: r.entries,
    expired: r.expires_at !== null && r.expires_at <= at,
  };
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
  return listBaselines(db, at, policyId).filter((b) => !b.expired).map((b) => b.id);
}

export function loadBaseline(db: Db, id: number): Map<string, EntryState> {
  return loadEntries(db, `SELECT ${ENTRY_FIELDS} FROM baseline_entries WHERE baseline_id = ?`, id);
}

export function storeBaseline(
  db: Db,
  args: { policyId: number; serverId: number; serverName: string; scanId: number; at: string; expiresAt: string | null; comment: string; entries: Iterable<EntryState>; report: TargetReport[] },
): number {
  const r = db
    .prepare('INSERT INTO baselines (policy_id, server_id, server_name, scan_id, created_at, expires_at, comment, entries, report_json) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)')
    .run(args.policyId, args.serverId, args.serverName, args.scanId, args.at, args.expiresAt, args.comment, JSON.stringify(args.report));
  const id = Number(r.lastInsertRowid);
  const insert = db.prepare(`INSERT INTO baseline_entries (baseline_id, ${ENTRY_FIELDS}) VALUES (?, ${ENTRY_PLACEHOLDERS})`);
  // In path order (the key's byte order): the rows then append to the table's B-tree rather than
  // land at random.
  const entries = [...args.entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const extras = new Map<string, string | null>();
  let n = 0;
  for (const e of entries) {
    const v = entryValues(e, extras);
    v.unshift(id);
    insert.run(v);
    n++;
  }
  db.prepare('UPDATE baselines SET entries = ? WHERE id = ?').run(n, id);
  return id;
}

export function removeBaseline(db: Db, id: number): void {
  const r = db.prepare('DELETE FROM baselines WHERE id = ?').run(id);
  if (r.changes === 0) throw new ApiError('not_found', `no baseline with id ${id}`);
}
