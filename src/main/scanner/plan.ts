// Turns the policies of one server into the scanner's arguments. Each distinct target becomes one
// find walk; a walk prunes the more specific targets of the same policy nested inside it (they
// are walked on their own), so that every entry is found once, by the target that decides it.
import type { Policy, Target } from '../../shared/domain.js';
import { globEscape } from '../model/glob.js';
import { isUnder } from '../model/coverage.js';
import { PROTOCOL_VERSION } from './protocol.js';
import { DEFAULT_SECRET_PATTERNS } from './scan-options.js';

export interface PlannedWalk {
  root: string;
  /** Which (policy, target) pairs this walk serves. */
  owners: { policy: number; target: Target }[];
  /** Content size limit of the walk's files (bytes), null when the target keeps no content. */
  content: number | null;
  /** Patterns of lines masked in kept content. */
  secrets: string[];
}

export interface ScanPlan {
  walks: PlannedWalk[];
  /** Per walk: IDX ROOT MAXDEPTH XDEV CONTENT NPRUNE PRUNE-WORDS... NINCLUDE INCLUDE-WORDS... */
  walkArgs: string[];
  /** The arguments of a full scan: `2 scan JOBS NICE HASH NTARGETS` and the walks. */
  args: string[];
}

export function buildPlan(policies: Policy[], jobs = 0): ScanPlan {
  const walks: PlannedWalk[] = [];
  const walkArgs: string[] = [];
  const byKey = new Map<string, PlannedWalk>();
  policies.forEach((policy, policyIndex) => {
    for (const target of policy.targets) {
      const nested = policy.targets.filter((t) => t.path !== target.path && isUnder(t.path, target.path)).map((t) => t.path);
      const words = walkWords(target, nested);
      const secrets = target.content ? (target.contentSecrets ?? DEFAULT_SECRET_PATTERNS) : [];
      const key = JSON.stringify([words, secrets]);
      let walk = byKey.get(key);
      if (!walk) {
        walk = { root: target.path, owners: [], content: target.content ?? null, secrets };
        byKey.set(key, walk);
        walkArgs.push(String(walks.length));
        // One at a time: spreading a long pattern list into push() overflows the call stack.
        for (const w of words) walkArgs.push(w);
        walks.push(walk);
      }
      walk.owners.push({ policy: policyIndex, target });
    }
  });
  return { walks, walkArgs, args: [PROTOCOL_VERSION, 'scan', String(jobs), '1', '1', String(walks.length)].concat(walkArgs) };
}

/** ROOT MAXDEPTH XDEV CONTENT NPRUNE PRUNE-WORDS... NINCLUDE INCLUDE-WORDS... (see remote-scripts/scan.sh) */
export function walkWords(target: Target, nestedRoots: string[]): string[] {
  const root = target.path;
  const prune: string[] = [];
  const add = (list: string[], words: string[]) => {
    if (list.length) list.push('-o');
    for (const w of words) list.push(w);
  };
  for (const n of nestedRoots) add(prune, ['-path', globEscape(n)]);
  for (const p of target.exclude) add(prune, patternWords(root, p));
  const include: string[] = [];
  for (const p of target.include) add(include, patternWords(root, p));
  if (include.length) include.unshift('-o');
  return [root, target.depth === null ? '' : String(target.depth), target.crossMounts ? '0' : '1', String(target.content ?? 0), String(prune.length)].concat(prune, [String(include.length)], include);
}

function patternWords(root: string, pattern: string): string[] {
  if (!pattern.includes('/')) return ['-name', pattern];
  const base = root === '/' ? '' : globEscape(root);
  return ['-path', `${base}/${pattern.replace(/^\/+/, '')}`];
}
