// EntryState as JSON (events, per-server accepts), and as the rows of the tables that held entries
// before migration 7 (baseline_entries, self_entries: read by that migration, which packs them).
import { EXTENDED_ATTRIBUTES, TOOL_ATTRIBUTES, type AttributeName, type CoreAttribute } from '../../shared/attributes.js';
import type { EntryAttributes } from '../../shared/domain.js';
import { byteStringFromBuffer, type EntryState } from '../model/entry.js';

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

/**
 * The attributes beyond stat(2) and kept content, as they travel in extra_json and in a pack's
 * extra (its keys in the table's order, attributes.ts): a key absent there was not checked.
 */
export type Extra = Partial<Pick<EntryAttributes, Exclude<AttributeName, CoreAttribute>>>;

export function extraJson(a: Extra): string | null {
  let extra: Record<string, unknown> | null = null;
  for (const k of EXTENDED_ATTRIBUTES) if (a[k] !== undefined) (extra ??= {})[k] = a[k];
  return extra === null ? null : JSON.stringify(extra);
}

/** The tool attributes' values (TOOL_ATTRIBUTES order) as a key: absent, none and each text apart. */
export function extraKey(values: readonly (string | null | undefined)[]): string {
  return values.map((v) => (v === undefined ? 'u' : v === null ? 'n' : `s${v}`)).join('\0');
}

/**
 * The row values of an entry (ENTRY_FIELDS, in that order). With `extras`, the extra_json of
 * entries alike (most: no attribute beyond stat(2) set, no content) is made once.
 */
export function entryValues(e: EntryState, extras?: Map<string, string | null>): unknown[] {
  const a = e.attrs;
  let extra: string | null;
  if (extras && a.content === undefined) {
    const key = extraKey(TOOL_ATTRIBUTES.map((name) => a[name]));
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
    path: byteStringFromBuffer(r.path, 0, r.path.length),
    error: r.error,
    attrs: {
      type: r.type, mode: r.mode, uid: r.uid, gid: r.gid, owner: r.owner, group: r.grp, size: r.size, mtime: r.mtime, ctime: r.ctime,
      inode: Number(r.inode), nlink: r.nlink, device: r.device, target: r.target === null ? null : r.target.toString('latin1'), sha256: r.sha256,
      ...(r.extra_json ? (JSON.parse(r.extra_json) as Partial<EntryAttributes>) : {}),
    },
  };
}

/** Entry JSON for events (the internal byte-string form, exact). */
export function entryToJson(e: EntryState | null): string | null {
  return e === null ? null : JSON.stringify(e);
}

export function entryFromJson(json: string | null): EntryState | null {
  return json === null ? null : (JSON.parse(json) as EntryState);
}
