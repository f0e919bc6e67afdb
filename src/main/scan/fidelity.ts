// What scan-server.ts needs beyond the scan itself: each server's scan settings and pre-flight,
// which mode a scan runs (full or quick), the entries of the server's last full scan that a
// quick scan reuses, and the warnings for attributes a host cannot check.
import { ApiError } from '../../shared/api.js';
import type { AttributeName, FileContent, ScanMode, ServerPreflight, ServerScanSettings } from '../../shared/domain.js';
import type { EntryState } from '../diff/compare.js';
import { comparedAttributes } from '../diff/compare.js';
import type { StoredServer } from '../inventory/inventory.js';
import type { StoredPolicy } from '../policy/policies.js';
import { now, type Db } from '../store/db.js';
import type { Collected, Facts, Reference, ReferenceEntry } from './collect.js';
import { checkableBy, DEFAULT_SCAN_SETTINGS } from './scan-options.js';

export function getScanSettings(db: Db, serverId: number): ServerScanSettings {
  const r = db.prepare('SELECT jobs, nice, full_every, full_every_days FROM server_scan_settings WHERE server_id = ?').get(serverId) as
    | { jobs: number; nice: number; full_every: number; full_every_days: number }
    | undefined;
  return r ? { jobs: r.jobs, nice: r.nice === 1, fullEvery: r.full_every, fullEveryDays: r.full_every_days } : { ...DEFAULT_SCAN_SETTINGS };
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
  db.prepare('INSERT OR REPLACE INTO server_scan_settings (server_id, jobs, nice, full_every, full_every_days) VALUES (?, ?, ?, ?, ?)').run(serverId, s.jobs, +s.nice, s.fullEvery, s.fullEveryDays);
  return s;
}

export function preflightOf(facts: Facts, at: string): ServerPreflight {
  const { checked, notChecked } = checkableBy(facts);
  return { at, facts, checked, notChecked };
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
 * The reference of a quick scan: the last full scan's entries of this server, read in one pass
 * when the quick scan first asks, then the entries of the gold-master baselines taken of it since
 * (server_full_baselines, oldest first: a later one replaces an earlier entry). An entry whose
 * times are within two seconds of the host clock when that scan started is left out: a write in
 * the same clock tick as the read would not have moved them (as git's racy-clean rule).
 */
export function referenceOf(db: Db, serverId: number): Reference {
  const full = db.prepare('SELECT host_time FROM server_full_scans WHERE server_id = ?').get(serverId) as { host_time: string | null } | undefined;
  const racyFrom = full?.host_time && /^\d+$/.test(full.host_time) ? Number(full.host_time) - 2 : Infinity;
  const map = new Map<string, ReferenceEntry>();
  // Read in pages of PAGE rows in key order, each page whole (no statement stays open between
  // two), so that the reading can be spread over the metadata pass (advance()).
  const PAGE = 2048;
  function* pages(): Generator<void, void, void> {
    const exts = new Map<string, NonNullable<ReferenceEntry['ext']>>();
    const first = db.prepare(
      'SELECT path, type, size, mtime, ctime, inode, sha256, content_json, device, ext_json FROM server_full_entries WHERE server_id = ? ORDER BY path LIMIT ?',
    ).raw(true);
    const next = db.prepare(
      'SELECT path, type, size, mtime, ctime, inode, sha256, content_json, device, ext_json FROM server_full_entries WHERE server_id = ? AND path > ? ORDER BY path LIMIT ?',
    ).raw(true);
    type FullRow = [Buffer, string, number, string, string, string, string | null, string | null, string | null, string | null];
    let last: Buffer | null = null;
    for (;;) {
      const rows = (last === null ? first.all(serverId, PAGE) : next.all(serverId, last, PAGE)) as FullRow[];
      for (const [path, type, size, mtime, ctime, inode, sha256, content, device, ext] of rows) {
        if (parseFloat(ctime) >= racyFrom || parseFloat(mtime) >= racyFrom) continue;
        const r: ReferenceEntry = { type, size, mtime, ctime, inode: Number(inode), sha256, device };
        if (content !== null) r.content = JSON.parse(content) as FileContent | null;
        if (ext !== null) {
          // Most entries have the same (all none): each distinct text is parsed once.
          let parsed = exts.get(ext);
          if (!parsed) exts.set(ext, (parsed = JSON.parse(ext) as NonNullable<ReferenceEntry['ext']>));
          r.ext = parsed;
        }
        map.set(path.toString('latin1'), r);
      }
      if (rows.length < PAGE) break;
      last = rows[rows.length - 1]![0];
      yield;
    }
    // Baseline rows keep the attributes beyond stat(2) and the content together (extra_json).
    const extras = new Map<string, { ext?: NonNullable<ReferenceEntry['ext']>; content?: FileContent | null }>();
    const baselines = db.prepare('SELECT baseline_id FROM server_full_baselines WHERE server_id = ? ORDER BY baseline_id').pluck().all(serverId) as number[];
    const cols = 'path, type, size, mtime, ctime, inode, sha256, device, error, extra_json';
    const bfirst = db.prepare(`SELECT ${cols} FROM baseline_entries WHERE baseline_id = ? ORDER BY path LIMIT ?`).raw(true);
    const bnext = db.prepare(`SELECT ${cols} FROM baseline_entries WHERE baseline_id = ? AND path > ? ORDER BY path LIMIT ?`).raw(true);
    type BaselineRow = [Buffer, string, number, string, string, string, string | null, string | null, string | null, string | null];
    for (const id of baselines) {
      last = null;
      for (;;) {
        const rows = (last === null ? bfirst.all(id, PAGE) : bnext.all(id, last, PAGE)) as BaselineRow[];
        for (const [pathBytes, type, size, mtime, ctime, inode, sha256, device, error, extra] of rows) {
          const path = pathBytes.toString('latin1');
          // Not read whole by that scan (an error, a file not hashed), or racy: read again.
          if (error !== null || (type === 'file' && sha256 === null) || parseFloat(ctime) >= racyFrom || parseFloat(mtime) >= racyFrom) {
            map.delete(path);
            continue;
          }
          const r: ReferenceEntry = { type, size, mtime, ctime, inode: Number(inode), sha256, device };
          if (extra !== null) {
            let x = extras.get(extra);
            if (!x) {
              const o = JSON.parse(extra) as Record<string, unknown>;
              x = {};
              if (o.content !== undefined) x.content = o.content as FileContent | null;
              for (const k of EXT_KEYS) if (o[k] !== undefined) (x.ext ??= {})[k] = o[k] as string | null;
              if (extras.size < 10000) extras.set(extra, x);
            }
            if (x.content !== undefined) r.content = x.content;
            if (x.ext !== undefined) r.ext = x.ext;
          }
          map.set(path, r);
        }
        if (rows.length < PAGE) break;
        last = rows[rows.length - 1]![0];
        yield;
      }
    }
  }
  const loader = pages();
  let done = false;
  const advance = () => {
    if (!done) done = loader.next().done === true;
    return done;
  };
  const reference = ((path: string) => {
    while (!advance());
    return map.get(path);
  }) as Reference;
  reference.advance = advance;
  return reference;
}

const EXT_KEYS = ['xattrs', 'acl', 'caps', 'selinux', 'flags'] as const;

/**
 * After a full scan of every policy: its entries become the server's reference (what a quick scan
 * reuses), replacing the last one. Entries that were not read whole (an error, a file not hashed)
 * are left out: a quick scan reads them.
 */
export function storeFullEntries(db: Db, serverId: number, scanId: number, collected: Collected): void {
  db.prepare('DELETE FROM server_full_entries WHERE server_id = ?').run(serverId);
  db.prepare('DELETE FROM server_full_baselines WHERE server_id = ?').run(serverId);
  const insert = db.prepare(
    'INSERT OR REPLACE INTO server_full_entries (server_id, path, type, size, mtime, ctime, inode, sha256, content_json, device, ext_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  // In path order: the rows then append to the table's B-tree rather than land at random.
  const paths = [...collected.entries.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const texts = new Map<string, string>();
  for (const path of paths) {
    const e = collected.entries.get(path)!;
    const a = e.attrs;
    if (e.error || (a.type === 'file' && a.sha256 === null)) continue;
    // Most entries have the same attributes beyond stat(2) (all none): one text each.
    const key = `${a.xattrs}\0${a.acl}\0${a.caps}\0${a.selinux}\0${a.flags}`;
    let ext = texts.get(key);
    if (ext === undefined) {
      let o: Record<string, unknown> | null = null;
      for (const k of EXT_KEYS) if (a[k] !== undefined) (o ??= {})[k] = a[k];
      ext = o === null ? '' : JSON.stringify(o);
      if (texts.size < 10000) texts.set(key, ext);
    }
    insert.run(
      serverId, Buffer.from(path, 'latin1'), a.type, a.size, a.mtime, a.ctime, String(a.inode), a.sha256,
      a.content === undefined ? null : JSON.stringify(a.content), a.device, ext === '' ? null : ext,
    );
  }
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

/** Entries that came out of a quick scan unchanged keep their full-scan hash: say how many were hashed. */
export function modeNote(collected: Collected): string | null {
  return collected.mode === 'quick' ? `quick scan: ${collected.hashed} files hashed again, the others unchanged since the last full scan` : null;
}

export type { EntryState };
