// A stored set read once into memory and found by path: a quick scan holds its reference while
// its stream arrives, to compare each entry with its stored one as it comes
// (scan/reference/reference-compare.ts). The packs are kept as they were read, with where each entry is in
// them (its path and fields are read again from there), and the paths are copied into a
// PathColumn with its index: ~160 bytes an entry, so a set is held only up to a limit.
//
// A set is read a pack at a time (addPack), which only notes where its entries are; their paths
// are indexed after, a slice at a time (indexSome): a quick scan does both while the host connects
// and starts, between the events of the connection, and what is left while the stream arrives.
import { PathColumn } from '../../model/path-column.js';
import { EntryFields, PackReader } from './codec.js';

export class HeldSet {
  private readonly paths = new PathColumn();
  private readonly packs: PackReader[] = [];
  /** Per entry: its pack (in `packs`) and where it is in it. */
  private packOf: Uint32Array;
  private entryAt: Uint32Array;
  private n = 0;
  /** Paths are read again (and indexed) in order: the one before is in `last` (front coding). */
  private readonly last = new EntryFields();
  private readonly scratch = new EntryFields();

  /** Room for `expected` entries is made at once. */
  constructor(expected = 0) {
    this.paths.reserve(expected * 64);
    this.paths.indexFor(expected);
    this.packOf = new Uint32Array(Math.max(1024, expected));
    this.entryAt = new Uint32Array(Math.max(1024, expected));
  }

  /** The entries of one more pack (the set's next in path order); false when they would make more than `limit`. */
  addPack(data: Buffer, limit: number): boolean {
    const r = new PackReader(data);
    if (this.n + r.count > limit) return false;
    const f = this.scratch;
    for (let i = 0; i < r.count; i++) {
      r.next(f);
      this.add(r, f.at);
    }
    return true;
  }

  get size(): number {
    return this.n;
  }

  private add(pack: PackReader, at: number): void {
    const k = this.n++;
    if (k === this.packOf.length) {
      const packOf = new Uint32Array(2 * k);
      packOf.set(this.packOf);
      this.packOf = packOf;
      const entryAt = new Uint32Array(2 * k);
      entryAt.set(this.entryAt);
      this.entryAt = entryAt;
    }
    if (this.packs.at(-1) !== pack) this.packs.push(pack);
    this.packOf[k] = this.packs.length - 1;
    this.entryAt[k] = at;
  }

  /** Indexes up to `count` more paths; whether every path is indexed. */
  indexSome(count: number): boolean {
    const to = Math.min(this.n, this.paths.size + count);
    for (let k = this.paths.size; k < to; k++) {
      this.packs[this.packOf[k]!]!.pathAt(this.entryAt[k]!, this.last);
      this.paths.pushBytes(this.last.pathBuf, this.last.pathLen);
    }
    return to === this.n;
  }

  /** The entry of the path other[from .. to) (its index, in the set's order), or -1. */
  findBytes(other: Uint8Array, from: number, to: number): number {
    this.indexSome(this.n);
    return this.paths.findBytes(other, from, to);
  }

  /** Entry k's fields into f, and its path with `withPath`. */
  get(k: number, f: EntryFields, withPath = false): EntryFields {
    this.packs[this.packOf[k]!]!.fieldsAt(this.entryAt[k]!, f);
    if (withPath) {
      this.indexSome(this.n);
      const from = this.paths.start(k);
      const len = this.paths.end(k) - from;
      if (len > f.pathBuf.length) f.pathBuf = Buffer.alloc(2 * len);
      this.paths.buffer().copy(f.pathBuf, 0, from, from + len);
      f.pathLen = len;
    }
    return f;
  }
}
