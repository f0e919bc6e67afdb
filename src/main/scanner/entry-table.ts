// The entries of one scan as a read-only Map (path → ScannedEntry) over its columns
// (entry-columns.ts): paths looked up by a hash index made only when something asks for a path
// (hash lines that follow the entries' order are matched by a cursor: at a million entries a Map
// of path strings alone cost more than a second and ~100 MB), entries materialized only when
// asked for and never kept, and a row compared with a stored entry from the columns on both sides.
import { ATTRIBUTES, TOOL_ATTRIBUTES, type AttributeName, type ToolAttribute } from '../../shared/attributes.js';
import type { EntryAttributes, EntryType, FileContent } from '../../shared/domain.js';
import { extraJson, extraKey, type Extra } from '../store/entries.js';
import { parseExtra, type EntryFields } from '../store/packs/codec.js';
import type { ByteString } from '../model/entry.js';
import { DIRECTORY, EntryColumns, FILE, FLAGS_READ, HAS_ERROR, HAS_EXT, HAS_SHA, HAS_TIMES, modeString, OVERFLOW, TYPES } from './entry-columns.js';

export interface ScannedEntry {
  path: ByteString;
  /** Indices of the walks (plan.walks) that found it. */
  walks: number[];
  attrs: EntryAttributes;
  error: string | null;
}

/** One bit per attribute sameAsStored compares itself (all but content); SLOW for any other. */
const ATTR_BIT: Partial<Record<AttributeName, number>> = {};
for (const [k, a] of ATTRIBUTES.filter((a) => a.source !== 'content').entries()) ATTR_BIT[a.name] = 1 << k;
const A = ATTR_BIT as Record<Exclude<AttributeName, 'content'>, number>;
const TOOL_BITS = TOOL_ATTRIBUTES.reduce((bits, name) => bits | A[name], 0);
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
const TOOL_VALUES: (string | null | undefined)[] = TOOL_ATTRIBUTES.map(() => undefined);
/** The extra JSON (store/entries.ts) of these values (TOOL_ATTRIBUTES order) and content. */
function extraText(values: readonly (string | null | undefined)[], content: FileContent | null | undefined): string | null {
  const extra: Extra = { content };
  TOOL_ATTRIBUTES.forEach((name, k) => (extra[name] = values[k]));
  return extraJson(extra);
}

export class EntryTable extends EntryColumns implements ReadonlyMap<ByteString, ScannedEntry> {
  /** What materialized entries show for the attributes beyond stat(2) (see finish()): ATTR_BIT of those the host checked. */
  private checkedBits = 0;
  private owners: ReadonlyMap<number, string> = new Map();
  private groups: ReadonlyMap<number, string> = new Map();
  /** The names of each (uid, gid) pair, made once (finish() clears them). */
  private pairOwner: (string | undefined)[] = [];
  private pairGroup: (string | undefined)[] = [];

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

  /**
   * A path the stream gave twice for one walk (a host never does), or null. `among`: the only rows
   * that may share a path, where the caller knows the others' paths distinct (a quick scan's held
   * reference, reference-compare.ts).
   */
  duplicate(among?: Uint32Array): ByteString | null {
    if (this.duplicateRow >= 0) return this.pathOf(this.duplicateRow);
    // Without overlapping walks no path is looked up as it comes: equal paths sort next to each other.
    if (this.walksMayOverlap) return null;
    const rows = among ? this.paths.sorted(among) : this.sortedRows();
    const b = this.pathBuffer();
    for (let k = 1; k < rows.length; k++) {
      const a = rows[k - 1]!;
      const c = rows[k]!;
      if (b.compare(b, this.pathStart(a), this.pathEnd(a), this.pathStart(c), this.pathEnd(c)) === 0) return this.pathOf(c);
    }
    return null;
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


  finish(checked: ReadonlySet<string>, owners: ReadonlyMap<number, string>, groups: ReadonlyMap<number, string>): void {
    this.owners = owners;
    this.groups = groups;
    this.checkedBits = 0;
    for (const k of TOOL_ATTRIBUTES) if (checked.has(k)) this.checkedBits |= ATTR_BIT[k]!;
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
    if (want & TOOL_BITS && f.extra !== null) {
      const stored = parseExtra(f.extra);
      for (const key of TOOL_ATTRIBUTES) {
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
    const values = TOOL_VALUES;
    for (let k = 0; k < TOOL_ATTRIBUTES.length; k++) values[k] = this.extValue(i, TOOL_ATTRIBUTES[k]!, type);
    const content = this.contents.get(i) ?? undefined;
    if (content !== undefined) return extraText(values, content);
    let plain = 0;
    for (const v of values) {
      if (typeof v === 'string') {
        plain = -1;
        break;
      }
      plain = plain * 3 + (v === undefined ? 0 : 1);
    }
    if (plain >= 0) return (this.plainExtras[plain] ??= extraText(values, undefined));
    const key = extraKey(values);
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
  private extValue(i: number, k: ToolAttribute, type: EntryType): string | null | undefined {
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
