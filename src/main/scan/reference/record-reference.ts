// Recording the quick-scan reference: after a full scan its entries become the server's reference,
// and a gold-master baseline taken of the server joins it (stored-reference.ts reads it back).
import { now, type Db } from '../../store/db.js';
import { EntryFields } from '../../store/packs/codec.js';
import { clearSet, serverFullSet, SetWriter } from '../../store/packs/pack-store.js';
import type { Collected } from '../collect.js';

/**
 * After a full scan of every policy: its entries become the server's reference (what a quick scan
 * reuses), replacing the last one; written in packs straight from the scan's table.
 */
export function storeFullEntries(db: Db, serverId: number, scanId: number, collected: Collected): void {
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
export function addFullBaseline(db: Db, serverId: number, scanId: number, baselineId: number, collected: Collected): void {
  db.prepare('INSERT OR IGNORE INTO server_full_baselines (server_id, baseline_id) VALUES (?, ?)').run(serverId, baselineId);
  if (!db.prepare('SELECT 1 FROM server_full_scans WHERE server_id = ?').get(serverId)) {
    db.prepare('INSERT OR REPLACE INTO server_full_scans (server_id, scan_id, at, host_time) VALUES (?, ?, ?, ?)').run(serverId, scanId, now(), collected.facts.time ?? null);
  }
}
