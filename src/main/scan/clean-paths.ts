// The paths of one policy's share of a scan that are certainly clean, found before the
// evaluation and left out of what it is given.
//
// evaluatePolicy (compare/evaluate.ts) judges each path against its candidates: the active
// baselines' entries and a per-server accepted entry (master targets), or the server's own state
// (self targets); a path equal to one candidate on the attributes its target compares is clean,
// whatever the others say. Such paths are found here by streaming the candidates' rows once
// (nothing kept) against the scan's entry table, and left out of every map evaluatePolicy gets —
// the current entries and all candidates alike — so its verdict is the same while a scan of a
// million entries materializes only the few that differ. Entries with an error are always kept:
// an unreadable directory decides what below it counts as unchecked.
import type { AttributeName } from '../../shared/attributes.js';
import type { Target } from '../../shared/domain.js';
import { comparedAttributes, diffAttributes } from '../compare/compare.js';
import { byteString, type EntryState } from '../model/entry.js';
import { pairWithTable } from '../compare/pair.js';
import type { StoredPolicy } from '../policy/policies.js';
import type { Db } from '../store/db.js';
import { EntryFields } from '../store/packs/codec.js';
import { baselineSet, forEachEntry, selfSet, type EntrySet } from '../store/packs/pack-store.js';
import type { Collected } from './collect.js';
import type { ScanPlan } from '../scanner/plan.js';
import { walkTargets } from './walk-targets.js';

/** What evaluatePolicy is given for one policy: its share of the scan and its candidates, the paths certainly clean left out. */
export interface EvaluationInputs {
  current: Map<string, { entry: EntryState; target: Target }>;
  baselines: Map<string, EntryState>[];
  serverAccepts: Map<string, EntryState | null>;
  selfState: Map<string, EntryState>;
  /**
   * Table rows of self targets seen for the first time, read whole: they become the accepted state
   * as they are (written from the table's columns), so they are neither made nor evaluated. Rows
   * with an error stay in `current` (an unreadable directory decides what below it is unchecked).
   */
  selfInitRows: number[];
  selfInitTargets: string[];
}

/**
 * Policy `policyIndex`'s share of the scan and its candidates, the paths certainly clean left out.
 *
 * Each active baseline is read once, in path order, merged with the table (compare/pair.ts): a
 * stored entry equal to its row is never made into an object. A baseline a quick scan already
 * compared while reusing it (Collected.twins) is not read again.
 */
export function leaveOutCleanPaths(
  db: Db,
  args: {
    plan: ScanPlan;
    collected: Collected;
    policyIndex: number;
    policy: StoredPolicy;
    serverId: number;
    baselineIds: number[];
    serverAccepts: Map<string, EntryState | null>;
    selfInitialized: Set<string>;
  },
): EvaluationInputs {
  const { plan, collected, policyIndex, policy, serverId } = args;
  const self = selfSet(serverId, policy.id);
  const walkTarget = walkTargets(plan, policyIndex);
  const table = collected.entries;
  const clean = new Uint8Array(table.size);
  const names = new Map<Target, AttributeName[]>();
  const namesOf = (t: Target) => names.get(t) ?? (names.set(t, comparedAttributes(t)), names.get(t)!);
  // The attributes that decide whether row `row` is clean against a candidate of `compare`, or
  // null when no candidate can make it clean (an error, no target of this kind).
  const comparable = (row: number, compare: 'master' | 'self'): AttributeName[] | null => {
    if (table.errorOf(row) !== null) return null;
    const target = table.lastOfWalks(row, walkTarget);
    if (!target || target.compare !== compare) return null;
    if (compare === 'self' && !args.selfInitialized.has(target.path)) return null;
    return namesOf(target);
  };
  const checkStored = (row: number, f: EntryFields, compare: 'master' | 'self'): boolean => {
    if (clean[row]) return true;
    const n = comparable(row, compare);
    if (!n || !table.sameAsStored(row, f, n, (current) => diffAttributes(f.attrs(), current.attrs, n).length === 0)) return false;
    clean[row] = 1;
    return true;
  };
  // Whether a candidate in memory (an accepted entry) makes its path certainly clean (marked).
  const scratch = new EntryFields();
  const checkEntry = (candidate: EntryState | null, compare: 'master' | 'self'): boolean => {
    if (!candidate) return false;
    const row = table.row(candidate.path);
    if (row === undefined) return false;
    scratch.fromState(candidate);
    return checkStored(row, scratch, compare);
  };
  // One pass over each stored candidate set, merged with the table: an entry is checked, and kept (made) for
  // evaluatePolicy unless it made its path clean.
  const keep = (set: EntrySet, compare: 'master' | 'self', kept = new Map<string, EntryState>()) => {
    pairWithTable(table, (each) => forEachEntry(db, set, each), (row, f) => {
      if (row >= 0 && checkStored(row, f, compare)) return;
      const e = f.state();
      kept.set(e.path, e);
    });
    return kept;
  };
  // Entries of paths found clean later (by another baseline) are dropped at the end.
  const baselines = args.baselineIds.map((id) => {
    const kept = new Map<string, EntryState>();
    const twins = collected.twins?.get(id);
    if (twins && twins.policyIndex === policyIndex) {
      // Rows equal to this baseline on every attribute, master-compared by this policy: clean.
      for (let row = 0; row < twins.rows.length; row++) if (twins.rows[row]) clean[row] = 1;
      for (const e of twins.leftovers) if (!checkEntry(e, 'master')) kept.set(e.path, e);
    } else keep(baselineSet(id), 'master', kept);
    return kept;
  });
  if (args.baselineIds.length > 0) for (const e of args.serverAccepts.values()) checkEntry(e, 'master');
  const selfState = keep(self, 'self');
  const isClean = (path: string) => {
    // The sets' keys are entry paths, typed string here: the brand stops at this edge.
    const row = table.row(byteString(path));
    return row !== undefined && clean[row] === 1;
  };
  if (baselines.length > 1 || args.serverAccepts.size) for (const b of baselines) for (const p of b.keys()) if (isClean(p)) b.delete(p);

  const current = new Map<string, { entry: EntryState; target: Target }>();
  const selfInitRows: number[] = [];
  const selfInitTargets = new Set<string>();
  for (let row = 0; row < table.size; row++) {
    if (clean[row]) continue;
    const target = table.lastOfWalks(row, walkTarget);
    if (!target) continue;
    if (target.compare === 'self' && !args.selfInitialized.has(target.path) && table.errorOf(row) === null) {
      selfInitRows.push(row);
      selfInitTargets.add(target.path);
    } else current.set(table.pathOf(row), { entry: table.entryAt(row), target });
  }
  const serverAccepts = new Map([...args.serverAccepts].filter(([p]) => !isClean(p)));
  return { current, baselines, serverAccepts, selfState, selfInitRows, selfInitTargets: [...selfInitTargets] };
}
