// The scan plan (src/main/scanner/plan.ts): the scanner's argument words, with hostile patterns and
// paths passed through as data; and, run for real under dash and bash, the scanner selects
// exactly what coverage.ts says the targets cover.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileTarget, covering } from '../../../src/main/model/coverage.js';
import { collect } from '../../../src/main/scan/collect.js';
import { buildPlan, walkWords } from '../../../src/main/scanner/plan.js';
import { LocalTransport } from '../../../src/main/transport/local.js';
import { policy, target } from '../../support/targets.js';
import { byteString } from '../../../src/main/model/entry.js';


const HOSTILE = ['$(touch PWNED)', '`touch PWNED`', "'; touch PWNED; '", '"; touch PWNED; "', '-exec', '(', ')', '-o', '!', '--', '-delete', '\n', '${IFS}', '\\', '*', '%p\\0'];

describe('walkWords', () => {
  it('ROOT MAXDEPTH XDEV CONTENT NPRUNE PRUNE... NINCLUDE INCLUDE...', () => {
    expect(walkWords(target('/etc'), [])).toEqual(['/etc', '', '1', '0', '0', '0']);
    expect(walkWords(target('/etc', { depth: 2, crossMounts: true }), [])).toEqual(['/etc', '2', '0', '0', '0', '0']);
    expect(walkWords(target('/etc', { depth: 0 }), [])).toEqual(['/etc', '0', '1', '0', '0', '0']);
  });

  it('excludes and nested targets are prune words; includes are filter words; / patterns are anchored at the escaped root', () => {
    expect(walkWords(target('/e[t]c', { exclude: ['*.log', 'sub/x'], include: ['*.conf', '/a/*'] }), ['/e[t]c/ssh'])).toEqual([
      '/e[t]c', '', '1', '0',
      '8', '-path', '/e\\[t\\]c/ssh', '-o', '-name', '*.log', '-o', '-path', '/e\\[t\\]c/sub/x',
      '6', '-o', '-name', '*.conf', '-o', '-path', '/e\\[t\\]c/a/*',
    ]);
    expect(walkWords(target('/', { exclude: ['proc/*'] }), [])).toEqual(['/', '', '1', '0', '2', '-path', '/proc/*', '0']);
  });

  it.each(HOSTILE)('passes the hostile pattern %j through as one word, never as syntax', (pattern) => {
    const words = walkWords(target('/t', { exclude: [pattern], include: [pattern] }), []);
    expect(words.flatMap((w, i) => (words[i - 1] === '-name' ? [w] : []))).toEqual([pattern, pattern]);
    expect(words).toHaveLength(6 + 2 + 3);
    expect(words[4]).toBe('2');
    expect(words.slice(5, 7)).toEqual(['-name', pattern]);
  });
});

describe('buildPlan', () => {
  it('one walk per distinct target; nested targets of the same policy are pruned from the outer walk', () => {
    const plan = buildPlan([policy('a', [target('/etc'), target('/etc/ssh', { critical: true })]), policy('b', [target('/etc')])], 4);
    expect(plan.args.slice(0, 6)).toEqual(['4', 'scan', '4', '1', '1', '3']);
    expect(plan.walks.map((w) => [w.root, w.owners.map((o) => o.policy)])).toEqual([
      ['/etc', [0]],
      ['/etc/ssh', [0]],
      ['/etc', [1]],
    ]);
    expect(plan.walkArgs).toEqual(['0', '/etc', '', '1', '0', '2', '-path', '/etc/ssh', '0', '1', '/etc/ssh', '', '1', '0', '0', '0', '2', '/etc', '', '1', '0', '0', '0']);
    expect(plan.args.slice(6)).toEqual(plan.walkArgs);
  });

  it('identical targets of different policies share one walk', () => {
    const t1 = target('/srv', { depth: 2 });
    const t2 = target('/srv', { depth: 2, critical: true });
    const plan = buildPlan([policy('a', [t1]), policy('b', [t2])], 1);
    expect(plan.walks).toHaveLength(1);
    expect(plan.walks[0]!.owners).toEqual([
      { policy: 0, target: t1 },
      { policy: 1, target: t2 },
    ]);
  });

  it('/etc is not nested in /etcetera, nor /etcetera in /etc', () => {
    const plan = buildPlan([policy('a', [target('/etc'), target('/etcetera')])], 1);
    expect(plan.walkArgs).toEqual(['0', '/etc', '', '1', '0', '0', '0', '1', '/etcetera', '', '1', '0', '0', '0']);
  });
});

/** Every path of a tree (never following symlinks), as byte strings. */
function walk(root: string): string[] {
  const out = [Buffer.from(root).toString('latin1')];
  const visit = (dir: Buffer) => {
    for (const name of fs.readdirSync(dir, { encoding: 'buffer' })) {
      const p = Buffer.concat([dir, Buffer.from('/'), name]);
      out.push(p.toString('latin1'));
      if (fs.lstatSync(p).isDirectory()) visit(p);
    }
  };
  visit(Buffer.from(root));
  return out;
}

describe.each(['dash', 'bash'])('the scanner under %s selects exactly what coverage says', (shell) => {
  let dir: string;
  let root: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-plan-'));
    root = path.join(dir, 't[1]*');
    const files = ['a.conf', 'a.log', 'skip.conf', 'sub/b.conf', 'sub/c.log', 'sub/deeper/d.conf', 'cache/e.conf', 'x/sub/f.conf', 'y/x/sub/g.conf', 'nest/h.conf', 'nest/i.log',
      'nest/one/j.conf', 'nest/one/two/k.conf', ...HOSTILE.filter((h) => !h.includes('/')).map((h) => `hostile/${h}`), 'hostile/new\nline.conf', '-dash.conf'];
    for (const f of files) {
      fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
      fs.writeFileSync(path.join(root, f), f);
    }
    fs.writeFileSync(Buffer.from(`${root}/hostile/bad\xff.conf`, 'latin1'), 'x');
    fs.symlinkSync('/etc', path.join(root, 'link.conf'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('with include, exclude, nested targets, depth and hostile patterns', async () => {
    const targets = [
      target(root, { include: ['*.conf', ...HOSTILE], exclude: ['skip.conf', 'cache', 'x/sub', ...HOSTILE.filter((h) => h !== '*' && h !== '\\')] }),
      target(path.join(root, 'nest'), { depth: 2, exclude: ['*.log'] }),
      target(path.join(root, 'nest/one'), { depth: 0 }),
    ];
    const plan = buildPlan([policy('p', targets)], 2);
    const collected = await collect(new LocalTransport(), plan, { shell });
    expect(fs.existsSync(path.join(process.cwd(), 'PWNED'))).toBe(false);
    expect(fs.readdirSync(dir)).toEqual([path.basename(root)]);
    const compiled = targets.map(compileTarget);

    const expected = new Map<string, string>();
    for (const p of walk(root)) {
      const t = covering(compiled, p);
      if (t) expected.set(p, t.target.path);
    }
    const found = new Map([...collected.entries.values()].map((e) => [e.path, plan.walks[e.walks[0]!]!.owners[0]!.target.path]));
    expect(new Set([...collected.entries.values()].map((e) => e.walks.length))).toEqual(new Set([1])); // each entry found once
    expect([...found.entries()].sort()).toEqual([...expected.entries()].sort());
    // Sanity: the hostile names and the non-UTF-8 one were selected and hashed.
    const hashed = [...collected.entries.values()].filter((e) => e.attrs.sha256 !== null).map((e) => e.path);
    expect(hashed).toContain(Buffer.from(`${root}/hostile/bad\xff.conf`, 'latin1').toString('latin1'));
    expect(hashed).toContain(`${root}/hostile/new\nline.conf`);
    expect(found.get(byteString(`${root}/link.conf`))).toBe(root); // the symlink itself, not /etc
    expect([...found.keys()].some((p) => p.startsWith('/etc/'))).toBe(false);
  });
});
