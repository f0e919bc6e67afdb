// The entries of one scan, kept in columns (typed arrays, a path index, sparse maps for what
// few entries have) rather than one object graph per entry: a scan of a million entries then
// holds ~150 bytes per entry instead of ~600. Entries are materialized (ScannedEntry objects)
// only when asked for, and never kept: the table is a read-only Map to its users.
//
// Paths are kept as bytes (path-column.ts), and their index (a hash table over the bytes) is made
// only when something asks for a path: hash lines that follow the entries' order are matched by a
// cursor. At a million entries a Map of path strings alone cost more than a second and ~100 MB.
import { inodeValue, type AttributeName, type EntryAttributes, type EntryType, type FileContent, type Inode } from '../../shared/domain.js';
import { parseExtra, type EntryFields } from '../store/packs/codec.js';
import { PathColumn } from '../model/path-column.js';
import type { ByteString } from '../model/entry.js';
import type { MetaRecord, RawEntry } from './records.js';

export interface ScannedEntry {
  path: ByteString;
  /** Indices of the walks (plan.walks) that found it. */
  walks: number[];
  attrs: EntryAttributes;
  error: string | null;
}

/** The attributes beyond stat(2) an entry keeps (content aside), in the order of the pack's extra JSON. */
export const EXT_KEYS = ['xattrs', 'acl', 'caps', 'selinux', 'flags'] as const;
export type ExtKey = (typeof EXT_KEYS)[number];
type ExtValues = Partial<Record<ExtKey, string | null>>;

const TYPES: EntryType[] = ['file', 'directory', 'symlink', 'block', 'char', 'fifo', 'socket', 'unknown'];
const TYPE_CODE = new Map<EntryType, number>(TYPES.map((t, i) => [t, i]));
const FILE = 0;
const DIRECTORY = 1;
const OVERFLOW = 0xffff;
const BIG_SIZE = 0xffffffff;
const MODES: string[] = [];
const MODE_VALUES = new Map<string, number>();
/** parseInt(mode, 8), remembered: a scan has few distinct modes. */
function modeValue(mode: string): number {
  let v = MODE_VALUES.get(mode);
  if (v === undefined) {
    v = parseInt(mode, 8);
    if (MODE_VALUES.size < 4096) MODE_VALUES.set(mode, v);
  }
  return v;
}
const modeString = (m: number) => (MODES[m] ??= m.toString(8).padStart(4, '0'));
const HEX_VALUE = new Uint8Array(128).fill(255);
for (let d = 0; d < 16; d++) HEX_VALUE['0123456789abcdef'.charCodeAt(d)] = d;

/** Parses a canonical time (SECONDS.NNNNNNNNN) into TIME_S / TIME_N; false for any other form. */
let TIME_S = 0;
let TIME_N = 0;
function parseTime(s: string): boolean {
  const d = s.length - 10;
  if (d < 1 || s.charCodeAt(d) !== 46) return false;
  let n = 0;
  for (let k = d + 1; k < s.length; k++) {
    const c = s.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return false;
    n = n * 10 + c;
  }
  let k = 0;
  const neg = s.charCodeAt(0) === 45;
  if (neg) k = 1;
  if (k >= d) return false;
  if (s.charCodeAt(k) === 48) {
    if (neg || d !== 1) return false;
    TIME_S = 0;
    TIME_N = n;
    return true;
  }
  if (d - k > 15) return false;
  let v = 0;
  for (; k < d; k++) {
    const c = s.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return false;
    v = v * 10 + c;
  }
  TIME_S = neg ? -v : v;
  TIME_N = n;
  return true;
}


// Row bits: what the row has, and which sparse maps hold it.
const HAS_SHA = 1;
/** lsattr answered (the flags are known, maybe none). */
const FLAGS_READ = 2;
const HAS_ERROR = 4;
const HAS_EXT = 8;
const HAS_TIMES = 16;
const HAS_LINK = 32;
const HAS_DEVICE = 64;
const HAS_WALKS = 128;

/** One bit per attribute sameAsStored compares itself; SLOW for any other. */
const ATTR_BIT: Partial<Record<AttributeName, number>> = {};
for (const [k, name] of (['type', 'mode', 'uid', 'gid', 'owner', 'group', 'size', 'mtime', 'ctime', 'inode', 'nlink', 'sha256', 'target', 'device', ...EXT_KEYS] as const).entries()) {
  ATTR_BIT[name] = 1 << k;
}
const A = ATTR_BIT as Record<Exclude<AttributeName, 'content'>, number>;
const EXT_BITS = A.xattrs | A.acl | A.caps | A.selinux | A.flags;
const SLOW = 1 << 30;
const MASKS = new WeakMap<readonly AttributeName[], number>();
/** The bits of a list of names (lists are few and reused: remembered). */
function maskOf(names: readonly AttributeName[]): number {
  let m = MASKS.get(names);
  if (m === undefined) {
    m = 0;
    for (const name of names) m |= ATTR_BIT[name] ?? SLOW;
    MASKS.set(names, m);
  }
  return m;
}
const EXTRA_VALUES: (string | null | undefined)[] = [undefined, undefined, undefined, undefined, undefined];
/** The extra JSON (store/packs/codec.ts) of these values (EXT_KEYS order) and content. */
function extraText(values: readonly (string | null | undefined)[], content: FileContent | null | undefined): string | null {
  let o: Record<string, unknown> | null = null;
  for (let k = 0; k < 5; k++) if (values[k] !== undefined) (o ??= {})[EXT_KEYS[k]!] = values[k];
  if (content !== undefined) (o ??= {}).content = content;
  return o === null ? null : JSON.stringify(o);
}

/** An attribute value as part of a key: absent, none and each text apart. */
const k = (v: string | null | undefined) => (v === undefined ? 'u' : v === null ? 'n' : `s${v}`);

/** parseTime with the last text remembered: seconds `s`, nanoseconds `n` (false: not canonical, or out of range). */
class TimeCache {
  private text = '';
  private ok = false;
  s = 0;
  n = 0;
  parse(t: string): boolean {
    if (t === this.text) return this.ok;
    this.text = t;
    this.ok = parseTime(t) && TIME_S >= 0 && TIME_S <= 0xffffffff;
    this.s = TIME_S;
    this.n = TIME_N;
    return this.ok;
  }
}

export class EntryTable implements ReadonlyMap<ByteString, ScannedEntry> {
  private readonly paths = new PathColumn();
  /** How far hash lines have matched regular files in stream order. */
  private hashCursor = 0;
  private sorted: Uint32Array | null = null;
  private cap = 0;
  private n = 0;
  private type = new Uint8Array(0);
  private mode = new Uint16Array(0);
  /** Index of the row's (uid, gid) pair in `pairs` (few distinct); OVERFLOW: in `bigPairs`. */
  private pair = new Uint16Array(0);
  private readonly pairs: number[] = [];
  private readonly pairIndex = new Map<number, Map<number, number>>();
  private lastPair = -1;
  /** Values up to 65,534 (nlink) and 2^32 - 2 (size); larger ones in the sparse maps below. */
  private nlink = new Uint16Array(0);
  private sizes = new Uint32Array(0);
  private inode = new Float64Array(0);
  /** Seconds of canonical times from 0 to 2^32 - 1 (others are kept as text: `times`). */
  private mtimeS = new Uint32Array(0);
  private mtimeN = new Int32Array(0);
  private ctimeS = new Uint32Array(0);
  private ctimeN = new Int32Array(0);
  /** The walk that found the row; OVERFLOW: see `walks`. */
  private walk = new Uint16Array(0);
  private sha = new Uint8Array(0);
  /** HAS_SHA, FLAGS_READ, and which sparse maps below hold the row (a bit is cheaper than a lookup). */
  private bits = new Uint8Array(0);
  // Sparse: what few entries have.
  private readonly times = new Map<number, [string, string]>();
  private readonly links = new Map<number, ByteString>();
  private readonly devices = new Map<number, string>();
  private readonly errors = new Map<number, string>();
  private readonly walks = new Map<number, number[]>();
  private readonly bigPairs = new Map<number, [number, number]>();
  private readonly bigNlinks = new Map<number, number>();
  private readonly bigSizes = new Map<number, number>();
  /** Inodes beyond 2^53 - 1 as their exact text (the column holds -1 for them). */
  private readonly bigInodes = new Map<number, string>();
  private readonly ext = new Map<number, ExtValues>();
  private readonly contents = new Map<number, FileContent | null>();

  /** What materialized entries show for the attributes beyond stat(2) (see finish()): ATTR_BIT of those the host checked. */
  private checkedBits = 0;
  private owners: ReadonlyMap<number, string> = new Map();
  private groups: ReadonlyMap<number, string> = new Map();
  /** The names of each (uid, gid) pair, made once (finish() clears them). */
  private pairOwner: (string | undefined)[] = [];
  private pairGroup: (string | undefined)[] = [];

  /**
   * `walksMayOverlap`: two walks of the scan may find the same path (one walk never does), so
   * each new path is looked up. Without it, the path index is made only when asked for.
   */
  constructor(
    private readonly walksMayOverlap = true,
    expected = 0,
  ) {
    // Room for the entries expected, and a little more, at once: growing by copies holds the old
    // columns and the new ones together, and the old ones until a major GC. Pages never written
    // (fewer entries than expected) take no memory.
    if (expected > 0) {
      this.grow(Math.ceil(expected * 1.05) + 1024);
      this.paths.reserve(expected * 64);
    }
  }

  get size(): number {
    return this.n;
  }

  row(path: ByteString): number | undefined {
    const r = this.paths.findString(path);
    return r < 0 ? undefined : r;
  }

  /** The row of a hash line's path: the next file in stream order when it is that one. */
  rowOfHash(path: ByteString): number | undefined {
    let r = this.hashCursor;
    while (r < this.n && this.type[r] !== FILE) r++;
    if (r < this.n && this.paths.is(r, path)) {
      this.hashCursor = r + 1;
      return r;
    }
    return this.row(path);
  }

  private readonly cursors = new Map<string, number>();
  /**
   * The row of a record's path, for records that follow the entries' order (the attribute passes
   * walk as the metadata pass did): looked for a few rows past the last one this kind of record
   * matched, else in the path index.
   */
  rowInOrder(kind: string, path: ByteString, filesAndDirectories = false): number | undefined {
    const from = this.cursors.get(kind) ?? 0;
    // Records only for files and directories (lsattr, the perl reader) pass over other rows without
    // counting them: a run of symlinks (a library folder) would otherwise send each to the index.
    for (let r = from, looked = 0; r < this.n && looked < 8; r++) {
      if (filesAndDirectories && this.type[r] !== FILE && this.type[r] !== DIRECTORY) continue;
      looked++;
      if (this.paths.is(r, path)) {
        this.cursors.set(kind, r + 1);
        return r;
      }
    }
    return this.row(path);
  }

  /** Row numbers in path (byte) order; made once, after the last add. */
  sortedRows(): Uint32Array {
    if (this.sorted === null) {
      this.sorted = this.paths.sorted();
    }
    return this.sorted;
  }

  /** A path the stream gave twice for one walk (a host never does), or null. */
  duplicate(): ByteString | null {
    if (this.duplicateRow >= 0) return this.pathOf(this.duplicateRow);
    // Without overlapping walks no path is looked up as it comes: equal paths sort next to each other.
    if (this.walksMayOverlap) return null;
    const rows = this.sortedRows();
    const b = this.pathBuffer();
    for (let k = 1; k < rows.length; k++) {
      const a = rows[k - 1]!;
      const c = rows[k]!;
      if (b.compare(b, this.pathStart(a), this.pathEnd(a), this.pathStart(c), this.pathEnd(c)) === 0) return this.pathOf(c);
    }
    return null;
  }

  /** Row i's sha256 from 32 bytes at bytes[at]. */
  setShaBytes(i: number, bytes: Uint8Array, at: number): void {
    const sha = this.sha;
    for (let k = 0, to = i * 32; k < 32; k++) sha[to + k] = bytes[at + k]!;
    this.bits[i]! |= HAS_SHA;
  }

  /** Row i's path, as a new string. */
  pathOf(i: number): ByteString {
    return this.paths.at(i);
  }

  /** Byte order of other[0 .. len) against row i's path (negative: other comes first). */
  comparePath(other: Uint8Array, len: number, i: number): number {
    return this.paths.compareBytes(other, len, i);
  }

  /** Row i's path is pathBuffer()[pathStart(i) .. pathEnd(i)) (the buffer is valid until the next add). */
  pathBuffer(): Buffer {
    return this.paths.buffer();
  }
  pathStart(i: number): number {
    return this.paths.start(i);
  }
  pathEnd(i: number): number {
    return this.paths.end(i);
  }

  /** A new entry, or one more walk of a known one: its row. */
  add(r: MetaRecord): number {
    if (this.walksMayOverlap) {
      const known = this.paths.findString(r.path);
      if (known >= 0) return this.anotherWalk(known, r.target);
    }
    const i = this.newRow();
    this.paths.push(r.path);
    let bits = this.setRow(i, r.target, r.type, modeValue(r.mode), r.uid, r.gid, r.nlink, r.size, inodeValue(r.inode), r.link, r.device, r.error);
    if (!this.setTime(i, r.mtime, r.ctime)) {
      this.times.set(i, [r.mtime, r.ctime]);
      bits |= HAS_TIMES;
    }
    this.bits[i] = bits;
    return i;
  }

  /** add() for an entry the parser read without making strings (RawEntry, records.ts): its times are canonical. */
  addRaw(r: RawEntry): number {
    const b = r.chunk;
    const from = r.at[1]!;
    const to = r.at[2]! - 1;
    if (this.walksMayOverlap) {
      const known = this.paths.findBytes(b, from, to);
      if (known >= 0) return this.anotherWalk(known, r.target);
    }
    const i = this.newRow();
    this.paths.pushRange(b, from, to);
    const at = r.at;
    const link = r.type === 'symlink' ? b.toString('latin1', at[11]!, at[12]! - 1) : null;
    const error = at[13]! - 1 > at[12]! ? b.toString('utf8', at[12]!, at[13]! - 1) : null;
    this.bits[i] = this.setRow(i, r.target, r.type, r.mode, r.uid, r.gid, r.nlink, r.size, r.inode, link, null, error);
    this.mtimeS[i] = r.mtimeS;
    this.mtimeN[i] = r.mtimeN;
    this.ctimeS[i] = r.ctimeS;
    this.ctimeN[i] = r.ctimeN;
    return i;
  }

  private duplicateRow = -1;

  private anotherWalk(known: number, target: number): number {
    const ws = this.walkList(known);
    if (ws.includes(target)) this.duplicateRow = known;
    else {
      this.walks.set(known, [...ws, target]);
      this.bits[known]! |= HAS_WALKS;
    }
    return known;
  }

  private newRow(): number {
    if (this.n === this.cap) this.grow();
    this.sorted = null;
    return this.n++;
  }

  /** Row i's columns but its path and times; the bits of the sparse maps it is in. */
  private setRow(
    i: number, target: number, type: EntryType, mode: number, uid: number, gid: number, nlink: number, size: number, inode: Inode,
    link: ByteString | null, device: string | null, error: string | null,
  ): number {
    this.type[i] = type === 'file' ? FILE : TYPE_CODE.get(type)!;
    this.mode[i] = mode;
    this.setPair(i, uid, gid);
    if (nlink >= 0 && nlink < OVERFLOW) this.nlink[i] = nlink;
    else {
      this.nlink[i] = OVERFLOW;
      this.bigNlinks.set(i, nlink);
    }
    if (size >= 0 && size < BIG_SIZE && Number.isInteger(size)) this.sizes[i] = size;
    else {
      this.sizes[i] = BIG_SIZE;
      this.bigSizes.set(i, size);
    }
    if (typeof inode === 'string') {
      this.inode[i] = -1;
      this.bigInodes.set(i, inode);
    } else this.inode[i] = inode;
    let bits = 0;
    if (target < OVERFLOW) this.walk[i] = target;
    else {
      this.walk[i] = OVERFLOW;
      this.walks.set(i, [target]);
      bits |= HAS_WALKS;
    }
    if (link !== null) {
      this.links.set(i, link);
      bits |= HAS_LINK;
    }
    if (device !== null) {
      this.devices.set(i, device);
      bits |= HAS_DEVICE;
    }
    if (error !== null) {
      this.errors.set(i, error);
      bits |= HAS_ERROR;
    }
    return bits;
  }

  private setTime(i: number, m: string, c: string): boolean {
    if (!this.lastMtime.parse(m)) return false;
    if (!this.lastCtime.parse(c)) return false;
    this.mtimeS[i] = this.lastMtime.s;
    this.mtimeN[i] = this.lastMtime.n;
    this.ctimeS[i] = this.lastCtime.s;
    this.ctimeN[i] = this.lastCtime.n;
    return true;
  }
  // The last time text parsed, of each kind: entries written together share their times.
  private readonly lastMtime = new TimeCache();
  private readonly lastCtime = new TimeCache();

  private grow(to = 0): void {
    const cap = Math.max(1024, this.cap * 2, to);
    const g = <T extends Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array>(a: T, n = cap): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      return b;
    };
    this.type = g(this.type);
    this.mode = g(this.mode);
    this.pair = g(this.pair);
    this.nlink = g(this.nlink);
    this.sizes = g(this.sizes);
    this.inode = g(this.inode);
    this.mtimeS = g(this.mtimeS);
    this.mtimeN = g(this.mtimeN);
    this.ctimeS = g(this.ctimeS);
    this.ctimeN = g(this.ctimeN);
    this.walk = g(this.walk);
    this.bits = g(this.bits);
    this.sha = g(this.sha, cap * 32);
    this.cap = cap;
  }

  private setPair(i: number, uid: number, gid: number): void {
    const last = this.lastPair;
    if (last >= 0 && this.pairs[2 * last] === uid && this.pairs[2 * last + 1] === gid) {
      this.pair[i] = last;
      return;
    }
    let byGid = this.pairIndex.get(uid);
    if (!byGid) this.pairIndex.set(uid, (byGid = new Map()));
    let k = byGid.get(gid);
    if (k === undefined) {
      if (this.pairs.length / 2 >= OVERFLOW) {
        this.pair[i] = OVERFLOW;
        this.bigPairs.set(i, [uid, gid]);
        return;
      }
      k = this.pairs.length / 2;
      this.pairs.push(uid, gid);
      byGid.set(gid, k);
    }
    this.pair[i] = k;
    this.lastPair = k;
  }
  uidOf(i: number): number {
    const k = this.pair[i]!;
    return k === OVERFLOW ? this.bigPairs.get(i)![0] : this.pairs[2 * k]!;
  }
  gidOf(i: number): number {
    const k = this.pair[i]!;
    return k === OVERFLOW ? this.bigPairs.get(i)![1] : this.pairs[2 * k + 1]!;
  }
  nlinkOf(i: number): number {
    const v = this.nlink[i]!;
    return v === OVERFLOW ? this.bigNlinks.get(i)! : v;
  }

  private walkList(i: number): number[] {
    return this.bits[i]! & HAS_WALKS ? this.walks.get(i)! : [this.walk[i]!];
  }

  /** What `byWalk` says for the last of row i's walks that it says something for (no array made). */
  lastOfWalks<T>(i: number, byWalk: readonly (T | undefined)[]): T | undefined {
    if (!(this.bits[i]! & HAS_WALKS)) return byWalk[this.walk[i]!];
    let t: T | undefined;
    for (const w of this.walks.get(i)!) t = byWalk[w] ?? t;
    return t;
  }

  /** What `byWalk` says for the first of row i's walks that it says something for (no array made). */
  firstOfWalks<T>(i: number, byWalk: readonly (T | null | undefined)[]): T | undefined {
    if (!(this.bits[i]! & HAS_WALKS)) return byWalk[this.walk[i]!] ?? undefined;
    for (const w of this.walks.get(i)!) {
      const t = byWalk[w];
      if (t !== null && t !== undefined) return t;
    }
    return undefined;
  }

  // ---- what collect() reads and writes ------------------------------------------------------

  typeOf(i: number): EntryType {
    return TYPES[this.type[i]!]!;
  }
  sizeOf(i: number): number {
    const v = this.sizes[i]!;
    return v === BIG_SIZE ? this.bigSizes.get(i)! : v;
  }
  inodeOf(i: number): Inode {
    const v = this.inode[i]!;
    return v === -1 ? this.bigInodes.get(i)! : v;
  }
  modeOf(i: number): string {
    return modeString(this.mode[i]!);
  }
  mtimeOf(i: number): string {
    return this.bits[i]! & HAS_TIMES ? this.times.get(i)![0] : `${this.mtimeS[i]}.${String(this.mtimeN[i]).padStart(9, '0')}`;
  }
  ctimeOf(i: number): string {
    return this.bits[i]! & HAS_TIMES ? this.times.get(i)![1] : `${this.ctimeS[i]}.${String(this.ctimeN[i]).padStart(9, '0')}`;
  }
  errorOf(i: number): string | null {
    return this.bits[i]! & HAS_ERROR ? this.errors.get(i)! : null;
  }
  errorCount(): number {
    return this.errors.size;
  }
  setError(i: number, error: string): void {
    this.errors.set(i, error);
    this.bits[i]! |= HAS_ERROR;
  }
  deviceOf(i: number): string | null {
    return this.bits[i]! & HAS_DEVICE ? this.devices.get(i)! : null;
  }
  setDevice(i: number, device: string | null): void {
    if (device === null) {
      this.devices.delete(i);
      this.bits[i]! &= ~HAS_DEVICE;
    } else {
      this.devices.set(i, device);
      this.bits[i]! |= HAS_DEVICE;
    }
  }
  private linkOf(i: number): ByteString | null {
    return this.bits[i]! & HAS_LINK ? this.links.get(i)! : null;
  }
  walksOf(i: number): number[] {
    return this.walkList(i);
  }
  hasSha(i: number): boolean {
    return (this.bits[i]! & HAS_SHA) !== 0;
  }
  shaOf(i: number): string | null {
    return this.bits[i]! & HAS_SHA ? Buffer.from(this.sha.buffer, this.sha.byteOffset + i * 32, 32).toString('hex') : null;
  }
  /** Whether row i's sha256 is `hex` (64 lower-case hex digits), without making a string. */
  private shaIs(i: number, hex: string): boolean {
    if (hex.length !== 64) return false;
    const base = i * 32;
    for (let k = 0; k < 32; k++) {
      const hi = HEX_VALUE[hex.charCodeAt(2 * k)]!;
      const lo = HEX_VALUE[hex.charCodeAt(2 * k + 1)]!;
      if (hi > 15 || lo > 15 || this.sha[base + k] !== ((hi << 4) | lo)) return false;
    }
    return true;
  }

  setSha(i: number, hex: string): void {
    Buffer.from(this.sha.buffer, this.sha.byteOffset + i * 32, 32).write(hex, 'hex');
    this.bits[i]! |= HAS_SHA;
  }
  setExt(i: number, key: ExtKey, value: string | null): void {
    let e = this.ext.get(i);
    if (!e) this.ext.set(i, (e = {}));
    e[key] = value;
    this.bits[i]! |= HAS_EXT;
  }
  extOf(i: number): ExtValues | undefined {
    return this.bits[i]! & HAS_EXT ? this.ext.get(i) : undefined;
  }
  /** lsattr answered for this entry (its flags are known, maybe none). */
  markFlags(i: number): void {
    this.bits[i]! |= FLAGS_READ;
  }
  hasContent(i: number): boolean {
    return this.contents.has(i);
  }
  setContent(i: number, c: FileContent | null): void {
    this.contents.set(i, c);
  }

  /** The names, and which attributes beyond stat(2) the host checked: how entries read from here on. */
  finish(checked: ReadonlySet<string>, owners: ReadonlyMap<number, string>, groups: ReadonlyMap<number, string>): void {
    this.owners = owners;
    this.groups = groups;
    this.checkedBits = 0;
    for (const k of EXT_KEYS) if (checked.has(k)) this.checkedBits |= ATTR_BIT[k]!;
    this.pairOwner = [];
    this.pairGroup = [];
    this.plainExtras = [];
  }

  /** The owner name of row i (its uid where the host has no name for it). */
  ownerOf(i: number): string {
    return this.nameOf(i, this.pairOwner, this.owners, this.uidOf(i));
  }
  /** The group name of row i (its gid where the host has no name for it). */
  groupOf(i: number): string {
    return this.nameOf(i, this.pairGroup, this.groups, this.gidOf(i));
  }
  /** A name of row i's uid/gid pair, looked up once per pair. */
  private nameOf(i: number, cache: (string | undefined)[], names: ReadonlyMap<number, string>, id: number): string {
    const k = this.pair[i]!;
    if (k !== OVERFLOW) {
      const name = cache[k];
      if (name !== undefined) return name;
    }
    const name = names.get(id) ?? String(id);
    if (k !== OVERFLOW) cache[k] = name;
    return name;
  }

  /**
   * Whether row i equals the entry in `f` (a stored one, store/packs/codec.ts, or one put there by
   * fromState) on every attribute named, as diffAttributes (compare/compare.ts) would find it, from
   * the columns on both sides: nothing is made unless an attribute it does not compare itself
   * (content) is named, the others being equal: then `slow` decides.
   */
  sameAsStored(i: number, f: EntryFields, names: readonly AttributeName[], slow: (entry: ScannedEntry) => boolean): boolean {
    const want = maskOf(names);
    const type = TYPES[this.type[i]!]!;
    const bits = this.bits[i]!;
    // The attributes a quick scan compares to reuse an entry first: they are the ones that move.
    if (want & A.type && f.type !== type) return false;
    if (want & A.inode && f.inode !== this.inodeOf(i)) return false;
    if (want & A.ctime) {
      if (bits & HAS_TIMES || f.ctimeText !== null ? f.ctime() !== this.ctimeOf(i) : f.ctimeS !== this.ctimeS[i] || f.ctimeN !== this.ctimeN[i]) return false;
    }
    if (want & A.size && !(f.type === type && (type === 'directory' || type === 'symlink')) && f.size !== this.sizeOf(i)) return false;
    if (want & A.mtime) {
      if (bits & HAS_TIMES || f.mtimeText !== null ? f.mtime() !== this.mtimeOf(i) : f.mtimeS !== this.mtimeS[i] || f.mtimeN !== this.mtimeN[i]) return false;
    }
    if (want & A.mode && f.mode !== modeString(this.mode[i]!)) return false;
    if (want & A.uid && f.uid !== this.uidOf(i)) return false;
    if (want & A.gid && f.gid !== this.gidOf(i)) return false;
    if (want & A.nlink && f.nlink !== this.nlinkOf(i)) return false;
    if (want & A.sha256) {
      const has = (bits & HAS_SHA) !== 0;
      if (f.sha !== null) {
        if (!has) return false;
        const a = f.sha;
        const at = f.shaAt;
        const base = i * 32;
        for (let k = 0; k < 32; k++) if (a[at + k] !== this.sha[base + k]) return false;
      } else if (f.shaText === null ? has : !has || !this.shaIs(i, f.shaText)) return false;
    }
    if (want & A.target && f.target !== this.linkOf(i)) return false;
    if (want & A.device && f.device !== this.deviceOf(i)) return false;
    if (want & A.owner && f.owner !== this.ownerOf(i)) return false;
    if (want & A.group && f.group !== this.groupOf(i)) return false;
    // Not checked on the stored side (no extra, or the key absent): not a change.
    if (want & EXT_BITS && f.extra !== null) {
      const stored = parseExtra(f.extra);
      for (let k = 0; k < 5; k++) {
        const key = EXT_KEYS[k]!;
        if (!(want & ATTR_BIT[key]!)) continue;
        const cv = stored[key];
        if (cv === undefined) continue;
        const v = this.extValue(i, key, type);
        if (v !== undefined && v !== cv) return false;
      }
    }
    return want & SLOW ? slow(this.entryAt(i)) : true;
  }

  /** Row i into `f`, as entryAt(i) would make it (the path is the writer's to take: pathOf). */
  fill(i: number, f: EntryFields): EntryFields {
    const type = TYPES[this.type[i]!]!;
    const uid = this.uidOf(i);
    const gid = this.gidOf(i);
    f.type = type;
    f.mode = modeString(this.mode[i]!);
    f.uid = uid;
    f.gid = gid;
    f.owner = this.ownerOf(i);
    f.group = this.groupOf(i);
    f.size = this.sizeOf(i);
    if (this.bits[i]! & HAS_TIMES) [f.mtimeText, f.ctimeText] = this.times.get(i)!;
    else {
      [f.mtimeText, f.mtimeS, f.mtimeN] = [null, this.mtimeS[i]!, this.mtimeN[i]!];
      [f.ctimeText, f.ctimeS, f.ctimeN] = [null, this.ctimeS[i]!, this.ctimeN[i]!];
    }
    f.inode = this.inodeOf(i);
    f.nlink = this.nlinkOf(i);
    f.device = this.deviceOf(i);
    f.target = this.linkOf(i);
    f.shaText = null;
    if (this.bits[i]! & HAS_SHA) {
      f.sha = this.sha;
      f.shaAt = i * 32;
    } else f.sha = null;
    f.error = this.errorOf(i);
    f.extra = this.extraOf(i, type);
    return f;
  }

  private readonly extraTexts = new Map<string, string | null>();
  /** Texts of rows whose attributes beyond stat(2) are each none or not checked (most), by kind. */
  private plainExtras: (string | null | undefined)[] = [];
  /** The JSON of row i's attributes beyond stat(2) and content; entries alike share one text. */
  private extraOf(i: number, type: EntryType): string | null {
    const values = EXTRA_VALUES;
    values[0] = this.extValue(i, 'xattrs', type);
    values[1] = this.extValue(i, 'acl', type);
    values[2] = this.extValue(i, 'caps', type);
    values[3] = this.extValue(i, 'selinux', type);
    values[4] = this.extValue(i, 'flags', type);
    const content = this.contents.get(i) ?? undefined;
    if (content !== undefined) return extraText(values, content);
    let plain = 0;
    for (let k = 0; k < 5; k++) {
      const v = values[k];
      if (typeof v === 'string') {
        plain = -1;
        break;
      }
      plain = plain * 3 + (v === undefined ? 0 : 1);
    }
    if (plain >= 0) return (this.plainExtras[plain] ??= extraText(values, undefined));
    const key = values.map(k).join('\0');
    let text = this.extraTexts.get(key);
    if (text === undefined) {
      text = extraText(values, undefined);
      if (this.extraTexts.size < 10000) this.extraTexts.set(key, text);
    }
    return text;
  }

  // ---- read-only Map ------------------------------------------------------------------------

  /**
   * An attribute beyond stat(2) of row i: the value read, else none where the host checked it (or
   * where it cannot exist for this type), else not checked (undefined).
   */
  private extValue(i: number, k: ExtKey, type: EntryType): string | null | undefined {
    let applies = true;
    let checkedHere: boolean;
    const bits = this.bits[i]!;
    switch (k) {
      case 'xattrs':
        checkedHere = (this.checkedBits & A.xattrs) !== 0 && !(bits & HAS_ERROR);
        break;
      case 'acl':
        applies = type !== 'symlink';
        checkedHere = (this.checkedBits & A.acl) !== 0;
        break;
      case 'caps':
        applies = type === 'file';
        checkedHere = (this.checkedBits & A.caps) !== 0;
        break;
      case 'selinux':
        checkedHere = (this.checkedBits & A.selinux) !== 0;
        break;
      case 'flags':
        applies = type === 'file' || type === 'directory';
        checkedHere = (bits & FLAGS_READ) !== 0;
        break;
    }
    if (!applies) return null;
    if (bits & HAS_EXT) {
      const ext = this.ext.get(i)!;
      if (k in ext) return ext[k];
    }
    return checkedHere ? null : undefined;
  }

  /** The entry at row i, as a new object (never kept here). */
  entryAt(i: number): ScannedEntry {
    const type = TYPES[this.type[i]!]!;
    const error = this.errorOf(i);
    const attrs: EntryAttributes = {
      type,
      mode: modeString(this.mode[i]!),
      uid: this.uidOf(i),
      gid: this.gidOf(i),
      owner: this.ownerOf(i),
      group: this.groupOf(i),
      size: this.sizeOf(i),
      mtime: this.mtimeOf(i),
      ctime: this.ctimeOf(i),
      inode: this.inodeOf(i),
      nlink: this.nlinkOf(i),
      device: this.deviceOf(i),
      target: this.linkOf(i),
      sha256: this.shaOf(i),
      xattrs: this.extValue(i, 'xattrs', type),
      acl: this.extValue(i, 'acl', type),
      caps: this.extValue(i, 'caps', type),
      selinux: this.extValue(i, 'selinux', type),
      flags: this.extValue(i, 'flags', type),
      content: this.contents.has(i) ? (this.contents.get(i) ?? undefined) : undefined,
    };
    return { path: this.paths.at(i), walks: this.walkList(i), attrs, error };
  }

  get(path: ByteString): ScannedEntry | undefined {
    const i = this.row(path);
    return i === undefined ? undefined : this.entryAt(i);
  }

  has(path: ByteString): boolean {
    return this.row(path) !== undefined;
  }

  *keys(): MapIterator<ByteString> {
    for (let i = 0; i < this.n; i++) yield this.paths.at(i);
  }

  *values(): MapIterator<ScannedEntry> {
    for (let i = 0; i < this.n; i++) yield this.entryAt(i);
  }

  *entries(): MapIterator<[ByteString, ScannedEntry]> {
    for (let i = 0; i < this.n; i++) yield [this.paths.at(i), this.entryAt(i)];
  }

  [Symbol.iterator](): MapIterator<[ByteString, ScannedEntry]> {
    return this.entries();
  }

  forEach(fn: (value: ScannedEntry, key: ByteString, map: ReadonlyMap<ByteString, ScannedEntry>) => void): void {
    for (let i = 0; i < this.n; i++) fn(this.entryAt(i), this.paths.at(i), this);
  }
}
