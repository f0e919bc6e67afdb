// The paths of a scan's entries as one run of bytes (a name is a byte string: one byte per
// char), row i at bytes[end[i-1] .. end[i]). A million paths held as JS strings took ~64 MB of
// heap; as bytes they take their length and four bytes each. A string is made only for the few
// entries that are materialized; order, lookups and merges compare the bytes. The path index is
// a hash table of row numbers over those bytes (open addressing), made when first asked for.
import { byteStringFromBuffer, type ByteString } from './entry.js';

export class PathColumn {
  private bytes = Buffer.allocUnsafe(1 << 16);
  private ends = new Uint32Array(1024);
  private used = 0;
  private n = 0;

  get size(): number {
    return this.n;
  }

  /** Room for `bytes` bytes of paths without growing. */
  reserve(bytes: number): void {
    if (bytes > this.bytes.length) this.bytes = Buffer.allocUnsafe(Math.min(0xffffffff, bytes));
  }

  /** Makes the path index now, with room for `rows` rows: each path pushed from here on is indexed as it comes. */
  indexFor(rows: number): void {
    if (this.slots === null) this.rehash(Math.max(rows, this.n));
  }

  /**
   * The path index: pairs (row + 1, hash of its path) by hash, 0 for an empty slot; null until a
   * lookup asks for it. The hash next to the row lets a probe pass over another path without
   * reading its bytes (elsewhere in memory).
   */
  private slots: Int32Array | null = null;

  push(path: ByteString): void {
    this.room(path.length);
    this.used += this.bytes.write(path, this.used, 'latin1');
    this.ends[this.n++] = this.used;
    if (this.slots !== null) this.insert(this.n - 1);
  }

  /** push(), the path being other[0 .. len). */
  pushBytes(other: Uint8Array, len: number): void {
    this.pushRange(other, 0, len);
  }

  /** push(), the path being other[from .. to). */
  pushRange(other: Uint8Array, from: number, to: number): void {
    const len = to - from;
    this.room(len);
    const b = this.bytes;
    for (let k = 0, at = this.used; k < len; k++) b[at + k] = other[from + k]!;
    this.used += len;
    this.ends[this.n++] = this.used;
    if (this.slots !== null) this.insert(this.n - 1);
  }

  /** Room for one more row of `len` bytes. */
  private room(len: number): void {
    if (this.used + len > this.bytes.length) {
      if (this.used + len > 0xffffffff) throw new Error('more than 4 GiB of path names in one scan');
      const grown = Buffer.allocUnsafe(Math.min(0xffffffff, Math.max(this.bytes.length * 2, this.used + len)));
      this.bytes.copy(grown, 0, 0, this.used);
      this.bytes = grown;
    }
    if (this.n === this.ends.length) {
      const grown = new Uint32Array(this.n * 2);
      grown.set(this.ends);
      this.ends = grown;
    }
  }

  /** The row of path `s`, or -1. */
  findString(s: ByteString): number {
    const slots = this.index();
    const mask = (slots.length >> 1) - 1;
    const h = hashString(s);
    for (let k = h & mask; ; k = (k + 1) & mask) {
      const r = slots[2 * k]! - 1;
      if (r < 0 || (slots[2 * k + 1] === h && this.is(r, s))) return r;
    }
  }

  /** The row of the path other[from .. to), or -1. */
  findBytes(other: Uint8Array, from: number, to: number): number {
    const slots = this.index();
    const mask = (slots.length >> 1) - 1;
    const h = hashBytes(other, from, to);
    for (let k = h & mask; ; k = (k + 1) & mask) {
      const r = slots[2 * k]! - 1;
      if (r < 0 || (slots[2 * k + 1] === h && this.isBytes(r, other, from, to))) return r;
    }
  }

  private isBytes(i: number, other: Uint8Array, from: number, to: number): boolean {
    const at = this.start(i);
    if (this.ends[i]! - at !== to - from) return false;
    const b = this.bytes;
    for (let k = to - from - 1; k >= 0; k--) if (b[at + k] !== other[from + k]) return false;
    return true;
  }

  private index(): Int32Array {
    if (this.slots === null) this.rehash(this.n);
    return this.slots!;
  }

  /** A table for `rows` rows, at most half full, with every row so far in it. */
  private rehash(rows: number): void {
    let size = 1024;
    while (size < rows * 2) size *= 2;
    this.slots = new Int32Array(2 * size);
    for (let r = 0; r < this.n; r++) this.insert(r);
  }

  /** Puts row r in the table, made twice as large first when it would be more than half full. */
  private insert(r: number): void {
    const slots = this.slots!;
    if (4 * (r + 1) > slots.length) {
      this.rehash(2 * (r + 1));
      return;
    }
    const mask = (slots.length >> 1) - 1;
    const h = hashBytes(this.bytes, this.start(r), this.ends[r]!);
    let k = h & mask;
    while (slots[2 * k] !== 0) k = (k + 1) & mask;
    slots[2 * k] = r + 1;
    slots[2 * k + 1] = h;
  }

  start(i: number): number {
    return i === 0 ? 0 : this.ends[i - 1]!;
  }
  end(i: number): number {
    return this.ends[i]!;
  }
  /** The bytes every row's path is in (valid until the next push). */
  buffer(): Buffer {
    return this.bytes;
  }

  at(i: number): ByteString {
    return byteStringFromBuffer(this.bytes, this.start(i), this.ends[i]!);
  }

  /** Whether row i's path is `s`. */
  is(i: number, s: ByteString): boolean {
    const from = this.start(i);
    if (this.ends[i]! - from !== s.length) return false;
    const b = this.bytes;
    for (let k = s.length - 1; k >= 0; k--) if (b[from + k] !== s.charCodeAt(k)) return false;
    return true;
  }

  /** Byte order of `s` against row i's path (negative: s comes first). */
  compareString(s: ByteString, i: number): number {
    const b = this.bytes;
    const from = this.start(i);
    const n = this.ends[i]! - from;
    const k = n < s.length ? n : s.length;
    for (let j = 0; j < k; j++) {
      const d = s.charCodeAt(j) - b[from + j]!;
      if (d !== 0) return d;
    }
    return s.length - n;
  }

  /** Byte order of other[0 .. len) against row i's path. */
  compareBytes(other: Uint8Array, len: number, i: number): number {
    const b = this.bytes;
    const from = this.start(i);
    const n = this.ends[i]! - from;
    const k = n < len ? n : len;
    for (let j = 0; j < k; j++) {
      const d = other[j]! - b[from + j]!;
      if (d !== 0) return d;
    }
    return len - n;
  }

  /**
   * Row numbers in path (byte) order, of every row or of the rows `among` (sorted in place): a
   * most-significant-byte radix sort, which passes over long shared prefixes (a directory's
   * entries) without comparing whole paths again and again.
   */
  sorted(among?: Uint32Array): Uint32Array {
    let rows = among;
    if (!rows) {
      rows = new Uint32Array(this.n);
      for (let i = 0; i < this.n; i++) rows[i] = i;
    }
    const n = rows.length;
    if (n < 2) return rows;
    const tmp = new Uint32Array(n);
    const ends = this.ends;
    const b = this.bytes;
    const count = new Uint32Array(257);
    const pos = new Uint32Array(257);
    // The byte of row r at depth d, plus one; 0 past its end (a shorter path comes first).
    const key = (r: number, d: number) => {
      const at = (r === 0 ? 0 : ends[r - 1]!) + d;
      return at < ends[r]! ? b[at]! + 1 : 0;
    };
    const stack: number[] = [0, n, 0];
    while (stack.length) {
      const d = stack.pop()!;
      const hi = stack.pop()!;
      const lo = stack.pop()!;
      if (hi - lo <= 24) {
        insertion(rows, lo, hi, d, ends, b);
        continue;
      }
      // Skip what every path of the range shares from depth d on (a directory's entries share
      // their directory): one pass, instead of a counting pass per shared byte.
      const first = rows[lo]!;
      const base = (first === 0 ? 0 : ends[first - 1]!) + d;
      let common = ends[first]! - base;
      for (let k = lo + 1; k < hi && common > 0; k++) {
        const r = rows[k]!;
        const at = (r === 0 ? 0 : ends[r - 1]!) + d;
        const lim = Math.min(common, ends[r]! - at);
        let j = 0;
        while (j < lim && b[at + j] === b[base + j]) j++;
        common = j;
      }
      if (common > 0) {
        stack.push(lo, hi, d + common);
        continue;
      }
      count.fill(0);
      for (let k = lo; k < hi; k++) count[key(rows[k]!, d)]!++;
      // All alike at this depth (a shared prefix): on to the next byte, nothing moved.
      if (count[key(rows[lo]!, d)] === hi - lo) {
        if (key(rows[lo]!, d) !== 0) stack.push(lo, hi, d + 1);
        continue;
      }
      let at = lo;
      for (let c = 0; c < 257; c++) {
        pos[c] = at;
        at += count[c]!;
      }
      for (let k = lo; k < hi; k++) {
        const r = rows[k]!;
        tmp[pos[key(r, d)]!++] = r;
      }
      rows.set(tmp.subarray(lo, hi), lo);
      at = lo;
      for (let c = 0; c < 257; c++) {
        const m = count[c]!;
        if (c > 0 && m > 1) stack.push(at, at + m, d + 1);
        at += m;
      }
    }
    return rows;
  }
}

// FNV-1a over the bytes (a byte string hashes as its bytes).
function hashBytes(b: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let k = from; k < to; k++) h = Math.imul(h ^ b[k]!, 0x01000193);
  return h | 0;
}
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < s.length; k++) h = Math.imul(h ^ s.charCodeAt(k), 0x01000193);
  return h | 0;
}

/** Insertion sort of rows[lo .. hi) by their bytes from depth d on (all alike before it). */
function insertion(rows: Uint32Array, lo: number, hi: number, d: number, ends: Uint32Array, b: Buffer): void {
  for (let k = lo + 1; k < hi; k++) {
    const r = rows[k]!;
    let j = k - 1;
    while (j >= lo && after(rows[j]!, r, d, ends, b)) {
      rows[j + 1] = rows[j]!;
      j--;
    }
    rows[j + 1] = r;
  }
}

/** Whether row a's path comes after row b's (both alike before depth d). */
function after(a: number, b: number, d: number, ends: Uint32Array, bytes: Buffer): boolean {
  const as = (a === 0 ? 0 : ends[a - 1]!) + d;
  const bs = (b === 0 ? 0 : ends[b - 1]!) + d;
  const an = ends[a]! - as;
  const bn = ends[b]! - bs;
  const k = an < bn ? an : bn;
  for (let j = 0; j < k; j++) {
    const x = bytes[as + j]! - bytes[bs + j]!;
    if (x !== 0) return x > 0;
  }
  return an > bn;
}
