// The scanner's record protocol (docs/scanner-protocol.md) as the engine sees it: its version,
// the records a stream parses into, and the error a stream that is not exactly the protocol
// raises (a malformed or truncated stream fails the scan).
import type { ByteString } from '../model/entry.js';
import type { EntryType } from '../../shared/domain.js';

/** The protocol this engine speaks: sent to the scanner, which refuses any other, and checked in its V record. */
export const PROTOCOL_VERSION = '4';

// A field longer than this is not a path (PATH_MAX is 4096) nor anything else the script prints;
// the text of a batch (X, L) may hold up to this much per name.
export const MAX_FIELD = 65536;

export class ScanStreamError extends Error {
  constructor(message: string) {
    super(`malformed scanner output: ${message}`);
    this.name = 'ScanStreamError';
  }
}

/** An entry's metadata record (E, or a line of a stat batch X). */
export interface MetaRecord {
  kind: 'entry';
  target: number;
  path: ByteString;
  type: EntryType;
  mode: string;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch with nine fraction digits, e.g. "1732824813.123456789". */
  mtime: string;
  ctime: string;
  inode: string;
  nlink: number;
  link: ByteString | null;
  /** "major:minor" (decimal) of devices when the record carries it (stat path), else null. */
  device: string | null;
  error: string | null;
}

/**
 * An E record as the parser's fast path read it, handed over without a string made per field
 * (EntryTable.addRaw): one object, filled again for each record, so a taker keeps nothing of it.
 * Its times are canonical (seconds from 0 to 2^32 - 1 and nanoseconds); any other form, like any
 * record the taker refuses, comes as a MetaRecord instead.
 */
export interface RawEntry {
  /** The bytes the record lies in: field k at chunk[at[k] .. at[k + 1] - 1), 1 the path, 11 the link target, 12 the error. */
  chunk: Buffer;
  at: Int32Array;
  target: number;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  nlink: number;
  inode: number;
  mtimeS: number;
  mtimeN: number;
  ctimeS: number;
  ctimeN: number;
}

export type ScanRecordEvent =
  | { kind: 'fact'; key: string; value: string }
  | { kind: 'user' | 'group'; id: number; name: string }
  | { kind: 'target'; target: number; state: 'ok' | 'missing' }
  /** A walk ended: find's exit status. */
  | { kind: 'walk-end'; target: number; status: number }
  | MetaRecord
  | { kind: 'device'; path: ByteString; device: string }
  | { kind: 'hash'; path: ByteString; sha256: string }
  /** A file the host could not hash, with the host's own reason (gone, not regular, not readable). */
  | { kind: 'unhashed'; path: ByteString; reason: string }
  /** getfattr: every extended attribute of one entry (name as getfattr prints it, value hex). */
  | { kind: 'xattrs'; path: ByteString; attrs: [string, string][] }
  /** getfacl --skip-base: the ACL entries of one entry that has more than the base ACL. */
  | { kind: 'acl'; path: ByteString; acl: string }
  | { kind: 'caps'; path: ByteString; caps: string }
  /** lsattr: the flag letters set ('' for none). */
  | { kind: 'flags'; path: ByteString; flags: string }
  | { kind: 'content'; path: ByteString; bytes: Buffer | null }
  /** The perl reader answered for this entry (a K record), whatever it found: the pass is counted. */
  | { kind: 'attributes-read'; path: ByteString }
  | { kind: 'end' };
