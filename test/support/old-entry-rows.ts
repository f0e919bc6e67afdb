// Entries as rows of the tables that held them before migration 7 (baseline_entries,
// self_entries): the migration's test writes an older store with these.
import type { EntryState } from '../../src/main/model/entry.js';
import { extraJson } from '../../src/main/store/entries.js';

export const ENTRY_FIELDS = 'path, type, mode, uid, gid, owner, grp, size, mtime, ctime, inode, nlink, device, target, sha256, error, extra_json';
export const ENTRY_PLACEHOLDERS = ENTRY_FIELDS.split(',').map(() => '?').join(', ');

/** The row values of an entry (ENTRY_FIELDS, in that order). */
export function entryValues(e: EntryState): unknown[] {
  const a = e.attrs;
  return [
    Buffer.from(e.path, 'latin1'), a.type, a.mode, a.uid, a.gid, a.owner, a.group, a.size, a.mtime, a.ctime, String(a.inode), a.nlink,
    a.device, a.target === null ? null : Buffer.from(a.target, 'latin1'), a.sha256, e.error, extraJson(a),
  ];
}
