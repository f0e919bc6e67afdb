// A quick scan's metadata pass is one find on one core: where the host can, it walks in two at
// once instead (scan.sh, split_walks). The second walk takes some directories one level below
// the walks' roots, the first all the rest. Which directories: about half of the entries, judged
// from the server's last full scan as its packs lie (each pack's first path and entry count), so
// that the choice reads no entry and costs nothing before the host starts. A pack counts for a
// directory when the next pack begins in it too (in path order, all its entries are then in
// it): only directories of more than a pack are seen, the ones worth a walk of their own. A tree
// of small directories is walked once.
//
// Whatever the choice, the scan finds the same entries: both walks apply the same predicate to
// the same paths (scan.sh); a poor choice only balances them less well.
import { isUnder } from '../model/coverage.js';
import { globEscape } from '../model/glob.js';
import type { PackLayout } from '../store/packs/pack-store.js';
import type { ScanPlan } from './plan.js';

/** Below this many entries one walk is about as fast: a second find and perl cost a few ms. */
export const SPLIT_FROM = 20_000;
/** Directories named at most: the first walk tests each entry one level down against each. */
const MAX_DIRS = 16;
/** A root or directory name the split may use: printable ASCII, a plain absolute path. */
const PLAIN_ROOT = /^\/(?:[\x20-\x2e\x30-\x7e]+\/)*[\x20-\x2e\x30-\x7e]*$/;
const PLAIN_NAME = /^[\x20-\x2e\x30-\x7e]+$/;

/**
 * The split section of scan.sh's arguments for a quick scan's metadata pass: NSPLIT, then per
 * walk split IDX NDIRS DIR-PATTERN... (the directories' paths glob-escaped); none when nothing
 * is worth splitting.
 */
export function walkSplitArgs(plan: ScanPlan, layout: readonly PackLayout[] | undefined, from = SPLIT_FROM): string[] {
  if (!layout?.length) return [];
  const total = layout.reduce((n, p) => n + p.entries, 0);
  if (total < from) return [];
  const roots = plan.walks.map((w) => w.root);
  // A walk alone on its tree (no other walk's root at, above or below its own), that goes at
  // least two levels down.
  const splittable = plan.walks.map((w, i) => {
    const depth = w.owners[0]?.target.depth ?? null;
    const plain = PLAIN_ROOT.test(w.root) && !/\/\.{1,2}(\/|$)/.test(w.root) && (w.root === '/' || !w.root.endsWith('/'));
    return plain && (depth === null || depth >= 2) && roots.every((r, j) => j === i || (!isUnder(r, w.root) && !isUnder(w.root, r)));
  });
  // The directory one level below a splittable walk's root that a path lies in.
  const dirOf = (p: string): { walk: number; dir: string } | null => {
    const walk = plan.walks.findIndex((w, i) => splittable[i] && p !== w.root && isUnder(p, w.root));
    if (walk < 0) return null;
    const root = plan.walks[walk]!.root;
    const below = root === '/' ? '/' : `${root}/`;
    const rest = p.slice(below.length);
    const slash = rest.indexOf('/');
    // An entry of the root itself.
    if (slash <= 0) return null;
    const name = rest.slice(0, slash);
    return PLAIN_NAME.test(name) && name !== '.' && name !== '..' ? { walk, dir: below + name } : null;
  };
  const packs = [...layout].sort((a, b) => (a.firstPath < b.firstPath ? -1 : a.firstPath > b.firstPath ? 1 : 0));
  const counts = new Map<string, { walk: number; dir: string; entries: number }>();
  for (let k = 0; k + 1 < packs.length; k++) {
    const here = dirOf(packs[k]!.firstPath);
    if (!here || dirOf(packs[k + 1]!.firstPath)?.dir !== here.dir) continue;
    const c = counts.get(here.dir) ?? { ...here, entries: 0 };
    c.entries += packs[k]!.entries;
    counts.set(here.dir, c);
  }
  // The largest first, as long as the second walk stays at or under half.
  const chosen = new Map<number, string[]>();
  let taken = 0;
  let named = 0;
  for (const c of [...counts.values()].sort((a, b) => b.entries - a.entries || (a.dir < b.dir ? -1 : 1))) {
    if (named === MAX_DIRS) break;
    if (taken + c.entries > total / 2) continue;
    chosen.set(c.walk, [...(chosen.get(c.walk) ?? []), globEscape(c.dir)]);
    taken += c.entries;
    named++;
  }
  // Too little to be worth a second walk.
  if (taken < total / 5) return [];
  return [String(chosen.size), ...[...chosen].flatMap(([walk, dirs]) => [String(walk), String(dirs.length), ...dirs])];
}
