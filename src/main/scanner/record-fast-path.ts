// The parser's fast paths: an E record or a plain hash line wholly inside one chunk, read from its
// bytes without a string made per field. They are the bulk of a stream (millions of entries);
// anything unusual (every error included) returns -1, and the general path (record-parser.ts)
// reads it again, field by field.
import type { EntryType } from '../../shared/domain.js';
import { MAX_FIELD, type RawEntry, type ScanRecordEvent } from './protocol.js';
import { FIND_TYPES, utf8 } from './record-decoders.js';
import { byteStringFromBuffer } from '../model/entry.js';
import { parsedTime, timeFromBytes, timeTextFromBytes } from '../model/time.js';

const NUL = 0x00;
const LF = 0x0a;

/** An E record wholly in `chunk` at `start`: emitted, and the index after it; -1 to take the general path. */
export function fastEntry(chunk: Buffer, start: number, emit: (record: ScanRecordEvent) => void, raw?: (entry: RawEntry) => boolean): number {
  const at = FAST_AT;
  let pos = start + 2;
  const end = chunk.length;
  for (let k = 0; k < 13; k++) {
    // Fields are short: a loop finds their end faster than a native indexOf call each.
    let nul = pos;
    while (nul < end && chunk[nul] !== NUL) nul++;
    if (nul === end || nul - pos > MAX_FIELD) return -1;
    at[k] = pos;
    pos = nul + 1;
  }
  at[13] = pos;
  // Field k spans at[k] .. at[k + 1] - 1 (its NUL).
  const target = digits(chunk, at[0]!, at[1]! - 1);
  const type = at[3]! - at[2]! === 2 ? BYTE_TYPES[chunk[at[2]!]!] : undefined;
  const modeValue = octal(chunk, at[3]!, at[4]! - 1);
  const uid = digits(chunk, at[4]!, at[5]! - 1);
  const gid = digits(chunk, at[5]!, at[6]! - 1);
  const size = digits(chunk, at[6]!, at[7]! - 1);
  const nlink = digits(chunk, at[10]!, at[11]! - 1);
  if (target < 0 || !type || modeValue < 0 || uid < 0 || gid < 0 || size < 0 || nlink < 0 || digits(chunk, at[9]!, at[10]! - 1) < 0) return -1;
  if (chunk[at[1]!] !== 0x2f) return -1; // not absolute: the general path says so
  if (raw && timeFromBytes(chunk, at[7]!, at[8]! - 1)) {
    const r = RAW;
    r.mtimeS = parsedTime.s;
    r.mtimeN = parsedTime.n;
    if (timeFromBytes(chunk, at[8]!, at[9]! - 1)) {
      r.ctimeS = parsedTime.s;
      r.ctimeN = parsedTime.n;
      r.chunk = chunk;
      r.at = at;
      r.target = target;
      r.type = type;
      r.mode = modeValue;
      r.uid = uid;
      r.gid = gid;
      r.size = size;
      r.nlink = nlink;
      r.inode = digits(chunk, at[9]!, at[10]! - 1);
      if (raw(r)) return at[13]!;
    }
  }
  const mtime = timeTextFromBytes(chunk, at[7]!, at[8]! - 1);
  const ctime = timeTextFromBytes(chunk, at[8]!, at[9]! - 1);
  if (mtime === null || ctime === null) return -1;
  emit({
    kind: 'entry',
    target,
    path: byteStringFromBuffer(chunk, at[1]!, at[2]! - 1),
    type,
    mode: modeString(modeValue),
    uid,
    gid,
    size,
    mtime,
    ctime,
    inode: chunk.toString('latin1', at[9]!, at[10]! - 1),
    nlink,
    link: type === 'symlink' ? byteStringFromBuffer(chunk, at[11]!, at[12]! - 1) : null,
    device: null,
    error: at[13]! - 1 > at[12]! ? utf8(chunk.toString('latin1', at[12]!, at[13]! - 1)) : null,
  });
  return at[13]!;
}

/** A plain hash line wholly in `chunk` ("<64 hex> *PATH" or "<64 hex>  PATH"); -1 for the general path. */
export function fastHashLine(chunk: Buffer, start: number, emit: (record: ScanRecordEvent) => void): number {
  // The newline, by a loop (faster than native indexOf calls for a short line). A NUL before it
  // ends the section: the general path handles it.
  const end = chunk.length;
  let lf = start;
  while (lf < end && chunk[lf] !== LF && chunk[lf] !== NUL) lf++;
  if (lf === end || chunk[lf] !== LF || lf - start < 67 || lf - start > MAX_FIELD) return -1;
  for (let i = start; i < start + 64; i++) if (!HEX_BYTE[chunk[i]!]) return -1;
  if (chunk[start + 64] !== 0x20 || (chunk[start + 65] !== 0x2a && chunk[start + 65] !== 0x20) || chunk[start + 66] !== 0x2f) return -1;
  emit({ kind: 'hash', path: byteStringFromBuffer(chunk, start + 66, lf), sha256: chunk.toString('latin1', start, start + 64) });
  return lf + 1;
}

const FAST_AT = new Int32Array(14);
const BYTE_TYPES: (EntryType | undefined)[] = [];
for (const [letter, type] of Object.entries(FIND_TYPES)) BYTE_TYPES[letter.charCodeAt(0)] = type;
const HEX_BYTE = new Uint8Array(256);
for (const c of '0123456789abcdef') HEX_BYTE[c.charCodeAt(0)] = 1;
const MODES: string[] = [];

/** A decimal field as a number, or -1 (empty, not digits, or beyond 2^53). */
function digits(b: Buffer, from: number, to: number): number {
  if (to <= from || to - from > 15) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = b[i]! - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

function octal(b: Buffer, from: number, to: number): number {
  if (to <= from || to - from > 4) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = b[i]! - 0x30;
    if (d < 0 || d > 7) return -1;
    n = n * 8 + d;
  }
  return n;
}

/** Four octal digits, one shared string per mode. */
function modeString(m: number): string {
  return (MODES[m] ??= m.toString(8).padStart(4, '0'));
}

const RAW: RawEntry = {
  chunk: Buffer.alloc(0), at: FAST_AT, target: 0, type: 'file', mode: 0, uid: 0, gid: 0, size: 0, nlink: 0, inode: 0,
  mtimeS: 0, mtimeN: 0, ctimeS: 0, ctimeN: 0,
};
