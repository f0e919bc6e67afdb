// The entries of one scan, kept in columns (typed arrays, a path index, sparse maps for what
// few entries have) rather than one object graph per entry: a scan of a million entries then
// holds ~150 bytes per entry instead of ~600. Entries are materialized (ScannedEntry objects)
// only when asked for, and never kept: the table is a read-only Map to its users.
import type { AttributeName, EntryAttributes, EntryType, FileContent } from '../../shared/domain.js';
import type { ByteString, MetaRecord } from './records.js';

export interface ScannedEntry {
  path: ByteString;
  /** Indices of the walks (plan.walks) that found it. */
  walks: number[];
  attrs: EntryAttributes;
  error: string | null;
}

export type ExtKey = 'xattrs' | 'acl' | 'caps' | 'selinux' | 'flags';
type ExtValues = Partial<Record<ExtKey, string | null>>;

const TYPES: EntryType[] = ['file', 'directory', 'symlink', 'block', 'char', 'fifo', 'socket', 'unknown'];
const TYPE_CODE = new Map<EntryType, number>(TYPES.map((t, i) => [t, i]));
const MODES: string[] = [];
const modeString = (m: number) => (MODES[m] ??= m.toString(8).padStart(4, '0'));
const SECONDS = /^(0|-?[1-9][0-9]{0,14})$/;
const HEX_VALUE = new Uint8Array(128).fill(255);
for (let d = 0; d < 16; d++) HEX_VALUE['0123456789abcdef'.charCodeAt(d)] = d;

/**
 * Whether `s` is the text mtimeOf/ctimeOf would make of seconds `sec` and nanoseconds `ns`
 * (`SECONDS` then a dot and nine digits), without making it.
 */
function timeIs(s: string, sec: number, ns: number): boolean {
  const d = s.length - 10;
  if (d < 1 || s.charCodeAt(d) !== 46) return false;
  let n = 0;
  for (let k = d + 1; k < s.length; k++) {
    const c = s.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return false;
    n = n * 10 + c;
  }
  if (n !== ns) return false;
  let k = 0;
  const neg = s.charCodeAt(0) === 45;
  if (neg) k = 1;
  if (k >= d) return false;
  if (s.charCodeAt(k) === 48) return !neg && d === 1 && sec === 0;
  if (d - k > 15) return false;
  let v = 0;
  for (; k < d; k++) {
    const c = s.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return false;
    v = v * 10 + c;
  }
  return (neg ? -v : v) === sec;
}

export class EntryTable implements ReadonlyMap<ByteString, ScannedEntry> {
  private readonly index = new Map<ByteString, number>();
  private paths: ByteString[] = [];
  private cap = 0;
  private n = 0;
  private type = new Uint8Array(0);
  private mode = new Uint16Array(0);
  private uid = new Uint32Array(0);
  private gid = new Uint32Array(0);
  private nlink = new Uint32Array(0);
  private sizes = new Float64Array(0);
  private inode = new Float64Array(0);
  private mtimeS = new Float64Array(0);
  private mtimeN = new Int32Array(0);
  private ctimeS = new Float64Array(0);
  private ctimeN = new Int32Array(0);
  private walk = new Int32Array(0);
  private sha = new Uint8Array(0);
  /** Bit 1: has a sha256. Bit 2: lsattr answered. */
  private bits = new Uint8Array(0);
  // Sparse: what few entries have.
  private readonly times = new Map<number, [string, string]>();
  private readonly links = new Map<number, ByteString>();
  private readonly devices = new Map<number, string>();
  private readonly errors = new Map<number, string>();
  private readonly walks = new Map<number, number[]>();
  private readonly ext = new Map<number, ExtValues>();
  private readonly contents = new Map<number, FileContent | null>();

  /** What materialized entries show for the attributes beyond stat(2) (see finish()). */
  private checked: ReadonlySet<string> = new Set();
  private owners: ReadonlyMap<number, string> = new Map();
  private groups: ReadonlyMap<number, string> = new Map();

  get size(): number {
    return this.n;
  }

  row(path: ByteString): number | undefined {
    return this.index.get(path);
  }

  /** A new entry, or one more walk of a known one. */
  add(r: MetaRecord): void {
    const known = this.index.get(r.path);
    if (known !== undefined) {
      const ws = this.walkList(known);
      if (!ws.includes(r.target)) this.walks.set(known, [...ws, r.target]);
      return;
    }
    if (this.n === this.cap) this.grow();
    const i = this.n++;
    this.index.set(r.path, i);
    this.paths.push(r.path);
    this.type[i] = TYPE_CODE.get(r.type)!;
    this.mode[i] = parseInt(r.mode, 8);
    this.uid[i] = r.uid;
    this.gid[i] = r.gid;
    this.nlink[i] = r.nlink;
    this.sizes[i] = r.size;
    this.inode[i] = Number(r.inode);
    this.walk[i] = r.target;
    if (!this.setTime(i, r.mtime, r.ctime)) this.times.set(i, [r.mtime, r.ctime]);
    if (r.link !== null) this.links.set(i, r.link);
    if (r.device !== null) this.devices.set(i, r.device);
    if (r.error !== null) this.errors.set(i, r.error);
  }

  private setTime(i: number, m: string, c: string): boolean {
    const md = m.length - 10;
    const cd = c.length - 10;
    if (md < 1 || cd < 1 || m[md] !== '.' || c[cd] !== '.') return false;
    const ms = m.slice(0, md);
    const cs = c.slice(0, cd);
    if (!SECONDS.test(ms) || !SECONDS.test(cs)) return false;
    this.mtimeS[i] = Number(ms);
    this.mtimeN[i] = Number(m.slice(md + 1));
    this.ctimeS[i] = Number(cs);
    this.ctimeN[i] = Number(c.slice(cd + 1));
    return true;
  }

  private grow(): void {
    const cap = Math.max(1024, this.cap * 2);
    const g = <T extends Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array>(a: T, n = cap): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      return b;
    };
    this.type = g(this.type);
    this.mode = g(this.mode);
    this.uid = g(this.uid);
    this.gid = g(this.gid);
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

  private walkList(i: number): number[] {
    return this.walks.get(i) ?? [this.walk[i]!];
  }

  // ---- what collect() reads and writes ------------------------------------------------------

  typeOf(i: number): EntryType {
    return TYPES[this.type[i]!]!;
  }
  sizeOf(i: number): number {
    return this.sizes[i]!;
  }
  inodeOf(i: number): number {
    return this.inode[i]!;
  }
  modeOf(i: number): string {
    return modeString(this.mode[i]!);
  }
  mtimeOf(i: number): string {
    const t = this.times.get(i);
    return t ? t[0] : `${this.mtimeS[i]}.${String(this.mtimeN[i]).padStart(9, '0')}`;
  }
  ctimeOf(i: number): string {
    const t = this.times.get(i);
    return t ? t[1] : `${this.ctimeS[i]}.${String(this.ctimeN[i]).padStart(9, '0')}`;
  }
  errorOf(i: number): string | null {
    return this.errors.get(i) ?? null;
  }
  errorCount(): number {
    return this.errors.size;
  }
  setError(i: number, error: string): void {
    this.errors.set(i, error);
  }
  deviceOf(i: number): string | null {
    return this.devices.get(i) ?? null;
  }
  setDevice(i: number, device: string | null): void {
    if (device === null) this.devices.delete(i);
    else this.devices.set(i, device);
  }
  walksOf(i: number): number[] {
    return this.walkList(i);
  }
  hasSha(i: number): boolean {
    return (this.bits[i]! & 1) === 1;
  }
  shaOf(i: number): string | null {
    return this.bits[i]! & 1 ? Buffer.from(this.sha.buffer, this.sha.byteOffset + i * 32, 32).toString('hex') : null;
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
    this.bits[i]! |= 1;
  }
  setExt(i: number, key: ExtKey, value: string | null): void {
    let e = this.ext.get(i);
    if (!e) this.ext.set(i, (e = {}));
    e[key] = value;
  }
  extOf(i: number): ExtValues | undefined {
    return this.ext.get(i);
  }
  /** lsattr answered for this entry (its flags are known, maybe none). */
  markFlags(i: number): void {
    this.bits[i]! |= 2;
  }
  hasContent(i: number): boolean {
    return this.contents.has(i);
  }
  setContent(i: number, c: FileContent | null): void {
    this.contents.set(i, c);
  }

  /** The names, and which attributes beyond stat(2) the host checked: how entries read from here on. */
  finish(checked: ReadonlySet<string>, owners: ReadonlyMap<number, string>, groups: ReadonlyMap<number, string>): void {
    this.checked = checked;
    this.owners = owners;
    this.groups = groups;
  }

  /**
   * Whether row i equals `c` on every attribute named, as diffAttributes (diff/compare.ts) would
   * find it, read from the columns without making the entry. Conservative: an attribute it does
   * not compare itself (content) makes the entry and asks `slow`.
   */
  sameAs(i: number, c: EntryAttributes, names: readonly AttributeName[], slow: (entry: ScannedEntry) => boolean): boolean {
    const type = TYPES[this.type[i]!]!;
    for (const name of names) {
      switch (name) {
        case 'type':
          if (c.type !== type) return false;
          break;
        case 'mode':
          if (c.mode !== modeString(this.mode[i]!)) return false;
          break;
        case 'uid':
          if (c.uid !== this.uid[i]) return false;
          break;
        case 'gid':
          if (c.gid !== this.gid[i]) return false;
          break;
        case 'size':
          if (!(c.type === type && (type === 'directory' || type === 'symlink')) && c.size !== this.sizes[i]) return false;
          break;
        case 'sha256':
          if (c.sha256 === null ? (this.bits[i]! & 1) === 1 : !(this.bits[i]! & 1) || !this.shaIs(i, c.sha256)) return false;
          break;
        case 'target':
          if (c.target !== (this.links.get(i) ?? null)) return false;
          break;
        case 'device':
          if (c.device !== (this.devices.get(i) ?? null)) return false;
          break;
        case 'mtime': {
          const t = this.times.get(i);
          if (t ? c.mtime !== t[0] : !timeIs(c.mtime, this.mtimeS[i]!, this.mtimeN[i]!)) return false;
          break;
        }
        case 'ctime': {
          const t = this.times.get(i);
          if (t ? c.ctime !== t[1] : !timeIs(c.ctime, this.ctimeS[i]!, this.ctimeN[i]!)) return false;
          break;
        }
        case 'inode':
          if (c.inode !== this.inode[i]) return false;
          break;
        case 'nlink':
          if (c.nlink !== this.nlink[i]) return false;
          break;
        case 'owner':
          if (c.owner !== (this.owners.get(this.uid[i]!) ?? String(this.uid[i]))) return false;
          break;
        case 'group':
          if (c.group !== (this.groups.get(this.gid[i]!) ?? String(this.gid[i]))) return false;
          break;
        case 'xattrs':
        case 'acl':
        case 'caps':
        case 'selinux':
        case 'flags': {
          // Not checked on either side: not a change (and not known equal: evaluate says so).
          const v = this.extValue(i, name, type);
          const cv = c[name];
          if (v !== undefined && cv !== undefined && v !== cv) return false;
          break;
        }
        default:
          return slow(this.entryAt(i));
      }
    }
    return true;
  }

  // ---- read-only Map ------------------------------------------------------------------------

  /**
   * An attribute beyond stat(2) of row i: the value read, else none where the host checked it (or
   * where it cannot exist for this type), else not checked (undefined).
   */
  private extValue(i: number, k: ExtKey, type: EntryType): string | null | undefined {
    let applies = true;
    let checkedHere: boolean;
    switch (k) {
      case 'xattrs':
        checkedHere = this.checked.has('xattrs') && !this.errors.has(i);
        break;
      case 'acl':
        applies = type !== 'symlink';
        checkedHere = this.checked.has('acl');
        break;
      case 'caps':
        applies = type === 'file';
        checkedHere = this.checked.has('caps');
        break;
      case 'selinux':
        checkedHere = this.checked.has('selinux');
        break;
      case 'flags':
        applies = type === 'file' || type === 'directory';
        checkedHere = (this.bits[i]! & 2) === 2;
        break;
    }
    if (!applies) return null;
    const ext = this.ext.get(i);
    if (ext && k in ext) return ext[k];
    return checkedHere ? null : undefined;
  }

  /** The entry at row i, as a new object (never kept here). */
  entryAt(i: number): ScannedEntry {
    const type = TYPES[this.type[i]!]!;
    const error = this.errors.get(i) ?? null;
    const uid = this.uid[i]!;
    const gid = this.gid[i]!;
    const attrs: EntryAttributes = {
      type,
      mode: modeString(this.mode[i]!),
      uid,
      gid,
      owner: this.owners.get(uid) ?? String(uid),
      group: this.groups.get(gid) ?? String(gid),
      size: this.sizes[i]!,
      mtime: this.mtimeOf(i),
      ctime: this.ctimeOf(i),
      inode: this.inode[i]!,
      nlink: this.nlink[i]!,
      device: this.devices.get(i) ?? null,
      target: this.links.get(i) ?? null,
      sha256: this.shaOf(i),
      xattrs: this.extValue(i, 'xattrs', type),
      acl: this.extValue(i, 'acl', type),
      caps: this.extValue(i, 'caps', type),
      selinux: this.extValue(i, 'selinux', type),
      flags: this.extValue(i, 'flags', type),
      content: this.contents.has(i) ? (this.contents.get(i) ?? undefined) : undefined,
    };
    return { path: this.paths[i]!, walks: this.walkList(i), attrs, error };
  }

  get(path: ByteString): ScannedEntry | undefined {
    const i = this.index.get(path);
    return i === undefined ? undefined : this.entryAt(i);
  }

  has(path: ByteString): boolean {
    return this.index.has(path);
  }

  *keys(): MapIterator<ByteString> {
    for (let i = 0; i < this.n; i++) yield this.paths[i]!;
  }

  *values(): MapIterator<ScannedEntry> {
    for (let i = 0; i < this.n; i++) yield this.entryAt(i);
  }

  *entries(): MapIterator<[ByteString, ScannedEntry]> {
    for (let i = 0; i < this.n; i++) yield [this.paths[i]!, this.entryAt(i)];
  }

  [Symbol.iterator](): MapIterator<[ByteString, ScannedEntry]> {
    return this.entries();
  }

  forEach(fn: (value: ScannedEntry, key: ByteString, map: ReadonlyMap<ByteString, ScannedEntry>) => void): void {
    for (let i = 0; i < this.n; i++) fn(this.entryAt(i), this.paths[i]!, this);
  }
}
