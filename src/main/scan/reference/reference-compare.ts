// A quick scan's entries against its reference (the server's last full scan, stored-reference.ts). An
// entry whose type, inode, ctime (and for a file size and mtime) are those of the last full scan
// keeps what that scan read: hash, content, device numbers, and the attributes beyond stat(2)
// (changing any of them moves ctime); the others are read again by a `list` run. Sources are
// taken latest first, the first to have a path deciding it. A gold-master baseline in the
// reference that the scan compares is compared at the same time (twins), so that the evaluation
// does not read it again.
//
// A reference of up to `holdLimit` entries is read into memory while the host connects and starts
// (warm, then prepare; store/packs/held-set.ts) and each entry is compared as it arrives: the
// stream's end then leaves nothing to do but the list, where a sorted merge after the stream
// would add to every quick scan's time. A larger one is not held (its memory grows with its
// entries) but merged with the table after the stream (compare/pair.ts).
import { ALL_ATTRIBUTES, TOOL_ATTRIBUTES, type AttributeName, type ToolAttribute } from '../../../shared/attributes.js';
import type { FileContent, Target } from '../../../shared/domain.js';
import type { ByteString, EntryState } from '../../model/entry.js';
import { pairWithTable } from '../../compare/pair.js';
import { EntryFields, forEachInPacks, parseExtra } from '../../store/packs/codec.js';
import { HeldSet } from '../../store/packs/held-set.js';
import type { EntryTable } from '../../scanner/entry-table.js';
import type { ScanPlan } from '../../scanner/plan.js';
import { walkTargets } from '../walk-targets.js';
import { reusable, type Reference, type ReferenceSource } from './stored-reference.js';

/**
 * A compared baseline met in a quick scan's reference: the rows equal to its entry on every
 * attribute (error-free, master-compared by policy `policyIndex`, no kept content), and its other
 * entries, made, for the evaluation (scan/clean-paths.ts) to check as it would any other.
 */
export interface BaselineTwins {
  policyIndex: number;
  rows: Uint8Array;
  leftovers: EntryState[];
}

/** Entries of a reference held in memory at most (docs/performance.md: what one takes). */
export const HOLD_LIMIT = 250_000;
/** Held paths indexed with each row that comes while they are not all. */
const INDEX_PER_ROW = 16;
/** Held paths indexed in one slice of warm(). */
const INDEX_SLICE = 4096;

export class ReferenceCompare {
  /** By compared baseline id: its twins (after finish). */
  readonly twins = new Map<number, BaselineTwins>();
  private readonly sources: ReferenceSource[];
  /** By source: the target that decides each walk's entries, for a compared baseline. */
  private readonly walkTarget: ((Target | undefined)[] | null)[];
  /** begin() was called: the first entry has come. */
  begun = false;
  private prepared = false;
  /** warm()'s progress. */
  private warming: Generator<void> | null = null;
  private done = false;
  /** Every source in memory, or null: merged after the stream. */
  private held: HeldSet[] | null = null;
  /** Held: by compared baseline (source), the row each of its entries is a twin of, or -1. */
  private twinRow: (Int32Array | null)[] = [];
  /** By row: the source it was reused from, READ_AGAIN or UNDECIDED. */
  private decided = new Int32Array(0);
  /** Rows found by one more walk after they were compared (what decides them may have changed). */
  private readonly regrown = new Set<number>();
  /** Rows that came while the held paths were being indexed, to compare once they are (null: they are). */
  private waiting: number[] | null = [];
  /**
   * Held: by entry of the latest source (looked up for every row), the row of its path, or -1; a
   * second row of one path is a path given twice (`twice`). Only the rows whose path that source
   * lacks (`unclaimed`) may share a path unseen: duplicate() sorts those alone, not every row.
   */
  private claimedBy: Int32Array | null = null;
  private twice = -1;
  private readonly unclaimed: number[] = [];
  private readonly f = new EntryFields();
  private checked: ReadonlySet<string> = new Set();
  private plans = new WeakMap<object, ExtraPlan>();
  private noExtra = extraPlan(undefined, this.checked);

  constructor(
    private readonly entries: EntryTable,
    plan: ScanPlan,
    reference: Reference,
    /** The content size limit of row i's walks (null: none kept). */
    private readonly limitOf: (i: number) => number | null,
    /** About how many entries the reference holds (the server's last scan). */
    private readonly expected = 0,
    private readonly holdLimit = HOLD_LIMIT,
  ) {
    this.sources = reference.sources;
    this.walkTarget = this.sources.map((s) => (s.baseline ? walkTargets(plan, s.baseline.policyIndex) : null));
  }

  /** Entries are being compared as they come: the host's facts and names may no longer change. */
  get comparing(): boolean {
    return this.begun && !this.done;
  }

  /**
   * Reads the reference into memory, what warm() has not read yet; the paths not indexed yet are
   * indexed a little with each row that comes (arrived).
   */
  prepare(): void {
    while (this.held === null && this.warm());
  }

  /**
   * One slice of reading the reference into memory and indexing its paths (a pack's worth):
   * whether there is more. Nothing is held when it holds (or is expected to hold) more than
   * holdLimit entries.
   */
  warm(): boolean {
    if (this.prepared) return false;
    this.warming ??= this.reading();
    if (!this.warming.next().done) return true;
    this.prepared = true;
    return false;
  }

  private *reading(): Generator<void> {
    if (this.expected > this.holdLimit) return;
    const held: HeldSet[] = [];
    let room = this.holdLimit;
    for (const source of this.sources) {
      const set = new HeldSet(Math.min(this.expected, room));
      for (const pack of source.packs()) {
        if (!set.addPack(pack, room)) return;
        yield;
      }
      room -= set.size;
      held.push(set);
    }
    this.held = held;
    this.twinRow = held.map((set, s) => (this.walkTarget[s] ? new Int32Array(set.size).fill(-1) : null));
    if (held.length) this.claimedBy = new Int32Array(held[held.length - 1]!.size).fill(-1);
    this.decided = new Int32Array(Math.max(1024, this.expected)).fill(UNDECIDED);
    // The sets every row is looked up in: indexed now if there is time.
    for (let s = 0; s < held.length; s++) {
      if (!this.alwaysLookedUp(s)) continue;
      while (!held[s]!.indexSome(INDEX_SLICE)) yield;
    }
  }

  /**
   * Whether every row is looked up in held source s: the latest, and compared baselines. An
   * earlier one only for a row that a later one did not decide (compareHeld).
   */
  private alwaysLookedUp(s: number): boolean {
    return s === this.held!.length - 1 || this.twinRow[s] !== null;
  }

  /** What the host can check, and its names (twins compare owner and group): known from the first entry on. */
  begin(checked: ReadonlySet<string>, users: ReadonlyMap<number, string>, groups: ReadonlyMap<number, string>): void {
    this.begun = true;
    this.checked = checked;
    this.plans = new WeakMap();
    this.noExtra = extraPlan(undefined, checked);
    this.entries.finish(checked, users, groups);
  }

  /** Row i has arrived (`added`), or was found by one more walk. */
  arrived(i: number, added: boolean): void {
    if (!this.held || this.done) return;
    if (!added) {
      if (this.decided[i] !== UNDECIDED) this.regrown.add(i);
      return;
    }
    if (i >= this.decided.length) {
      const grown = new Int32Array(2 * i).fill(UNDECIDED);
      grown.set(this.decided);
      this.decided = grown;
    }
    if (this.waiting) {
      // The held paths are indexed a little with each row (a reference holds about as many
      // entries as the scan: all of them long before its end), not at once while the stream waits.
      this.waiting.push(i);
      // Only the sets every row is looked up in; another is indexed at once when a row first needs it.
      if (this.held.every((set, s) => !this.alwaysLookedUp(s) || set.indexSome(INDEX_PER_ROW))) this.compareWaiting();
      return;
    }
    this.compareHeld(i, true);
  }

  private compareWaiting(): void {
    const rows = this.waiting ?? [];
    this.waiting = null;
    for (const i of rows) this.compareHeld(i, true);
  }

  /** After the stream: each row's decision (the source it is reused from; negative: read it again). */
  finish(checked: ReadonlySet<string>, users: ReadonlyMap<number, string>, groups: ReadonlyMap<number, string>): Int32Array {
    this.prepare();
    // Begun at the first entry, with the same facts and names (none may come after it).
    if (!this.begun) this.begin(checked, users, groups);
    this.done = true;
    const entries = this.entries;
    if (this.held) {
      this.compareWaiting();
      for (const i of this.regrown) {
        this.decided[i] = UNDECIDED;
        this.compareHeld(i, false);
      }
      // Each compared baseline's twins, and its other entries, in its order.
      for (let s = this.held.length - 1; s >= 0; s--) {
        const set = this.held[s]!;
        const rowOf = this.twinRow[s];
        if (!rowOf) continue;
        const twin = this.newTwin(s);
        for (let k = 0; k < set.size; k++) {
          if (rowOf[k]! >= 0) twin.rows[rowOf[k]!] = 1;
          else twin.leftovers.push(set.get(k, this.f, true).state());
        }
      }
      return this.decided;
    }
    this.decided = new Int32Array(entries.size).fill(UNDECIDED);
    for (let s = this.sources.length - 1; s >= 0; s--) {
      const twin = this.walkTarget[s] ? this.newTwin(s) : null;
      pairWithTable(entries, (each) => forEachInPacks(this.sources[s]!.packs(), each), (i, ref) => {
        const same = this.pair(i, ref, s);
        if (!twin) return;
        if (same) twin.rows[i] = 1;
        else twin.leftovers.push(ref.state());
      });
    }
    return this.decided;
  }

  private newTwin(s: number): BaselineTwins {
    const b = this.sources[s]!.baseline!;
    const twin: BaselineTwins = { policyIndex: b.policyIndex, rows: new Uint8Array(this.entries.size), leftovers: [] };
    this.twins.set(b.id, twin);
    return twin;
  }

  /** Row i with the entry of its path in each held source, latest first (`first`: the row's first compare). */
  private compareHeld(i: number, first: boolean): void {
    const held = this.held!;
    const entries = this.entries;
    for (let s = held.length - 1; s >= 0; s--) {
      // Once a later source decided the row, an earlier one matters only as a compared baseline
      // (its twins): pair() would do nothing with its entry.
      if (this.decided[i] !== UNDECIDED && !this.twinRow[s]) continue;
      const k = held[s]!.findBytes(entries.pathBuffer(), entries.pathStart(i), entries.pathEnd(i));
      if (first && s === held.length - 1) this.claim(i, k);
      if (k < 0) continue;
      const same = this.pair(i, held[s]!.get(k, this.f), s);
      const rowOf = this.twinRow[s];
      if (rowOf) rowOf[k] = same ? i : -1;
    }
  }

  private claim(i: number, k: number): void {
    if (k < 0) this.unclaimed.push(i);
    else if (this.claimedBy![k]! < 0) this.claimedBy![k] = i;
    else this.twice = i;
  }

  /**
   * After finish(): a path the stream gave twice for one walk, or null (EntryTable.duplicate()).
   * Held, the rows that claimed an entry of the latest source are known distinct but for `twice`;
   * only the others are sorted.
   */
  duplicate(): ByteString | null {
    if (!this.claimedBy) return this.entries.duplicate();
    if (this.twice >= 0) return this.entries.pathOf(this.twice);
    return this.entries.duplicate(Uint32Array.from(this.unclaimed));
  }

  /**
   * Row i (-1: none) and source s's entry of its path: row i is reused from it unless a later
   * source decided it. Whether the row is a twin of the entry (s being a compared baseline).
   */
  private pair(i: number, ref: EntryFields, s: number): boolean {
    const entries = this.entries;
    if (i >= 0 && this.decided[i] === UNDECIDED) this.decided[i] = this.reuse(i, ref, this.sources[s]!.racyFrom) ? s : READ_AGAIN;
    const walkTarget = this.walkTarget[s];
    if (!walkTarget || i < 0) return false;
    // A row reused is final: equal on every attribute, it is clean whatever its target compares
    // (what reuse() compared with this very entry is not compared again).
    const by = this.decided[i]!;
    const names = by !== s ? TWIN_ALL : entries.typeOf(i) === 'file' ? TWIN_FILE : TWIN_OTHER;
    return (
      by >= 0 && entries.errorOf(i) === null && this.limitOf(i) === null &&
      entries.lastOfWalks(i, walkTarget)?.compare === 'master' && entries.sameAsStored(i, ref, names, () => false)
    );
  }

  private reuse(i: number, ref: EntryFields, racyFrom: number): boolean {
    const entries = this.entries;
    if (!reusable(ref, racyFrom)) return false;
    const type = entries.typeOf(i);
    if (!entries.sameAsStored(i, ref, type === 'file' ? SAME_FILE : SAME_OTHER, () => false)) return false;
    // ... and the full scan checked everything this host can check now.
    const p = this.planOf(ref.extra);
    if (!p.covers) return false;
    if (type === 'file') {
      if (ref.sha !== null) entries.setShaBytes(i, ref.sha, ref.shaAt);
      else entries.setSha(i, ref.shaText!);
      if (p.content !== undefined && this.limitOf(i) !== null) entries.setContent(i, p.content);
    }
    if ((type === 'block' || type === 'char') && ref.device !== null && entries.deviceOf(i) === null) entries.setDevice(i, ref.device);
    // Only what this host can still check; a none (null) is what the table shows by default
    // for a checked attribute (of an entry read whole), so only values are kept.
    for (const [k, v] of p.values) entries.setExt(i, k, v);
    if (p.nones.length && entries.errorOf(i) !== null) for (const k of p.nones) entries.setExt(i, k, null);
    if (p.flags) entries.markFlags(i);
    return true;
  }

  /** What reuse() takes from a stored extra, worked out once per distinct one (a set has few). */
  private planOf(extra: string | null): ExtraPlan {
    if (extra === null) return this.noExtra;
    const ext = parseExtra(extra);
    let p = this.plans.get(ext);
    if (!p) this.plans.set(ext, (p = extraPlan(ext, this.checked)));
    return p;
  }
}


/** What a reused entry takes from its stored extra (the attributes beyond stat(2) and the content). */
interface ExtraPlan {
  /** The full scan checked every attribute this host can check now. */
  covers: boolean;
  /** The attributes this host checks that have a value, and those that have none. */
  values: [ToolAttribute, string][];
  nones: ToolAttribute[];
  /** lsattr answered. */
  flags: boolean;
  content: FileContent | null | undefined;
}

function extraPlan(ext: ReturnType<typeof parseExtra> | undefined, checked: ReadonlySet<string>): ExtraPlan {
  const values: [ToolAttribute, string][] = [];
  const nones: ToolAttribute[] = [];
  for (const k of TOOL_ATTRIBUTES) {
    const v = ext?.[k];
    if (v === undefined || !checked.has(k)) continue;
    if (v === null) nones.push(k);
    else values.push([k, v]);
  }
  return {
    covers: [...checked].every((k) => ext !== undefined && k in ext),
    values,
    nones,
    flags: ext?.flags !== undefined && checked.has('flags'),
    content: ext?.content,
  };
}

/** What a quick scan compares with its reference to reuse an entry. */
const SAME_FILE: AttributeName[] = ['type', 'inode', 'ctime', 'size', 'mtime'];
const SAME_OTHER: AttributeName[] = ['type', 'inode', 'ctime'];
/**
 * What else a twin must equal: every attribute but kept content (rows of walks that keep content
 * are never twins), less, for a row reused from the very entry, what reuse() compared, and what
 * it copied from it (the hash and the attributes beyond stat(2): equal by then).
 */
const TWIN_ALL: AttributeName[] = ALL_ATTRIBUTES.filter((a) => a !== 'content');
const COPIED: AttributeName[] = ['sha256', ...TOOL_ATTRIBUTES];
const TWIN_FILE: AttributeName[] = TWIN_ALL.filter((a) => !SAME_FILE.includes(a) && !COPIED.includes(a));
const TWIN_OTHER: AttributeName[] = TWIN_ALL.filter((a) => !SAME_OTHER.includes(a) && !COPIED.includes(a));
const UNDECIDED = -1;
const READ_AGAIN = -2;
