// What a server's earlier scans decide about its next one: whether it runs full or quick, and how
// many entries it is expected to hold.
import type { ScanMode } from '../../shared/domain.js';
import type { StoredServer } from '../inventory/inventory.js';
import type { Db } from '../store/db.js';
import { getScanSettings } from './scan-settings.js';
import { lastCountsJson, quickScansSince } from './scans.js';
import { lastFullScan } from './reference/full-scans.js';

/**
 * Full or quick: forced by the request, else quick while the server has a last full scan that is
 * recent enough (fewer than `fullEvery` quick scans since, and younger than `fullEveryDays`).
 */
export function decideMode(db: Db, server: StoredServer, requested?: ScanMode): { mode: ScanMode; why: string } {
  if (requested === 'full') return { mode: 'full', why: 'full scan requested' };
  const last = lastFullScan(db, server.id);
  if (requested === 'quick') {
    return last ? { mode: 'quick', why: 'quick scan requested' } : { mode: 'full', why: 'quick scan requested, but the server has no full scan yet' };
  }
  const s = getScanSettings(db, server.id);
  if (!last) return { mode: 'full', why: 'first full scan of this server' };
  if (s.fullEvery === 0) return { mode: 'full', why: 'every scan of this server is full' };
  const quickSince = quickScansSince(db, server.id, last.scanId ?? 0);
  if (quickSince >= s.fullEvery) return { mode: 'full', why: `${quickSince} quick scans since the last full one` };
  const ageDays = (Date.now() - Date.parse(last.at)) / 86400_000;
  if (ageDays >= s.fullEveryDays) return { mode: 'full', why: `the last full scan is ${ageDays.toFixed(1)} days old` };
  return { mode: 'quick', why: 'quick scan' };
}

/** How many entries the server's last scan held (0: none yet): what its next one is expected to hold. */
export function expectedEntries(db: Db, serverId: number): number {
  const counts = lastCountsJson(db, serverId);
  const n = counts ? (JSON.parse(counts) as { entries?: unknown }).entries : 0;
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : 0;
}
