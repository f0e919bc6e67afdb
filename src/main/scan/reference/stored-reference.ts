// The quick-scan reference: what a quick scan may reuse instead of reading it again (the
// server's last full scan, and the gold-master baselines taken of it since), as stored sets of
// entries in packs (store/packs), and the rule that decides whether a stored entry may be reused.
import { TOOL_ATTRIBUTES, type ToolAttribute } from '../../../shared/attributes.js';
import type { EntryAttributes, FileContent, Inode } from '../../../shared/domain.js';
import type { EntryState } from '../../model/entry.js';
import type { Db } from '../../store/db.js';
import { byteOrder, EntryFields, forEachInPacks, PackEncoder } from '../../store/packs/codec.js';
import { baselineSet, PACK_SIZE, packsOf, serverFullSet } from '../../store/packs/pack-store.js';
import type { StoredPolicy } from '../../policy/policies.js';
import { baselinePolicyId } from '../../baseline/baselines.js';
import { fullScanBaselineIds, lastFullScan } from './full-scans.js';

/** What a quick scan reuses from the server's last full scan, by path. */
export interface ReferenceEntry {
  type: string;
  size: number;
  mtime: string;
  ctime: string;
  inode: Inode;
  sha256: string | null;
  content?: FileContent | null;
  device?: string | null;
  /** The attributes beyond stat(2) the full scan checked (absent keys: not checked). */
  ext?: Partial<Pick<EntryAttributes, ToolAttribute>>;
}

/** One stored set of a quick scan's reference, read in path order (store/packs). */
export interface ReferenceSource {
  /** Its packs (store/packs/codec.ts) in path order, each read when it is asked for. */
  packs(): Iterable<Buffer>;
  /** Entries with times at or after this (host clock, seconds) are racy: read again. */
  racyFrom: number;
  /** A gold-master baseline of this scan's policy `policyIndex`: compared while it is read. */
  baseline?: { id: number; policyIndex: number };
}

/** What a quick scan may reuse: stored sets, oldest first (a later one's entry replaces an earlier one's). */
export interface Reference {
  sources: ReferenceSource[];
}

/**
 * The reference of a quick scan: the server's last full scan (server_full_packs), then the
 * gold-master baselines taken of it since (server_full_baselines, oldest first: a later one's
 * entry replaces an earlier one's). Each is read once, in path order, by collect(). A baseline of
 * one of `policies` (this scan's) is named so that collect() compares it while reusing it, and
 * the evaluation need not read it again. Entries whose times are within two seconds of the host
 * clock when that scan started are not reused: a write in the same clock tick as the read would
 * not have moved them (as git's racy-clean rule).
 */
export function referenceOf(db: Db, serverId: number, policies: readonly StoredPolicy[] = []): Reference {
  const hostTime = lastFullScan(db, serverId)?.hostTime;
  const racyFrom = hostTime && /^\d+$/.test(hostTime) ? Number(hostTime) - 2 : Infinity;
  const sources: ReferenceSource[] = [{ racyFrom, packs: () => packsOf(db, serverFullSet(serverId)) }];
  const baselines = fullScanBaselineIds(db, serverId).map((id) => ({ id, policy: baselinePolicyId(db, id) }));
  for (const b of baselines) {
    const policyIndex = policies.findIndex((p) => p.id === b.policy);
    sources.push({
      racyFrom,
      packs: () => packsOf(db, baselineSet(b.id)),
      ...(policyIndex >= 0 ? { baseline: { id: b.id, policyIndex } } : {}),
    });
  }
  return { sources };
}

/** A reference of one set of entries held in memory, encoded as the store would (tests, tools). */
export function memoryReference(entries: Iterable<EntryState>, racyFrom = Infinity): Reference {
  const sorted = [...entries].sort((a, b) => byteOrder(a.path, b.path));
  const packs: Buffer[] = [];
  const encoder = new PackEncoder();
  const f = new EntryFields();
  for (const e of sorted) {
    encoder.add(e.path, f.fromState(e));
    if (encoder.count >= PACK_SIZE) packs.push(encoder.finish());
  }
  if (encoder.count) packs.push(encoder.finish());
  return { sources: [{ racyFrom, packs: () => packs }] };
}

/**
 * What the reference gives for each path, as one map (tests and tools: a scan pairs them with its rows instead).
 * The same rules as collect()'s: the last source that has a path decides, and an entry not read
 * whole by its scan (an error, a file not hashed) or racy gives nothing.
 */
export function referenceLookup(db: Db, serverId: number): (path: string) => ReferenceEntry | undefined {
  const map = new Map<string, ReferenceEntry | null>();
  for (const source of referenceOf(db, serverId).sources) {
    forEachInPacks(source.packs(), (f) => {
      if (!reusable(f, source.racyFrom)) return void map.set(f.path(), null);
      const r: ReferenceEntry = { type: f.type, size: f.size, mtime: f.mtime(), ctime: f.ctime(), inode: f.inode, sha256: f.sha256(), device: f.device };
      const content = f.ext('content');
      if (content !== undefined) r.content = content;
      for (const k of TOOL_ATTRIBUTES) {
        const v = f.ext(k);
        if (v !== undefined) (r.ext ??= {})[k] = v;
      }
      map.set(f.path(), r);
    });
  }
  return (path) => map.get(path) ?? undefined;
}

/** Whether a stored entry may be reused: read whole by its scan, and not racy. */
export function reusable(f: EntryFields, racyFrom: number): boolean {
  if (f.error !== null || (f.type === 'file' && f.sha === null && f.shaText === null)) return false;
  if (racyFrom === Infinity) return true;
  const m = f.mtimeText === null ? f.mtimeS + f.mtimeN / 1e9 : parseFloat(f.mtimeText);
  const c = f.ctimeText === null ? f.ctimeS + f.ctimeN / 1e9 : parseFloat(f.ctimeText);
  return !(c >= racyFrom || m >= racyFrom);
}

