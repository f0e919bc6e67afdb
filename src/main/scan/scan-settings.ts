// Each server's scan settings (parallel hash workers, nice, how often a scan is full, the most
// entries it may hold): stored per server, the defaults where none are.
import { ApiError } from '../../shared/api.js';
import type { ServerScanSettings } from '../../shared/domain.js';
import type { Db } from '../store/db.js';
import { DEFAULT_SCAN_SETTINGS, MAX_ENTRIES_LIMIT } from '../scanner/scan-options.js';

export function getScanSettings(db: Db, serverId: number): ServerScanSettings {
  const r = db.prepare('SELECT jobs, nice, full_every, full_every_days, max_entries FROM server_scan_settings WHERE server_id = ?').get(serverId) as
    | { jobs: number; nice: number; full_every: number; full_every_days: number; max_entries: number }
    | undefined;
  return r ? { jobs: r.jobs, nice: r.nice === 1, fullEvery: r.full_every, fullEveryDays: r.full_every_days, maxEntries: r.max_entries } : { ...DEFAULT_SCAN_SETTINGS };
}

export function setScanSettings(db: Db, serverId: number, patch: Partial<ServerScanSettings>): ServerScanSettings {
  const s = { ...getScanSettings(db, serverId), ...patch };
  const whole = (v: unknown, what: string, max: number) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw new ApiError('invalid_input', `${what} must be a whole number from 0 to ${max}`);
  };
  whole(s.jobs, 'jobs', 256);
  whole(s.fullEvery, 'fullEvery', 100000);
  if (typeof s.fullEveryDays !== 'number' || !(s.fullEveryDays >= 0) || s.fullEveryDays > 3650) throw new ApiError('invalid_input', 'fullEveryDays must be a number of days from 0 to 3650');
  if (typeof s.nice !== 'boolean') throw new ApiError('invalid_input', 'nice must be true or false');
  whole(s.maxEntries, 'maxEntries', MAX_ENTRIES_LIMIT);
  if (s.maxEntries < 1) throw new ApiError('invalid_input', `maxEntries must be a whole number from 1 to ${MAX_ENTRIES_LIMIT}`);
  db.prepare('INSERT OR REPLACE INTO server_scan_settings (server_id, jobs, nice, full_every, full_every_days, max_entries) VALUES (?, ?, ?, ?, ?, ?)').run(
    serverId, s.jobs, +s.nice, s.fullEvery, s.fullEveryDays, s.maxEntries,
  );
  return s;
}
