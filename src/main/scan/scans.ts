// The scans table: one record per scan, gold-master baseline or pre-flight of a server, with its
// status, counts, warnings, mode and each policy's outcome. This module alone reads and writes it.
import type { ScanCounts, ScanKind, ScanMode, ScanRecord, ScanStatus, PolicyOutcome } from '../../shared/domain.js';
import { now, type Db } from '../store/db.js';

interface ScanRow {
  id: number;
  server_name: string;
  kind: ScanKind;
  status: ScanStatus;
  reason: string | null;
  started_at: string;
  finished_at: string | null;
  counts_json: string;
  warnings_json: string;
  mode?: ScanMode | null;
  policies_json: string | null;
}

/** A new record (finished now, as far as its row says: a running scan's verdict comes later); its id. */
export function insertScan(db: Db, serverId: number, kind: ScanKind, status: string, startedAt: string, counts: ScanCounts, warnings: string[], reason?: string): number {
  const r = db
    .prepare('INSERT INTO scans (server_id, kind, status, reason, started_at, finished_at, counts_json, warnings_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    .run(serverId, kind, status, reason ?? null, startedAt, now(), JSON.stringify(counts), JSON.stringify(warnings));
  return Number(r.lastInsertRowid);
}

export function setScanMode(db: Db, scanId: number, mode: ScanMode): void {
  db.prepare('UPDATE scans SET mode = ? WHERE id = ?').run(mode, scanId);
}

/** A compared scan's verdict: its status, why (not compared), and each policy's outcome. */
export function setScanVerdict(db: Db, scanId: number, status: ScanStatus, reason: string | null, outcomes: PolicyOutcome[]): void {
  db.prepare('UPDATE scans SET status = ?, reason = ?, policies_json = ? WHERE id = ?').run(status, reason, JSON.stringify(outcomes), scanId);
}

/** How many quick scans of the server ran (not failed) after the scan `afterId`. */
export function quickScansSince(db: Db, serverId: number, afterId: number): number {
  return (db.prepare("SELECT COUNT(*) AS n FROM scans WHERE server_id = ? AND kind = 'scan' AND mode = 'quick' AND status != 'failed' AND id > ?").get(serverId, afterId) as { n: number }).n;
}

/** The counts (JSON) of the server's last record that did not fail; undefined: none yet. */
export function lastCountsJson(db: Db, serverId: number): string | undefined {
  return db.prepare("SELECT counts_json FROM scans WHERE server_id = ? AND status != 'failed' ORDER BY id DESC LIMIT 1").pluck().get(serverId) as string | undefined;
}

/** The server's last scan (not baseline, not pre-flight): how it ended and when. */
export function lastScan(db: Db, serverId: number): { status: ScanStatus; finished_at: string; reason: string | null } | undefined {
  return db.prepare("SELECT status, finished_at, reason FROM scans WHERE server_id = ? AND kind = 'scan' ORDER BY id DESC LIMIT 1").get(serverId) as
    | { status: ScanStatus; finished_at: string; reason: string | null }
    | undefined;
}

/** Whether a scan of the server ran to its end (compared or not); failed attempts do not count. */
export function hasCompletedScan(db: Db, serverId: number): boolean {
  return db.prepare("SELECT 1 FROM scans WHERE server_id = ? AND kind = 'scan' AND status NOT IN ('failed', 'running', 'queued') LIMIT 1").get(serverId) !== undefined;
}

/** The end of the server's last scan that compared every policy (clean or with findings), or null. */
export function lastComparison(db: Db, serverId: number, until?: string): string | null {
  const r = db
    .prepare(`SELECT MAX(finished_at) AS at FROM scans WHERE server_id = ? AND kind = 'scan' AND status IN ('completed_clean', 'completed_with_findings') AND finished_at <= ?`)
    .get(serverId, until ?? '9999') as { at: string | null };
  return r.at;
}

/** When each scan of the server that compared every policy ended, from `from` to `until`, in time order. */
export function comparisonsIn(db: Db, serverId: number, from: string, until: string): string[] {
  return db
    .prepare("SELECT finished_at FROM scans WHERE server_id = ? AND kind = 'scan' AND status IN ('completed_clean', 'completed_with_findings') AND finished_at >= ? AND finished_at <= ? ORDER BY finished_at")
    .pluck()
    .all(serverId, from, until) as string[];
}

/** The server's scans that were not compared, from `since` to `until`, in time order: when, and why. */
export function notComparedIn(db: Db, serverId: number, since: string, until: string): { finished_at: string; reason: string | null }[] {
  return db
    .prepare("SELECT finished_at, reason FROM scans WHERE server_id = ? AND kind = 'scan' AND status = 'not_compared' AND finished_at >= ? AND finished_at <= ? ORDER BY finished_at")
    .all(serverId, since, until) as { finished_at: string; reason: string | null }[];
}

/** The latest records (of one server, by name), newest first. */
export function listScans(db: Db, server: string | undefined, limit: number): ScanRecord[] {
  const rows = (server
    ? db.prepare('SELECT sc.*, s.name AS server_name FROM scans sc JOIN servers s ON s.id = sc.server_id WHERE s.name = ? ORDER BY sc.id DESC LIMIT ?').all(server, limit)
    : db.prepare('SELECT sc.*, s.name AS server_name FROM scans sc JOIN servers s ON s.id = sc.server_id ORDER BY sc.id DESC LIMIT ?').all(limit)) as ScanRow[];
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
}

/** Every record in id order, with its server's name and group's name (null: unassigned): what the scans report lists. */
export function everyScan(db: Db): { id: number; server: string; grp: string | null; kind: string; status: string; started_at: string; finished_at: string | null; mode: string | null; counts_json: string; policies_json: string | null; reason: string | null }[] {
  return db
    .prepare('SELECT sc.*, s.name AS server, g.name AS grp FROM scans sc JOIN servers s ON s.id = sc.server_id LEFT JOIN groups g ON g.id = s.group_id ORDER BY sc.id')
    .all() as ReturnType<typeof everyScan>;
}
