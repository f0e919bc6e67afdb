// What one policy's evaluation needs from a scan, without the entries that are certainly clean.
//
// evaluatePolicy (diff/evaluate.ts) judges each path against its candidates: the active
// baselines' entries and a per-server accepted entry (master targets), or the server's own state
// (self targets); a path equal to one candidate on the attributes its target compares is clean,
// whatever the others say. Such paths are found here by streaming the candidates' rows once
// (nothing kept) against the scan's entry table, and left out of every map evaluatePolicy gets —
// the current entries and all references alike — so its verdict is the same while a scan of a
// million entries materializes only the few that differ. Entries with an error are always kept:
// an unreadable directory decides what below it counts as unchecked.
import type { Target } from '../../shared/domain.js';
import { comparedAttributes, diffAttributes, type EntryState } from '../diff/compare.js';
import type { StoredPolicy } from '../policy/policies.js';
import type { Db } from '../store/db.js';
import { ENTRY_FIELDS, iterateEntries } from '../store/entries.js';
import type { Collected } from './collect.js';
import { EntryTable } from './entry-table.js';
import type { ScanPlan } from './plan.js';

export interface PolicyInputs {
  current: Map<string, { entry: EntryState; target: Target }>;
  baselines: Map<string, EntryState>[];
  serverAccepts: Map<string, EntryState | null>;
  selfState: Map<string, EntryState>;
}

/**
 * Policy `policyIndex`'s share of the scan and its references, clean paths left out. With a
 * collection that is not an entry table, nothing is left out.
 */
export function policyInputs(
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
): PolicyInputs {
  const { plan, collected, policyIndex, policy, serverId } = args;
  const table = collected.entries instanceof EntryTable ? collected.entries : null;
  const selfSql = `SELECT ${ENTRY_FIELDS} FROM self_entries WHERE server_id = ? AND policy_id = ?`;
  const baselineSql = `SELECT ${ENTRY_FIELDS} FROM baseline_entries WHERE baseline_id = ?`;

  // The target that decides each walk's entries for this policy (the last owner wins, as in sharesOf).
  const walkTarget: (Target | undefined)[] = plan.walks.map((w) => {
    let t: Target | undefined;
    for (const o of w.owners) if (o.policy === policyIndex) t = o.target;
    return t;
  });
  const targetOf = (walks: number[]): Target | undefined => {
    let t: Target | undefined;
    for (const w of walks) t = walkTarget[w] ?? t;
    return t;
  };

  const clean = new Uint8Array(table ? table.size : 0);
  const names = new Map<Target, ReturnType<typeof comparedAttributes>>();
  const namesOf = (t: Target) => names.get(t) ?? (names.set(t, comparedAttributes(t)), names.get(t)!);
  // Whether a candidate makes its path certainly clean (marked), read from the table's columns.
  // Returns whether the path is (now) clean.
  const check = (candidate: EntryState | null, compare: 'master' | 'self'): boolean => {
    if (!table || !candidate) return false;
    const row = table.row(candidate.path);
    if (row === undefined) return false;
    if (clean[row]) return true;
    if (table.errorOf(row) !== null) return false;
    const target = targetOf(table.walksOf(row));
    if (!target || target.compare !== compare) return false;
    if (compare === 'self' && !args.selfInitialized.has(target.path)) return false;
    const n = namesOf(target);
    if (!table.sameAs(row, candidate.attrs, n, (current) => diffAttributes(candidate.attrs, current.attrs, n).length === 0)) return false;
    clean[row] = 1;
    return true;
  };
  // One pass over each reference: a row is checked, and kept for evaluatePolicy unless it made its
  // path clean; rows of paths found clean later (by another baseline) are dropped at the end.
  const keep = (sql: string, compare: 'master' | 'self', ...params: unknown[]) => {
    const map = new Map<string, EntryState>();
    for (const e of iterateEntries(db, null, sql, ...params)) if (!check(e, compare)) map.set(e.path, e);
    return map;
  };
  const baselines = args.baselineIds.map((id) => keep(baselineSql, 'master', id));
  if (args.baselineIds.length > 0) for (const e of args.serverAccepts.values()) check(e, 'master');
  const selfState = keep(selfSql, 'self', serverId, policy.id);
  const isClean = (path: string) => {
    if (!table) return false;
    const row = table.row(path);
    return row !== undefined && clean[row] === 1;
  };
  if (baselines.length > 1 || args.serverAccepts.size) for (const b of baselines) for (const p of b.keys()) if (isClean(p)) b.delete(p);

  const current = new Map<string, { entry: EntryState; target: Target }>();
  if (table) {
    let row = 0;
    for (const path of table.keys()) {
      if (!clean[row]) {
        const target = targetOf(table.walksOf(row));
        if (target) current.set(path, { entry: table.entryAt(row), target });
      }
      row++;
    }
  } else {
    for (const e of collected.entries.values()) {
      const target = targetOf(e.walks);
      if (target) current.set(e.path, { entry: e, target });
    }
  }
  const serverAccepts = new Map([...args.serverAccepts].filter(([p]) => !isClean(p)));
  return { current, baselines, serverAccepts, selfState };
}
