// Turns one policy's share of a scan into deviations. `master` targets are compared with the
// policy's active gold-master baselines (an entry is clean if it matches any of them, or a
// deviation accepted for this server); `self` targets with the server's own accepted state.
import type { AttributeChange, ChangeKind, Target } from '../../shared/domain.js';
import { compileTarget, covering, isUnder, type CompiledTarget } from '../model/coverage.js';
import { comparedAttributes, describe, diffAttributes, uncheckedAttributes } from './compare.js';
import type { EntryState } from '../model/entry.js';

export interface Deviation {
  path: string; // byte string
  change: ChangeKind;
  target: Target;
  attributes: AttributeChange[];
  baseline: EntryState | null;
  current: EntryState | null;
  error: string | null;
}

/** Accepted entries by path: absent (null) or an entry. */
export type AcceptedEntries = Map<string, EntryState | null>;

export interface PolicyScan {
  targets: Target[];
  /** Entries this scan found for this policy, each with the target that decides it. */
  current: Map<string, { entry: EntryState; target: Target }>;
  /** Active gold-master baselines: path → entry. */
  baselines: Map<string, EntryState>[];
  /** Deviations accepted for this server only (master targets): path → accepted entry, or null if accepted as absent. */
  serverAccepts: AcceptedEntries;
  /** The server's accepted state of its self targets. */
  selfState: Map<string, EntryState>;
  /** Self targets whose state has been set by an earlier scan. */
  selfInitialized: Set<string>;
}

export interface PolicyVerdict {
  deviations: Deviation[];
  /** Entries of self targets seen for the first time: they become the accepted state. */
  selfInit: EntryState[];
  selfInitTargets: string[];
  /** Baseline or state entries that could not be checked because a directory above them was unreadable. */
  unchecked: number;
}

export function evaluatePolicy(scan: PolicyScan): PolicyVerdict {
  const compiled = scan.targets.map(compileTarget);
  const unreadableDirs = [...scan.current.values()]
    .filter(({ entry }) => entry.attrs.type === 'directory' && entry.error)
    .map(({ entry }) => entry.path);
  const belowUnreadable = (p: string) => unreadableDirs.some((d) => p !== d && isUnder(p, d));

  const deviations: Deviation[] = [];
  const selfInit: EntryState[] = [];
  const selfInitTargets = new Set<string>();
  let unchecked = 0;

  // Which target decides a stored path, if the policy still covers it.
  const decider = (path: string): CompiledTarget | null => covering(compiled, path);

  const masterPaths = new Set<string>();
  const selfPaths = new Set<string>();
  for (const [path, { target }] of scan.current) {
    if (target.compare === 'master') masterPaths.add(path);
    else if (scan.selfInitialized.has(target.path)) selfPaths.add(path);
    else {
      selfInit.push(scan.current.get(path)!.entry);
      selfInitTargets.add(target.path);
    }
  }
  const consider = (path: string, into: Set<string>, compare: 'master' | 'self') => {
    if (into.has(path)) return;
    const t = decider(path);
    if (!t || t.target.compare !== compare) return;
    if (compare === 'self' && !scan.selfInitialized.has(t.target.path)) return;
    if (belowUnreadable(path)) {
      unchecked++;
      return;
    }
    into.add(path);
  };
  if (scan.baselines.length > 0) {
    for (const b of scan.baselines) for (const path of b.keys()) consider(path, masterPaths, 'master');
    for (const path of scan.serverAccepts.keys()) consider(path, masterPaths, 'master');
  } else masterPaths.clear(); // no active baseline: master targets are not compared (the scan says so)
  for (const path of scan.selfState.keys()) consider(path, selfPaths, 'self');

  for (const path of masterPaths) {
    const candidates: (EntryState | null)[] = scan.baselines.map((b) => b.get(path) ?? null);
    if (scan.serverAccepts.has(path)) candidates.push(scan.serverAccepts.get(path)!);
    const d = judge(path, scan.current.get(path), candidates, decider);
    if (d) deviations.push(d);
  }
  for (const path of selfPaths) {
    const d = judge(path, scan.current.get(path), [scan.selfState.get(path) ?? null], decider);
    if (d) deviations.push(d);
  }
  return { deviations, selfInit, selfInitTargets: [...selfInitTargets], unchecked };
}

function judge(
  path: string,
  found: { entry: EntryState; target: Target } | undefined,
  candidates: (EntryState | null)[],
  decider: (path: string) => CompiledTarget | null,
): Deviation | null {
  const current = found?.entry ?? null;
  const target = found?.target ?? decider(path)?.target;
  if (!target) return null;
  const names = comparedAttributes(target);
  let best: { entry: EntryState; changes: AttributeChange[] } | null = null;
  for (const c of candidates) {
    if (c === null) {
      if (current === null) return null;
      continue;
    }
    if (current === null) continue;
    const changes = diffAttributes(c.attrs, current.attrs, names);
    if (changes.length === 0) return null;
    if (!best || changes.length < best.changes.length) best = { entry: c, changes };
  }
  const error = current?.error ?? null;
  if (current === null) {
    const baseline = candidates.find((c): c is EntryState => c !== null)!;
    return { path, change: 'removed', target, attributes: describe(baseline.attrs, names, 'baseline'), baseline, current: null, error };
  }
  if (!best) return { path, change: 'added', target, attributes: describe(current.attrs, names, 'current'), baseline: null, current, error };
  // Attributes one side could not check are listed too: not known to be equal.
  const attributes = [...best.changes, ...uncheckedAttributes(best.entry.attrs, current.attrs, names)];
  return { path, change: 'modified', target, attributes, baseline: best.entry, current, error };
}
