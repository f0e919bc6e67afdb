// Which directories a quick scan's second walk takes (scanner/walk-split.ts): judged from the layout
// of the server's last full scan, about half of the entries in the largest directories, none
// when it is not worth it or the walk cannot be split safely.
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../../src/main/scanner/plan.js';
import { walkSplitArgs } from '../../../src/main/scanner/walk-split.js';
import type { PackLayout } from '../../../src/main/store/packs/pack-store.js';
import type { Target } from '../../../src/shared/domain.js';
import { policy, target } from '../../support/targets.js';
import { byteString } from '../../../src/main/model/entry.js';

const PACK = 4096;
/** Packs beginning at these paths, PACK entries each, in any order. */
const layout = (...firsts: string[]): PackLayout[] => firsts.map((firstPath) => ({ firstPath: byteString(firstPath), entries: PACK }));
const planOf = (...targets: Target[]) => buildPlan([policy('p', targets)]);

// /usr/share: man spans packs 1-4 (three lie wholly in it), doc packs 5-6 (one), icons 7 (none:
// the next pack begins elsewhere), locale 8-9 (one); pack 0 holds the root's own entries.
const SHARE = layout(
  '/usr/share/0',
  '/usr/share/man/a', '/usr/share/man/b', '/usr/share/man/c', '/usr/share/man/d',
  '/usr/share/doc/a', '/usr/share/doc/b',
  '/usr/share/icons/a',
  '/usr/share/locale/a', '/usr/share/locale/b',
  '/usr/share/zz',
);

describe('walkSplitArgs', () => {
  it('names the largest directories, up to half of the entries, from the packs that lie wholly in them', () => {
    // 11 packs; man counts 3, doc 1, locale 1: five, under half.
    expect(walkSplitArgs(planOf(target('/usr/share')), SHARE)).toEqual(['1', '0', '3', '/usr/share/man', '/usr/share/doc', '/usr/share/locale']);
    // In whatever order the layout comes.
    expect(walkSplitArgs(planOf(target('/usr/share')), [...SHARE].reverse())).toEqual(['1', '0', '3', '/usr/share/man', '/usr/share/doc', '/usr/share/locale']);
  });

  it('keeps the second walk at or under half', () => {
    const big = layout('/t/a/1', '/t/a/2', '/t/a/3', '/t/a/4', '/t/a/5', '/t/a/6', '/t/b/1', '/t/b/2', '/t/c', '/t/d');
    // a counts 5 packs of 10: half exactly; b (1 more) would pass it.
    expect(walkSplitArgs(planOf(target('/t')), big)).toEqual(['1', '0', '1', '/t/a']);
  });

  it('names nothing below SPLIT_FROM entries, nor when what it could name is under a fifth', () => {
    expect(walkSplitArgs(planOf(target('/usr/share')), SHARE.slice(0, 4))).toEqual([]);
    expect(walkSplitArgs(planOf(target('/usr/share')), SHARE, 100_000)).toEqual([]);
    expect(walkSplitArgs(planOf(target('/usr/share')), undefined)).toEqual([]);
    expect(walkSplitArgs(planOf(target('/t')), layout('/t/0', '/t/1', '/t/2', '/t/3', '/t/4', '/t/5', '/t/6', '/t/a/1', '/t/a/2'))).toEqual([]);
  });

  it('gives each walk its own directories, the walk by its index', () => {
    const plan = planOf(target('/etc'), target('/usr/share'), target('/srv'));
    const args = walkSplitArgs(plan, [...SHARE, ...layout('/srv/data/1', '/srv/data/2', '/srv/data/3', '/srv/data/4', '/srv/data/5')]);
    // 16 packs: /srv/data counts 4, man 3, doc 1: eight, half.
    expect(args).toEqual(['2', '2', '1', '/srv/data', '1', '2', '/usr/share/man', '/usr/share/doc']);
  });

  it('does not split a walk that another walk overlaps, that goes less than two levels down, or an odd root', () => {
    expect(walkSplitArgs(planOf(target('/usr'), target('/usr/share')), SHARE)).toEqual([]);
    expect(walkSplitArgs(buildPlan([policy('a', [target('/usr/share')]), policy('b', [target('/usr/share', { exclude: ['x'] })])]), SHARE)).toEqual([]);
    expect(walkSplitArgs(planOf(target('/usr/share', { depth: 1 })), SHARE)).toEqual([]);
    expect(walkSplitArgs(planOf(target('/usr/share', { depth: 2 })), SHARE)).not.toEqual([]);
    expect(walkSplitArgs(planOf(target('/usr/share/')), SHARE)).toEqual([]);
    expect(walkSplitArgs(planOf(target('/usr/./share')), SHARE)).toEqual([]);
  });

  it('names directories below / and glob-escapes them; an odd name is left to the first walk', () => {
    const root = layout('/0', '/usr/a', '/usr/b', '/usr/c', '/*[x]/a', '/*[x]/b', '/*[x]/c', '/n\u00e9/a', '/n\u00e9/b', '/n\u00e9/c', '/z');
    expect(walkSplitArgs(planOf(target('/')), root)).toEqual(['1', '0', '2', '/\\*\\[x\\]', '/usr']);
  });

  it('names sixteen directories at most', () => {
    const many = Array.from({ length: 20 }, (_, k) => [`/t/d${String(k).padStart(2, '0')}/a`, `/t/d${String(k).padStart(2, '0')}/b`]).flat();
    const args = walkSplitArgs(planOf(target('/t')), layout(...many, '/t/z'));
    expect(args.slice(0, 3)).toEqual(['1', '0', '16']);
    expect(args).toHaveLength(19);
  });
});
