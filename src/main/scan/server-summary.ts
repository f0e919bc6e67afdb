// A server as the servers list, its page and the dashboard show it: its inventory, how its last scan
// ended, its open events, its host's pre-flight, how it is scanned, and its trust history.
import type { ServerSummary } from '../../shared/api.js';
import { openCounts } from '../events/events.js';
import { publicServer, trustHistory, type StoredServer } from '../inventory/inventory.js';
import type { Db } from '../store/db.js';
import { getPreflight } from './host-checks.js';
import { getScanSettings } from './scan-settings.js';
import { lastScan } from './scans.js';

export function serverSummary(db: Db, server: StoredServer): ServerSummary {
  const last = lastScan(db, server.id);
  return {
    ...publicServer(server),
    lastScan: last ? { status: last.status, at: last.finished_at, ...(last.reason ? { reason: last.reason } : {}) } : null,
    openEvents: openCounts(db, server.id),
    preflight: getPreflight(db, server.id),
    scanSettings: getScanSettings(db, server.id),
    trustHistory: trustHistory(db, server.id),
  };
}
