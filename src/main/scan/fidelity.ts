// What scan-server.ts needs beyond the scan itself: each server's scan settings and pre-flight,
// which mode a scan runs (full or quick), the entries of the server's last full scan that a
// quick scan reuses (an entry set in packs, store/packs), and the warnings for attributes a host
// cannot check.
import { ApiError } from '../../shared/api.js';
import { TOOL_ATTRIBUTES, type AttributeName } from '../../shared/attributes.js';
import type { ScanMode, ServerPreflight, ServerScanSettings } from '../../shared/domain.js';
import type { EntryState } from '../model/entry.js';
import { comparedAttributes } from '../compare/compare.js';
import type { StoredServer } from '../inventory/inventory.js';
import type { StoredPolicy } from '../policy/policies.js';
import { now, type Db } from '../store/db.js';
import { byteOrder, EntryFields, forEachInPacks, PackEncoder } from '../store/packs/codec.js';
import { baselineSet, clearSet, PACK_SIZE, packsOf, serverFullSet, SetWriter, setLayout, writeSet, type PackLayout } from '../store/packs/pack-store.js';
import type { Collected, Facts, Reference, ReferenceEntry, ReferenceSource } from './collect.js';
import { EntryTable } from '../scanner/entry-table.js';
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

/**
 * The reference of a quick scan: the server's last full scan (server_full_packs), then the
 * gold-master baselines taken of it since (server_full_baselines, oldest first: a later one's
 * entry replaces an earlier one's). Each is read once, in path order, by collect(). A baseline of
 * one of `policies` (this scan's) is named so that collect() compares it while reusing it, and
 * the evaluation need not read it again. Entries whose times are within two seconds of the host
 * clock when that scan started are not reused: a write in the same clock tick as the read would
 * not have moved them (as git's racy-clean rule).
 */
export function referenceOf(db: Db, serverId: number, policies: readonly StoredPolicy[] = []): Reference {
  const full = db.prepare('SELECT host_time FROM server_full_scans WHERE server_id = ?').get(serverId) as { host_time: string | null } | undefined;
  const racyFrom = full?.host_time && /^\d+$/.test(full.host_time) ? Number(full.host_time) - 2 : Infinity;
  const sources: ReferenceSource[] = [{ racyFrom, packs: () => packsOf(db, serverFullSet(serverId)) }];
  const baselines = db
    .prepare('SELECT f.baseline_id AS id, b.policy_id AS policy FROM server_full_baselines f JOIN baselines b ON b.id = f.baseline_id WHERE f.server_id = ? ORDER BY f.baseline_id')
    .all(serverId) as { id: number; policy: number }[];
  for (const b of baselines) {
    const policyIndex = policies.findIndex((p) => p.id === b.policy);
    sources.push({
      racyFrom,
      packs: () => packsOf(db, baselineSet(b.id)),
      ...(policyIndex >= 0 ? { baseline: { id: b.id, policyIndex } } : {}),
    });
  }
  // The shape of the server's tree: its largest set (after a gold-master baseline, the last full
  // scan is that baseline's packs, named rather than copied).
  const layouts = [setLayout(db, serverFullSet(serverId)), ...baselines.map((b) => setLayout(db, baselineSet(b.id)))];
  const size = (l: PackLayout[]) => l.reduce((n, p) => n + p.entries, 0);
  return { sources, layout: layouts.reduce((a, b) => (size(b) > size(a) ? b : a)) };
}

/** A reference of one set of entries held in memory, encoded as the store would (tests, tools). */
export function memoryReference(entries: Iterable<EntryState>, racyFrom = Infinity): Reference {
  const sorted = [...entries].sort((a, b) => byteOrder(a.path, b.path));
  const packs: Buffer[] = [];
  const encoder = new PackEncoder();
  const f = new EntryFields();
  for (const e of sorted) {
    encoder.add(e.path, f.fromState(e));
    if (encoder.count >= PACK_SIZE) packs.push(encoder.finish());
  }
  if (encoder.count) packs.push(encoder.finish());
  return { sources: [{ racyFrom, packs: () => packs }] };
}

/**
 * What the reference gives for each path, as one map (tests and tools: a scan pairs them with its rows instead).
 * The same rules as collect()'s: the last source that has a path decides, and an entry not read
 * whole by its scan (an error, a file not hashed) or racy gives nothing.
 */
export function referenceLookup(db: Db, serverId: number): (path: string) => ReferenceEntry | undefined {
  const map = new Map<string, ReferenceEntry | null>();
  for (const source of referenceOf(db, serverId).sources) {
    forEachInPacks(source.packs(), (f) => {
      if (!reusable(f, source.racyFrom)) return void map.set(f.path(), null);
      const r: ReferenceEntry = { type: f.type, size: f.size, mtime: f.mtime(), ctime: f.ctime(), inode: f.inode, sha256: f.sha256(), device: f.device };
      const content = f.ext('content');
      if (content !== undefined) r.content = content;
      for (const k of TOOL_ATTRIBUTES) {
        const v = f.ext(k);
        if (v !== undefined) (r.ext ??= {})[k] = v;
      }
      map.set(f.path(), r);
    });
  }
  return (path) => map.get(path) ?? undefined;
}

/** Whether a stored entry may be reused: read whole by its scan, and not racy. */
export function reusable(f: EntryFields, racyFrom: number): boolean {
  if (f.error !== null || (f.type === 'file' && f.sha === null && f.shaText === null)) return false;
  if (racyFrom === Infinity) return true;
  const m = f.mtimeText === null ? f.mtimeS + f.mtimeN / 1e9 : parseFloat(f.mtimeText);
  const c = f.ctimeText === null ? f.ctimeS + f.ctimeN / 1e9 : parseFloat(f.ctimeText);
  return !(c >= racyFrom || m >= racyFrom);
}


/**
 * After a full scan of every policy: its entries become the server's reference (what a quick scan
 * reuses), replacing the last one; written in packs straight from the scan's table.
 */
export function storeFullEntries(db: Db, serverId: number, scanId: number, collected: Collected): void {
  const set = serverFullSet(serverId);
  clearSet(db, set);
  db.prepare('DELETE FROM server_full_baselines WHERE server_id = ?').run(serverId);
  const table = collected.entries;
  if (table instanceof EntryTable) {
    const w = new SetWriter(db, set);
    const f = new EntryFields();
    const bytes = table.pathBuffer();
    for (const row of table.sortedRows()) w.addBytes(bytes, table.pathStart(row), table.pathEnd(row), table.fill(row, f));
    w.finish();
  } else writeSet(db, set, collected.entries.values());
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

export type { EntryState };
