// The pack format: a run of entries sorted by path, encoded into one BLOB (see pack-store.ts).
//
//   u8 version (2) · u32 CRC-32 (little-endian) of every byte after it · varint count · varint
//   nstrings · nstrings × (varint length, UTF-8 bytes) · entries
//
// Version 1 (packs written before the checksum) is the same without the CRC: it is still read,
// and checked by decoding it whole (checkPack).
//
// An entry: varint shared-prefix length with the previous path · varint suffix length · suffix
// bytes · varint flags · u8 type · mode, owner, group as string-table indices · uid, gid, size as
// numbers · mtime, ctime (seconds and nanoseconds as numbers, or a string-table index for a time
// in another form) · inode, nlink as numbers · then, as the flags say: 32 sha256 bytes, the
// symlink target (varint length, bytes), device, error and extra (string-table indices; extra is
// the JSON of the attributes beyond stat(2) and kept content, as the old extra_json column).
// A number is a varint of 2·n for a safe integer n ≥ 0, else varint 1 then a float64; an inode
// beyond 2^53 - 1 is instead a string-table index (flag F_INODE_TEXT), so it stays exact.
//
// Reading fills one reusable EntryFields per entry (nothing allocated: the strings of a pack are
// decoded once), so that a scan compares a million stored entries with its table without making
// a million objects; only the entries that differ are made into EntryState (state()).
import zlib from 'node:zlib';
import type { EntryAttributes, EntryType, Inode } from '../../../shared/domain.js';
import { byteStringFromBuffer, type ByteString, type EntryState } from '../../model/entry.js';
import { formatTime, parsedTime, parseTime } from '../../model/time.js';
import { extraJson, type Extra } from '../entries.js';

export const PACK_VERSION = 2;
/** Packs written before the checksum: read, and checked by decoding them whole. */
const PACK_VERSION_UNCHECKED = 1;
/** Where a pack's entries' header (count) starts, by version. */
const BODY_AT: Record<number, number> = { [PACK_VERSION_UNCHECKED]: 1, [PACK_VERSION]: 5 };

const TYPES: EntryType[] = ['file', 'directory', 'symlink', 'block', 'char', 'fifo', 'socket', 'unknown'];
const TYPE_CODE = new Map<string, number>(TYPES.map((t, i) => [t, i]));

const F_SHA = 1;
const F_TARGET = 2;
const F_DEVICE = 4;
const F_ERROR = 8;
const F_EXTRA = 16;
const F_MTIME_TEXT = 32;
const F_CTIME_TEXT = 64;
const F_SHA_TEXT = 128;
/** An inode beyond 2^53 - 1, kept exact as its decimal text (a string-table index). */
const F_INODE_TEXT = 256;

const SHA_HEX = /^[0-9a-f]{64}$/;

const extraCache = new Map<string, Extra>();
/** The parsed extra JSON, shared (read-only): a large set has few distinct ones. */
export function parseExtra(json: string): Extra {
  let x = extraCache.get(json);
  if (!x) {
    x = JSON.parse(json) as Extra;
    if (extraCache.size >= 10000) extraCache.clear();
    extraCache.set(json, x);
  }
  return x;
}

/** One entry's fields as packs hold them: a reusable struct, filled by a reader or by its producer. */
export class EntryFields {
  /** The path's bytes (reading): pathBuf[0 .. pathLen). */
  pathBuf = Buffer.alloc(4096);
  pathLen = 0;
  /** Reading: the entry's pack and where in it (PackReader.pathAt, fieldsAt), to read it again later. */
  pack: PackReader | null = null;
  at = 0;
  type: EntryType = 'unknown';
  mode = '';
  uid = 0;
  gid = 0;
  owner = '';
  group = '';
  size = 0;
  /** A time in the canonical form (SECONDS.NNNNNNNNN) as two numbers; any other form as its text. */
  mtimeS = 0;
  mtimeN = 0;
  mtimeText: string | null = null;
  ctimeS = 0;
  ctimeN = 0;
  ctimeText: string | null = null;
  inode: Inode = 0;
  nlink = 0;
  device: string | null = null;
  target: string | null = null;
  /** sha256 bytes at sha[shaAt .. shaAt + 32), or shaText for a value that is not 64 hex digits. */
  sha: Uint8Array | null = null;
  shaAt = 0;
  shaText: string | null = null;
  error: string | null = null;
  /** JSON of the attributes beyond stat(2) and the kept content (null: none checked, no content). */
  extra: string | null = null;

  path(): ByteString {
    return byteStringFromBuffer(this.pathBuf, 0, this.pathLen);
  }
  mtime(): string {
    return this.mtimeText ?? formatTime(this.mtimeS, this.mtimeN);
  }
  ctime(): string {
    return this.ctimeText ?? formatTime(this.ctimeS, this.ctimeN);
  }
  sha256(): string | null {
    if (this.sha === null) return this.shaText;
    return Buffer.from(this.sha.buffer, this.sha.byteOffset + this.shaAt, 32).toString('hex');
  }
  /** An attribute beyond stat(2) or the content: undefined when not checked. */
  ext<K extends keyof Extra>(k: K): Extra[K] {
    return this.extra === null ? undefined : parseExtra(this.extra)[k];
  }
  attrs(): EntryAttributes {
    const x = this.extra === null ? undefined : parseExtra(this.extra);
    return {
      type: this.type, mode: this.mode, uid: this.uid, gid: this.gid, owner: this.owner, group: this.group, size: this.size,
      mtime: this.mtime(), ctime: this.ctime(), inode: this.inode, nlink: this.nlink, device: this.device, target: this.target,
      sha256: this.sha256(), xattrs: x?.xattrs, acl: x?.acl, caps: x?.caps, selinux: x?.selinux, flags: x?.flags, content: x?.content,
    };
  }
  /** The entry as a new object. */
  state(): EntryState {
    return { path: this.path(), attrs: this.attrs(), error: this.error };
  }

  /** Takes an EntryState's values (the path is given to the writer apart). */
  fromState(e: EntryState, extra: string | null = extraJson(e.attrs)): this {
    const a = e.attrs;
    this.type = a.type;
    this.mode = a.mode;
    this.uid = a.uid;
    this.gid = a.gid;
    this.owner = a.owner;
    this.group = a.group;
    this.size = a.size;
    if (parseTime(a.mtime)) [this.mtimeS, this.mtimeN, this.mtimeText] = [parsedTime.s, parsedTime.n, null];
    else this.mtimeText = a.mtime;
    if (parseTime(a.ctime)) [this.ctimeS, this.ctimeN, this.ctimeText] = [parsedTime.s, parsedTime.n, null];
    else this.ctimeText = a.ctime;
    this.inode = a.inode;
    this.nlink = a.nlink;
    this.device = a.device;
    this.target = a.target;
    if (a.sha256 !== null && SHA_HEX.test(a.sha256)) {
      this.sha = Buffer.from(a.sha256, 'hex');
      this.shaAt = 0;
      this.shaText = null;
    } else [this.sha, this.shaText] = [null, a.sha256];
    this.error = e.error;
    this.extra = extra;
    this.pack = null;
    return this;
  }
}

/** Byte order of two byte strings (latin1: one char per byte, so code-unit order is byte order). */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---- writing ------------------------------------------------------------------------------------

/** Encodes entries, given in strictly increasing path order, into one pack. */
export class PackEncoder {
  private buf = Buffer.allocUnsafe(1 << 16);
  private at = 0;
  private strings = new Map<string, number>();
  private list: string[] = [];
  private prev = Buffer.allocUnsafe(4096);
  private prevLen = 0;
  private scratch = Buffer.allocUnsafe(4096);
  count = 0;

  /** The first path of the pack (null while empty). */
  first: Buffer | null = null;

  add(path: ByteString, f: EntryFields): void {
    if (path.length > this.scratch.length) this.scratch = Buffer.allocUnsafe(path.length * 2);
    const n = this.scratch.write(path, 0, 'latin1');
    this.addBytes(this.scratch, 0, n, f);
  }

  /** add(), the path being src[start .. end). */
  addBytes(src: Uint8Array, start: number, end: number, f: EntryFields): void {
    const len = end - start;
    // Front coding: what this path shares with the previous one is not written again.
    const prev = this.prev;
    const max = this.prevLen < len ? this.prevLen : len;
    let pre = 0;
    while (pre < max && prev[pre] === src[start + pre]) pre++;
    if (this.count > 0 && (pre === len || (pre < this.prevLen && src[start + pre]! < prev[pre]!))) {
      throw new Error(`pack entries out of order: ${JSON.stringify(Buffer.from(src.subarray(start, end)).toString('latin1'))}`);
    }
    const extraBytes = (f.target === null ? 0 : f.target.length + 5) + 32 + 9 * 8 + 8 * 5;
    this.room(len - pre + extraBytes);
    this.varint(pre);
    this.varint(len - pre);
    const buf = this.buf;
    for (let k = start + pre, to = this.at; k < end; k++, to++) buf[to] = src[k]!;
    this.at += len - pre;
    if (len > this.prev.length) {
      const grown = Buffer.allocUnsafe(len * 2);
      this.prev.copy(grown, 0, 0, pre);
      this.prev = grown;
    }
    for (let k = start + pre, to = pre; k < end; k++, to++) this.prev[to] = src[k]!;
    this.prevLen = len;
    if (this.count === 0) this.first = Buffer.from(src.subarray(start, end));
    let flags = 0;
    if (f.sha !== null) flags |= F_SHA;
    else if (f.shaText !== null) flags |= F_SHA_TEXT;
    if (f.target !== null) flags |= F_TARGET;
    if (f.device !== null) flags |= F_DEVICE;
    if (f.error !== null) flags |= F_ERROR;
    if (f.extra !== null) flags |= F_EXTRA;
    if (f.mtimeText !== null) flags |= F_MTIME_TEXT;
    if (f.ctimeText !== null) flags |= F_CTIME_TEXT;
    if (typeof f.inode === 'string') flags |= F_INODE_TEXT;
    this.varint(flags);
    this.buf[this.at++] = TYPE_CODE.get(f.type) ?? 7;
    this.varint(this.str(f.mode, 0));
    this.varint(this.str(f.owner, 1));
    this.varint(this.str(f.group, 2));
    this.num(f.uid);
    this.num(f.gid);
    this.num(f.size);
    if (f.mtimeText !== null) this.varint(this.str(f.mtimeText));
    else {
      this.num(f.mtimeS);
      this.num(f.mtimeN);
    }
    if (f.ctimeText !== null) this.varint(this.str(f.ctimeText));
    else {
      this.num(f.ctimeS);
      this.num(f.ctimeN);
    }
    if (typeof f.inode === 'string') this.varint(this.str(f.inode));
    else this.num(f.inode);
    this.num(f.nlink);
    if (f.sha !== null) {
      const sha = f.sha;
      const buf = this.buf;
      for (let k = 0, at = f.shaAt, to = this.at; k < 32; k++) buf[to + k] = sha[at + k]!;
      this.at += 32;
    } else if (f.shaText !== null) this.varint(this.str(f.shaText));
    if (f.target !== null) {
      this.varint(f.target.length);
      this.at += this.buf.write(f.target, this.at, 'latin1');
    }
    if (f.device !== null) this.varint(this.str(f.device));
    if (f.error !== null) this.varint(this.str(f.error));
    if (f.extra !== null) this.varint(this.str(f.extra, 3));
    this.count++;
  }

  /** The pack's bytes; the encoder is empty again. */
  finish(): Buffer {
    let head = 5 + 10 + 10;
    const encoded = this.list.map((s) => Buffer.from(s, 'utf8'));
    for (const e of encoded) head += e.length + 5;
    const out = Buffer.allocUnsafe(head + this.at);
    let at = 0;
    out[at] = PACK_VERSION;
    at = 5;
    at = writeVarint(out, at, this.count);
    at = writeVarint(out, at, encoded.length);
    for (const e of encoded) {
      at = writeVarint(out, at, e.length);
      out.set(e, at);
      at += e.length;
    }
    this.buf.copy(out, at, 0, this.at);
    at += this.at;
    this.at = 0;
    this.strings = new Map();
    this.list = [];
    this.lastString = [];
    this.lastIndex = [];
    this.prevLen = 0;
    this.count = 0;
    this.first = null;
    out.writeUInt32LE(zlib.crc32(out.subarray(5, at)), 1);
    return out.subarray(0, at);
  }

  /** The string's index in the pack's table; `slot`: a field whose last value is looked at first. */
  private str(s: string, slot = -1): number {
    if (slot >= 0 && this.lastString[slot] === s) return this.lastIndex[slot]!;
    let i = this.strings.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.strings.set(s, i);
      this.list.push(s);
    }
    if (slot >= 0) [this.lastString[slot], this.lastIndex[slot]] = [s, i];
    return i;
  }
  private lastString: (string | undefined)[] = [];
  private lastIndex: number[] = [];

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  private varint(v: number): void {
    this.at = writeVarint(this.buf, this.at, v);
  }

  private num(v: number): void {
    if (Number.isSafeInteger(v) && v >= 0 && v <= 2 ** 52) this.varint(v * 2);
    else {
      this.buf[this.at++] = 1;
      this.buf.writeDoubleLE(v, this.at);
      this.at += 8;
    }
  }
}

function writeVarint(buf: Buffer, at: number, v: number): number {
  while (v > 0xffffffff) {
    buf[at++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  // Below 2^32: unsigned shifts.
  while (v >= 0x80) {
    buf[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[at++] = v;
  return at;
}

// ---- reading ------------------------------------------------------------------------------------

/** Calls `fn` with each entry of a pack, in path order, in the same `f` (valid during the call only). */
export function forEachInPack(data: Buffer, f: EntryFields, fn: (f: EntryFields) => void): number {
  const r = new PackReader(data);
  for (let i = 0; i < r.count; i++) {
    r.next(f);
    fn(f);
  }
  return r.count;
}

/** Each entry of the packs, in their order, through one EntryFields. */
export function forEachInPacks(packs: Iterable<Buffer>, fn: (f: EntryFields) => void): void {
  const f = new EntryFields();
  for (const data of packs) forEachInPack(data, f, fn);
}

/**
 * Why a pack cannot be trusted (null: it can): a checksum that does not match, or, for a pack
 * without one (version 1) or with `whole`, anything its decoding meets that an encoder never
 * writes (a field past its end, a string index out of the table, paths out of order).
 */
export function checkPack(data: Buffer, whole = false): string | null {
  if (data.length < 1) return 'empty';
  if (data[0] === PACK_VERSION) {
    if (data.length < 5) return 'truncated';
    const stored = data.readUInt32LE(1);
    const actual = zlib.crc32(data.subarray(5));
    if (stored !== actual) return `checksum mismatch (stored ${hex32(stored)}, computed ${hex32(actual)})`;
    if (!whole) return null;
  } else if (data[0] !== PACK_VERSION_UNCHECKED) return `unknown pack version ${data[0]}`;
  try {
    return new PackReader(data).check();
  } catch (err) {
    return `cannot be decoded: ${(err as Error).message}`;
  }
}

const hex32 = (n: number) => n.toString(16).padStart(8, '0');

/** Reads a pack entry by entry into an EntryFields. */
export class PackReader {
  private at = 0;
  readonly count: number;
  private readonly strings: string[];

  constructor(private readonly data: Buffer) {
    const at = BODY_AT[data[0] ?? -1];
    if (at === undefined) throw new Error(`unknown entry pack version ${data[0]}`);
    this.at = at;
    this.count = this.varint();
    const n = this.varint();
    this.strings = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const len = this.varint();
      this.strings[i] = data.toString('utf8', this.at, this.at + len);
      this.at += len;
    }
  }

  /** Decodes every entry, checking what checkPack says; the reader is spent. */
  check(): string | null {
    const d = this.data;
    if (!Number.isSafeInteger(this.count) || !(this.at <= d.length)) return 'its header is damaged';
    const f = new EntryFields();
    let prev = Buffer.alloc(0);
    for (let i = 0; i < this.count; i++) {
      this.next(f);
      if (!(this.at <= d.length)) return `entry ${i + 1} of ${this.count} runs past the end of the pack`;
      if ([f.mode, f.owner, f.group].some((x) => x === undefined) || [f.uid, f.gid, f.size, f.inode, f.nlink].some((x) => Number.isNaN(x))) {
        return `entry ${i + 1} of ${this.count} is damaged`;
      }
      const path = f.pathBuf.subarray(0, f.pathLen);
      if (i > 0 && Buffer.compare(prev, path) >= 0) return `entry ${i + 1} of ${this.count} is out of path order`;
      prev = Buffer.from(path);
    }
    const extra = d.length - this.at;
    return extra === 0 ? null : `${extra} byte${extra === 1 ? '' : 's'} after its last entry`;
  }

  next(f: EntryFields): void {
    f.pack = this;
    f.at = this.at;
    this.path(f);
    this.fields(f);
  }

  /**
   * The path of the entry at `at` (EntryFields.at) into f, which holds the path of the entry
   * before it in this pack (the first one shares nothing with it).
   */
  pathAt(at: number, f: EntryFields): EntryFields {
    const from = this.at;
    this.at = at;
    this.path(f);
    this.at = from;
    return f;
  }

  /** The fields (all but the path) of the entry at `at` (EntryFields.at) into f. */
  fieldsAt(at: number, f: EntryFields): EntryFields {
    const from = this.at;
    this.at = at;
    this.varint();
    const len = this.varint();
    this.at += len;
    this.fields(f);
    this.at = from;
    return f;
  }

  private path(f: EntryFields): void {
    const d = this.data;
    const pre = this.varint();
    const len = this.varint();
    if (pre + len > f.pathBuf.length) {
      const grown = Buffer.alloc(Math.max(pre + len, f.pathBuf.length * 2));
      f.pathBuf.copy(grown, 0, 0, pre);
      f.pathBuf = grown;
    }
    const path = f.pathBuf;
    for (let k = 0, from = this.at; k < len; k++) path[pre + k] = d[from + k]!;
    this.at += len;
    f.pathLen = pre + len;
  }

  private fields(f: EntryFields): void {
    const d = this.data;
    const flags = this.varint();
    f.type = TYPES[d[this.at++]!] ?? 'unknown';
    const s = this.strings;
    f.mode = s[this.varint()]!;
    f.owner = s[this.varint()]!;
    f.group = s[this.varint()]!;
    f.uid = this.num();
    f.gid = this.num();
    f.size = this.num();
    if (flags & F_MTIME_TEXT) f.mtimeText = s[this.varint()]!;
    else {
      f.mtimeText = null;
      f.mtimeS = this.num();
      f.mtimeN = this.num();
    }
    if (flags & F_CTIME_TEXT) f.ctimeText = s[this.varint()]!;
    else {
      f.ctimeText = null;
      f.ctimeS = this.num();
      f.ctimeN = this.num();
    }
    f.inode = flags & F_INODE_TEXT ? s[this.varint()]! : this.num();
    f.nlink = this.num();
    f.shaText = null;
    if (flags & F_SHA) {
      f.sha = d;
      f.shaAt = this.at;
      this.at += 32;
    } else {
      f.sha = null;
      if (flags & F_SHA_TEXT) f.shaText = s[this.varint()]!;
    }
    if (flags & F_TARGET) {
      const n = this.varint();
      f.target = d.toString('latin1', this.at, this.at + n);
      this.at += n;
    } else f.target = null;
    f.device = flags & F_DEVICE ? s[this.varint()]! : null;
    f.error = flags & F_ERROR ? s[this.varint()]! : null;
    f.extra = flags & F_EXTRA ? s[this.varint()]! : null;
  }

  private varint(): number {
    const d = this.data;
    let b = d[this.at++]!;
    if (b < 0x80) return b;
    let v = b & 0x7f;
    let scale = 0x80;
    do {
      b = d[this.at++]!;
      v += (b & 0x7f) * scale;
      scale *= 0x80;
    } while (b >= 0x80);
    return v;
  }

  private num(): number {
    const v = this.varint();
    if (v !== 1) return v / 2;
    const x = this.data.readDoubleLE(this.at);
    this.at += 8;
    return x;
  }
}
