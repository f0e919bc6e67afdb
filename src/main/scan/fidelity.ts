// What scan-server.ts needs beyond the scan itself: each server's scan settings and pre-flight,
// which mode a scan runs (full or quick), and the warnings for attributes a host cannot check.
import { ApiError } from '../../shared/api.js';
import type { AttributeName, ScanMode, ServerPreflight, ServerScanSettings } from '../../shared/domain.js';
import { comparedAttributes } from '../compare/compare.js';
import type { StoredServer } from '../inventory/inventory.js';
import type { StoredPolicy } from '../policy/policies.js';
import { now, type Db } from '../store/db.js';
import type { Collected, Facts } from './collect.js';
import { checkableBy, DEFAULT_SCAN_SETTINGS, MAX_ENTRIES_LIMIT, toolCheckWarnings } from '../scanner/scan-options.js';

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

export function preflightOf(facts: Facts, at: string): ServerPreflight {
  const { checked, notChecked } = checkableBy(facts);
  const login = facts['login-output'];
  return { at, facts, checked, notChecked, warnings: [...toolCheckWarnings(facts), ...(login ? [login] : [])] };
}

export function storePreflight(db: Db, serverId: number, facts: Facts, at = now()): ServerPreflight {
  db.prepare('INSERT OR REPLACE INTO server_preflight (server_id, at, facts_json) VALUES (?, ?, ?)').run(serverId, at, JSON.stringify(facts));
  return preflightOf(facts, at);
}

export function getPreflight(db: Db, serverId: number): ServerPreflight | null {
  const r = db.prepare('SELECT at, facts_json FROM server_preflight WHERE server_id = ?').get(serverId) as { at: string; facts_json: string } | undefined;
  return r ? preflightOf(JSON.parse(r.facts_json) as Facts, r.at) : null;
}

/**
 * Full or quick: forced by the request, else quick while the server has a last full scan that is
 * recent enough (fewer than `fullEvery` quick scans since, and younger than `fullEveryDays`).
 */
export function decideMode(db: Db, server: StoredServer, requested?: ScanMode): { mode: ScanMode; why: string } {
  if (requested === 'full') return { mode: 'full', why: 'full scan requested' };
  const last = db.prepare('SELECT scan_id, at FROM server_full_scans WHERE server_id = ?').get(server.id) as { scan_id: number | null; at: string } | undefined;
  if (requested === 'quick') {
    return last ? { mode: 'quick', why: 'quick scan requested' } : { mode: 'full', why: 'quick scan requested, but the server has no full scan yet' };
  }
  const s = getScanSettings(db, server.id);
  if (!last) return { mode: 'full', why: 'first full scan of this server' };
  if (s.fullEvery === 0) return { mode: 'full', why: 'every scan of this server is full' };
  const quickSince = (db.prepare("SELECT COUNT(*) AS n FROM scans WHERE server_id = ? AND kind = 'scan' AND mode = 'quick' AND status != 'failed' AND id > ?").get(server.id, last.scan_id ?? 0) as { n: number }).n;
  if (quickSince >= s.fullEvery) return { mode: 'full', why: `${quickSince} quick scans since the last full one` };
  const ageDays = (Date.now() - Date.parse(last.at)) / 86400_000;
  if (ageDays >= s.fullEveryDays) return { mode: 'full', why: `the last full scan is ${ageDays.toFixed(1)} days old` };
  return { mode: 'quick', why: 'quick scan' };
}

/** How many entries the server's last scan held (0: none yet): what its next one is expected to hold. */
export function expectedEntries(db: Db, serverId: number): number {
  const counts = db.prepare("SELECT counts_json FROM scans WHERE server_id = ? AND status != 'failed' ORDER BY id DESC LIMIT 1").pluck().get(serverId) as string | undefined;
  const n = counts ? (JSON.parse(counts) as { entries?: unknown }).entries : 0;
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : 0;
}

export function setScanMode(db: Db, scanId: number, mode: ScanMode): void {
  db.prepare('UPDATE scans SET mode = ? WHERE id = ?').run(mode, scanId);
}

/** "acl, caps not checked on this host (it lacks getfattr or getfacl, ...)" for what the policies compare. */
export function notCheckedWarnings(collected: Collected, policies: StoredPolicy[]): string[] {
  const { notChecked } = checkableBy(collected.facts);
  const compared = new Set<AttributeName>(policies.flatMap((p) => p.targets.flatMap((t) => comparedAttributes(t))));
  const missing = notChecked.filter((n) => compared.has(n.name));
  if (!missing.length) return [];
  return [`not checked on this host: ${missing.map((m) => `${m.name} (needs ${m.tool})`).join(', ')}`];
}

