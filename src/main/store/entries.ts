// Rows of the tables that hold entries (baseline_entries, self_entries) and EntryState, both ways.
import type { EntryAttributes } from '../../shared/domain.js';
import type { EntryState } from '../diff/compare.js';
import type { Db } from './db.js';

export const ENTRY_FIELDS = 'path, type, mode, uid, gid, owner, grp, size, mtime, ctime, inode, nlink, device, target, sha256, error, extra_json';
export const ENTRY_PLACEHOLDERS = ENTRY_FIELDS.split(',').map(() => '?').join(', ');

export interface EntryRow {
  path: Buffer;
  type: EntryAttributes['type'];
  mode: string;
  uid: number;
  gid: number;
  owner: string;
  grp: string;
  size: number;
  mtime: string;
  ctime: string;
  inode: string;
  nlink: number;
  device: string | null;
  target: Buffer | null;
  sha256: string | null;
  error: string | null;
  extra_json: string | null;
}

/** The attributes beyond stat(2) and kept content travel in extra_json; a key absent there was not checked. */
const EXTRA_KEYS = ['xattrs', 'acl', 'caps', 'selinux', 'flags', 'content'] as const;

export function extraJson(a: EntryAttributes): string | null {
  let extra: Record<string, unknown> | null = null;
  for (const k of EXTRA_KEYS) if (a[k] !== undefined) (extra ??= {})[k] = a[k];
  return extra === null ? null : JSON.stringify(extra);
}

/** An attribute value as part of a key: absent, none and each text apart. */
const k = (v: string | null | undefined) => (v === undefined ? 'u' : v === null ? 'n' : `s${v}`);

/**
 * The row values of an entry (ENTRY_FIELDS, in that order). With `extras`, the extra_json of
 * entries alike (most: no attribute beyond stat(2) set, no content) is made once.
 */
export function entryValues(e: EntryState, extras?: Map<string, string | null>): unknown[] {
  const a = e.attrs;
  let extra: string | null;
  if (extras && a.content === undefined) {
    const key = `${k(a.xattrs)}\0${k(a.acl)}\0${k(a.caps)}\0${k(a.selinux)}\0${k(a.flags)}`;
    const known = extras.get(key);
    if (known !== undefined) extra = known;
    else {
      extra = extraJson(a);
      if (extras.size < 10000) extras.set(key, extra);
    }
  } else extra = extraJson(a);
  return [
    Buffer.from(e.path, 'latin1'), a.type, a.mode, a.uid, a.gid, a.owner, a.group, a.size, a.mtime, a.ctime, String(a.inode), a.nlink,
    a.device, a.target === null ? null : Buffer.from(a.target, 'latin1'), a.sha256, e.error, extra,
  ];
}

export function entryFromRow(r: EntryRow): EntryState {
  return {
    path: r.path.toString('latin1'),
    error: r.error,
    attrs: {
      type: r.type, mode: r.mode, uid: r.uid, gid: r.gid, owner: r.owner, group: r.grp, size: r.size, mtime: r.mtime, ctime: r.ctime,
      inode: Number(r.inode), nlink: r.nlink, device: r.device, target: r.target === null ? null : r.target.toString('latin1'), sha256: r.sha256,
      ...(r.extra_json ? (JSON.parse(r.extra_json) as Partial<EntryAttributes>) : {}),
    },
  };
}

/**
 * Rows (ENTRY_FIELDS, in that order) → entries by path. Built from raw rows, one object shape,
 * and each distinct extra_json parsed once: the rows of a large baseline are mostly alike.
 */
export function loadEntries(db: Db, sql: string, ...params: unknown[]): Map<string, EntryState> {
  return loadEntriesExcept(db, null, sql, ...params);
}

/** loadEntries, leaving out the paths `skip` says (a scan's certainly clean entries, see scan/prefilter.ts). */
export function loadEntriesExcept(db: Db, skip: ((path: string) => boolean) | null, sql: string, ...params: unknown[]): Map<string, EntryState> {
  const map = new Map<string, EntryState>();
  for (const e of iterateEntries(db, skip, sql, ...params)) map.set(e.path, e);
  return map;
}

/** The rows one at a time (nothing kept), without the paths `skip` says. */
export function* iterateEntries(db: Db, skip: ((path: string) => boolean) | null, sql: string, ...params: unknown[]): Generator<EntryState> {
  const extras = new Map<string, Partial<EntryAttributes>>();
  type Raw = [Buffer, EntryAttributes['type'], string, number, number, string, string, number, string, string, string, number, string | null, Buffer | null, string | null, string | null, string | null];
  for (const r of db.prepare(sql).raw(true).iterate(...params) as IterableIterator<Raw>) {
    const path = r[0].toString('latin1');
    if (skip?.(path)) continue;
    let extra: Partial<EntryAttributes> | undefined;
    if (r[16] !== null) {
      extra = extras.get(r[16]);
      if (!extra) {
        extra = JSON.parse(r[16]) as Partial<EntryAttributes>;
        if (extras.size < 10000) extras.set(r[16], extra);
      }
    }
    const attrs: EntryAttributes = {
      type: r[1], mode: r[2], uid: r[3], gid: r[4], owner: r[5], group: r[6], size: r[7], mtime: r[8], ctime: r[9], inode: Number(r[10]), nlink: r[11],
      device: r[12], target: r[13] === null ? null : r[13].toString('latin1'), sha256: r[14],
      xattrs: extra?.xattrs, acl: extra?.acl, caps: extra?.caps, selinux: extra?.selinux, flags: extra?.flags, content: extra?.content,
    };
    yield { path, error: r[15], attrs };
  }
}

/** Entry JSON for events (the internal byte-string form, exact). */
export function entryToJson(e: EntryState | null): string | null {
  return e === null ? null : JSON.stringify(e);
}

export function entryFromJson(json: string | null): EntryState | null {
  return json === null ? null : (JSON.parse(json) as EntryState);
}
