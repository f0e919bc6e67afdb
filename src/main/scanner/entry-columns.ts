// The entries of one scan, kept in columns (typed arrays, a path index, sparse maps for what
// few entries have) rather than one object graph per entry: a scan of a million entries then
// holds ~150 bytes per entry instead of ~600. EntryColumns is the storage: rows added from the
// stream (add, addRaw), the columns grown, and each value read or set by row; EntryTable
// (entry-table.ts) puts lookups and entries on top.
import type { ToolAttribute } from '../../shared/attributes.js';
import { inodeValue, type EntryType, type FileContent, type Inode } from '../../shared/domain.js';
import { PathColumn } from '../model/path-column.js';
import { byteStringFromBuffer, type ByteString } from '../model/entry.js';
import { formatTime, TimeCache } from '../model/time.js';
import type { MetaRecord, RawEntry } from './protocol.js';

/** The values a row holds of the attributes beyond stat(2) its host's tools read (content aside). */
type ToolValues = Partial<Record<ToolAttribute, string | null>>;

export const TYPES: EntryType[] = ['file', 'directory', 'symlink', 'block', 'char', 'fifo', 'socket', 'unknown'];
const TYPE_CODE = new Map<EntryType, number>(TYPES.map((t, i) => [t, i]));
export const FILE = 0;
export const DIRECTORY = 1;
export const OVERFLOW = 0xffff;
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
export const modeString = (m: number) => (MODES[m] ??= m.toString(8).padStart(4, '0'));
const HEX_VALUE = new Uint8Array(128).fill(255);
for (let d = 0; d < 16; d++) HEX_VALUE['0123456789abcdef'.charCodeAt(d)] = d;

// Row bits: what the row has, and which sparse maps hold it.
export const HAS_SHA = 1;
/** lsattr answered (the flags are known, maybe none). */
export const FLAGS_READ = 2;
export const HAS_ERROR = 4;
export const HAS_EXT = 8;
export const HAS_TIMES = 16;
const HAS_LINK = 32;
const HAS_DEVICE = 64;
const HAS_WALKS = 128;

export class EntryColumns {
  protected readonly paths = new PathColumn();
  /** How far hash lines have matched regular files in stream order. */
  protected hashCursor = 0;
  protected sorted: Uint32Array | null = null;
  protected cap = 0;
  protected n = 0;
  protected type = new Uint8Array(0);
  protected mode = new Uint16Array(0);
  /** Index of the row's (uid, gid) pair in `pairs` (few distinct); OVERFLOW: in `bigPairs`. */
  protected pair = new Uint16Array(0);
  protected readonly pairs: number[] = [];
  protected readonly pairIndex = new Map<number, Map<number, number>>();
  protected lastPair = -1;
  /** Values up to 65,534 (nlink) and 2^32 - 2 (size); larger ones in the sparse maps below. */
  protected nlink = new Uint16Array(0);
  protected sizes = new Uint32Array(0);
  protected inode = new Float64Array(0);
  /** Seconds of canonical times from 0 to 2^32 - 1 (others are kept as text: `times`). */
  protected mtimeS = new Uint32Array(0);
  protected mtimeN = new Int32Array(0);
  protected ctimeS = new Uint32Array(0);
  protected ctimeN = new Int32Array(0);
  /** The walk that found the row; OVERFLOW: see `walks`. */
  protected walk = new Uint16Array(0);
  protected sha = new Uint8Array(0);
  /** HAS_SHA, FLAGS_READ, and which sparse maps below hold the row (a bit is cheaper than a lookup). */
  protected bits = new Uint8Array(0);
  // Sparse: what few entries have.
  protected readonly times = new Map<number, [string, string]>();
  protected readonly links = new Map<number, ByteString>();
  protected readonly devices = new Map<number, string>();
  protected readonly errors = new Map<number, string>();
  protected readonly walks = new Map<number, number[]>();
  protected readonly bigPairs = new Map<number, [number, number]>();
  protected readonly bigNlinks = new Map<number, number>();
  protected readonly bigSizes = new Map<number, number>();
  /** Inodes beyond 2^53 - 1 as their exact text (the column holds -1 for them). */
  protected readonly bigInodes = new Map<number, string>();
  protected readonly ext = new Map<number, ToolValues>();
  protected readonly contents = new Map<number, FileContent | null>();

  /**
   * `walksMayOverlap`: two walks of the scan may find the same path (one walk never does), so
   * each new path is looked up. Without it, the path index is made only when asked for.
   */
  constructor(
    protected readonly walksMayOverlap = true,
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


  /** Row i's sha256 from 32 bytes at bytes[at]. */
  setShaBytes(i: number, bytes: Uint8Array, at: number): void {
    const sha = this.sha;
    for (let k = 0, to = i * 32; k < 32; k++) sha[to + k] = bytes[at + k]!;
    this.bits[i]! |= HAS_SHA;
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
    const link = r.type === 'symlink' ? byteStringFromBuffer(b, at[11]!, at[12]! - 1) : null;
    const error = at[13]! - 1 > at[12]! ? b.toString('utf8', at[12]!, at[13]! - 1) : null;
    this.bits[i] = this.setRow(i, r.target, r.type, r.mode, r.uid, r.gid, r.nlink, r.size, r.inode, link, null, error);
    this.mtimeS[i] = r.mtimeS;
    this.mtimeN[i] = r.mtimeN;
    this.ctimeS[i] = r.ctimeS;
    this.ctimeN[i] = r.ctimeN;
    return i;
  }

  protected duplicateRow = -1;

  protected anotherWalk(known: number, target: number): number {
    const ws = this.walkList(known);
    if (ws.includes(target)) this.duplicateRow = known;
    else {
      this.walks.set(known, [...ws, target]);
      this.bits[known]! |= HAS_WALKS;
    }
    return known;
  }

  protected newRow(): number {
    if (this.n === this.cap) this.grow();
    this.sorted = null;
    return this.n++;
  }

  /** Row i's columns but its path and times; the bits of the sparse maps it is in. */
  protected setRow(
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

  protected setTime(i: number, m: string, c: string): boolean {
    if (!this.lastMtime.parse(m)) return false;
    if (!this.lastCtime.parse(c)) return false;
    this.mtimeS[i] = this.lastMtime.s;
    this.mtimeN[i] = this.lastMtime.n;
    this.ctimeS[i] = this.lastCtime.s;
    this.ctimeN[i] = this.lastCtime.n;
    return true;
  }
  // The last time text parsed, of each kind: entries written together share their times.
  protected readonly lastMtime = new TimeCache();
  protected readonly lastCtime = new TimeCache();

  protected grow(to = 0): void {
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

  protected setPair(i: number, uid: number, gid: number): void {
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

  protected walkList(i: number): number[] {
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
    return this.bits[i]! & HAS_TIMES ? this.times.get(i)![0] : formatTime(this.mtimeS[i]!, this.mtimeN[i]!);
  }
  ctimeOf(i: number): string {
    return this.bits[i]! & HAS_TIMES ? this.times.get(i)![1] : formatTime(this.ctimeS[i]!, this.ctimeN[i]!);
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
  protected linkOf(i: number): ByteString | null {
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
  protected shaIs(i: number, hex: string): boolean {
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
  setExt(i: number, key: ToolAttribute, value: string | null): void {
    let e = this.ext.get(i);
    if (!e) this.ext.set(i, (e = {}));
    e[key] = value;
    this.bits[i]! |= HAS_EXT;
  }
  extOf(i: number): ToolValues | undefined {
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
}
