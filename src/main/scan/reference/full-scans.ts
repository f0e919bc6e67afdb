// The server's last full scan and the gold-master baselines taken of it since: what a quick scan
// reuses (stored-reference.ts reads it back). This module alone reads and writes the tables
// server_full_scans and server_full_baselines; the entries themselves are packs (store/packs).
import { now, type Db } from '../../store/db.js';
import { EntryFields } from '../../store/packs/codec.js';
import { clearSet, serverFullSet, SetWriter } from '../../store/packs/pack-store.js';
import type { EntryTable } from '../../scanner/entry-table.js';
import type { Facts } from '../run-scanner.js';

/** What recording a full scan needs of it: its entries, and the host's facts (its clock). */
interface FullScan {
  entries: EntryTable;
  facts: Facts;
}

/**
 * After a full scan of every policy: its entries become the server's reference (what a quick scan
 * reuses), replacing the last one; written in packs straight from the scan's table.
 */
export function storeFullEntries(db: Db, serverId: number, scanId: number, collected: FullScan): void {
  const set = serverFullSet(serverId);
  clearSet(db, set);
  db.prepare('DELETE FROM server_full_baselines WHERE server_id = ?').run(serverId);
  const table = collected.entries;
  const w = new SetWriter(db, set);
  const f = new EntryFields();
  const bytes = table.pathBuffer();
  for (const row of table.sortedRows()) w.addBytes(bytes, table.pathStart(row), table.pathEnd(row), table.fill(row, f));
  w.finish();
  db.prepare('INSERT OR REPLACE INTO server_full_scans (server_id, scan_id, at, host_time) VALUES (?, ?, ?, ?)').run(serverId, scanId, now(), collected.facts.time ?? null);
}

/**
 * After a gold-master baseline scan (one policy): its entries, already stored as the baseline's,
 * are added to the server's reference by naming the baseline; they are not written again.
 */
export function addFullBaseline(db: Db, serverId: number, scanId: number, baselineId: number, collected: FullScan): void {
  db.prepare('INSERT OR IGNORE INTO server_full_baselines (server_id, baseline_id) VALUES (?, ?)').run(serverId, baselineId);
  if (!db.prepare('SELECT 1 FROM server_full_scans WHERE server_id = ?').get(serverId)) {
    db.prepare('INSERT OR REPLACE INTO server_full_scans (server_id, scan_id, at, host_time) VALUES (?, ?, ?, ?)').run(serverId, scanId, now(), collected.facts.time ?? null);
  }
}

/** The server's last full scan: its scan, when it was stored, and the host's clock then (seconds). */
export function lastFullScan(db: Db, serverId: number): { scanId: number | null; at: string; hostTime: string | null } | undefined {
  const row = db.prepare('SELECT scan_id, at, host_time FROM server_full_scans WHERE server_id = ?').get(serverId) as { scan_id: number | null; at: string; host_time: string | null } | undefined;
  return row && { scanId: row.scan_id, at: row.at, hostTime: row.host_time };
}

/** The gold-master baselines taken of the server since its last full scan, oldest first. */
export function fullScanBaselineIds(db: Db, serverId: number): number[] {
  return db.prepare('SELECT baseline_id FROM server_full_baselines WHERE server_id = ? ORDER BY baseline_id').pluck().all(serverId) as number[];
}
