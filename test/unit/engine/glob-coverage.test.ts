// Globs (src/main/model/glob.ts) must match exactly what find(1) matches in the C locale, since
// the scanner selects with find and the console re-judges stored entries with this matcher; and
// coverage (src/main/model/coverage.ts): which target decides a path.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileTarget, covering, isUnder, mostSpecific, selects } from '../../../src/main/model/coverage.js';
import { globEscape, globMatch } from '../../../src/main/model/glob.js';
import { target } from '../../support/targets.js';


describe('globMatch', () => {
  it.each([
    ['*', 'anything at all', true],
    ['*', '', true],
    ['*', '.hidden', true], // GNU find: metacharacters match a leading dot
    ['*.conf', 'a.conf', true],
    ['*.conf', 'a.conf.bak', false],
    ['?', 'x', true],
    ['?', 'xy', false],
    ['?', '\xff', true], // one byte
    ['[ab]', 'b', true],
    ['[!ab]', 'b', false],
    ['[^ab]', 'c', true],
    ['[a-c]x', 'bx', true],
    ['[]]', ']', true],
    ['[!]]', ']', false],
    ['[!]]', 'a', true],
    ['[]-a]', '^', true],
    ['[a-]', '-', true],
    ['[\\]]', ']', true],
    ['[\\!]', '\\', false],
    ['[[:digit:]]*', '1x', true],
    ['[[:upper:]]', 'a', false],
    ['[[:alpha:]-z]', '-', true],
    ['[[.a.]]', 'a', true],
    ['[[=a=]]', 'a', true],
    ['\\*', '*', true],
    ['\\*', 'x', false],
    ['\\a', 'a', true],
    ['[', '[', true], // no closing bracket: an ordinary character
    ['[a', '[a', true],
    ['[[:alpha:]', '[a', true],
    ['a*b', 'a/x/b', true], // * crosses / (find -path)
    ['$(x)', '$(x)', true],
    ['.*', 'x', false],
    ['(a|b)', '(a|b)', true],
    ['a+', 'aa', false],
  ])('%j against %j is %s', (pattern, subject, expected) => {
    expect(globMatch(pattern, subject)).toBe(expected);
  });

  it.each(['[z-a]', '[[:nope:]]', '[![:nope:]]', '[a-[:digit:]]', 'a\\', '[[.ab.]]'])('the invalid pattern %j matches nothing and does not throw', (pattern) => {
    for (const s of ['a', 'z', '-', 'a\\', '[z-a]', '']) expect(globMatch(pattern, s)).toBe(false);
  });

  it('a reversed range is empty (and its negation matches any one byte)', () => {
    expect(globMatch('[!z-a]', 'q')).toBe(true);
  });

  it('globEscape makes any text match only itself', () => {
    for (const text of ['/a[b]*?\\', '[!]', '\\\\', '*', '/t/$(x)', '[[:digit:]]']) {
      expect(globMatch(globEscape(text), text)).toBe(true);
      expect(globMatch(globEscape(text), text + 'x')).toBe(false);
    }
  });
});

describe('globMatch agrees with GNU find -name (LC_ALL=C)', () => {
  let dir: string;
  let names: string[];
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-glob-'));
    const raw = ['a', 'b', 'ab', 'abc', '1x', 'x1', ']', 'a]', '!', '^a', '\\', 'a\\', '*', '?', '[', '[a', '.hidden', 'a.conf', 'A', 'é', '-', 'b-', ':', '=', '..x', 'z', '[]', 'a-b', '0', '^', '$(x)'];
    for (const n of raw) fs.writeFileSync(path.join(dir, n), '');
    fs.writeFileSync(Buffer.from(dir + '/x\xff', 'latin1'), '');
    names = fs.readdirSync(dir, { encoding: 'buffer' }).map((b) => b.toString('latin1'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const findNames = (pattern: string): string[] =>
    execFileSync('find', [dir, '-mindepth', '1', '-name', pattern, '-printf', '%f\\0'], { env: { PATH: process.env.PATH, LC_ALL: 'C' } })
      .toString('latin1')
      .split('\0')
      .filter(Boolean)
      .sort();
  const globNames = (pattern: string) => names.filter((n) => globMatch(Buffer.from(pattern).toString('latin1'), n)).sort();

  it('on hand-picked patterns', () => {
    const patterns = ['*', '?', '[ab]', '[!a]*', '[^a]*', '\\*', '[]]', '[!]]', '[]a]', '*.conf', '[[:digit:]]*', '[[:upper:]]', 'a\\', '[a-c]', '[a-]', '[-a]',
      '[\\]]', '[*]', '\\?', '[!]', '[', '[a', '*]', '[\\!]', 'a[]', '[^]]', '[z-a]', '[!z-a]', '[.]*', '.*', '[[:punct:]]', '[[:alnum:]]?', '[[.-.]]', 'x?', '[--0]'];
    for (const p of patterns) expect(globNames(p), p).toEqual(findNames(p));
  });

  it('on seeded random patterns', () => {
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const alphabet = ['a', 'b', 'z', '[', ']', '!', '^', '-', '\\', '*', '?', ':', '.', '=', '[:alpha:]', '[:digit:]', '[.a.]', 'A', '1', '$'];
    for (let k = 0; k < 250; k++) {
      let p = '';
      const len = 1 + Math.floor(rnd() * 6);
      for (let i = 0; i < len; i++) p += alphabet[Math.floor(rnd() * alphabet.length)];
      expect(globNames(p), p).toEqual(findNames(p));
    }
  });
});

describe('coverage', () => {
  it('isUnder works on whole components', () => {
    expect(isUnder('/etc/ssh', '/etc')).toBe(true);
    expect(isUnder('/etc', '/etc')).toBe(true);
    expect(isUnder('/etcetera', '/etc')).toBe(false);
    expect(isUnder('/anything', '/')).toBe(true);
  });

  it('the most specific (longest) target containing the path decides', () => {
    const ts = [target('/etc'), target('/etc/ssh', { critical: true }), target('/etc/ssh/keys', { depth: 1 }), target('/')].map(compileTarget);
    expect(mostSpecific(ts, '/etc/ssh/sshd_config')!.target.path).toBe('/etc/ssh');
    expect(mostSpecific(ts, '/etc/ssh')!.target.path).toBe('/etc/ssh');
    expect(mostSpecific(ts, '/etc/sshd')!.target.path).toBe('/etc');
    expect(mostSpecific(ts, '/var/x')!.target.path).toBe('/');
    // Deeper than keys' depth: keys still decides, and it does not cover the path.
    expect(mostSpecific(ts, '/etc/ssh/keys/a/b')!.target.path).toBe('/etc/ssh/keys');
    expect(covering(ts, '/etc/ssh/keys/a/b')).toBeNull();
    expect(covering(ts, '/etc/ssh/keys/a')!.target.path).toBe('/etc/ssh/keys');
  });

  it('depth counts components below the target', () => {
    const t0 = compileTarget(target('/d', { depth: 0 }));
    const t2 = compileTarget(target('/d', { depth: 2 }));
    expect([selects(t0, '/d'), selects(t0, '/d/a')]).toEqual([true, false]);
    expect([selects(t2, '/d/a'), selects(t2, '/d/a/b'), selects(t2, '/d/a/b/c')]).toEqual([true, true, false]);
  });

  it('exclude prunes the entry and everything below it, and wins over include', () => {
    const t = compileTarget(target('/d', { include: ['*.conf'], exclude: ['skip.conf', 'cache', 'x/sub'] }));
    expect(selects(t, '/d')).toBe(true); // the target itself, whatever the include patterns
    expect(selects(t, '/d/a.conf')).toBe(true);
    expect(selects(t, '/d/a.txt')).toBe(false);
    expect(selects(t, '/d/skip.conf')).toBe(false);
    expect(selects(t, '/d/deep/skip.conf')).toBe(false); // a name pattern applies at every level
    expect(selects(t, '/d/cache/b.conf')).toBe(false);
    expect(selects(t, '/d/x/sub/c.conf')).toBe(false);
    expect(selects(t, '/d/y/x/sub/c.conf')).toBe(true); // a / pattern is relative to the target
    expect(selects(t, '/d/x/c.conf')).toBe(true);
  });

  it('a pattern with / matches the path relative to the target (a leading / is the target itself)', () => {
    const t = compileTarget(target('/d', { include: ['/sub/*.conf'] }));
    expect(selects(t, '/d/sub/a.conf')).toBe(true);
    expect(selects(t, '/d/sub/deeper/a.conf')).toBe(true); // * crosses /, as in find -path
    expect(selects(t, '/d/a.conf')).toBe(false);
    const root = compileTarget(target('/', { exclude: ['proc', 'var/tmp/*'] }));
    expect(selects(root, '/proc/1/status')).toBe(false);
    expect(selects(root, '/var/tmp/x')).toBe(false);
    expect(selects(root, '/var/log/x')).toBe(true);
  });

  it('an exclude matching the target itself leaves nothing covered', () => {
    const t = compileTarget(target('/d/cache', { exclude: ['cache'] }));
    expect(selects(t, '/d/cache')).toBe(false);
    expect(selects(t, '/d/cache/x')).toBe(false);
  });

  it('targets and patterns are compared as UTF-8 bytes against byte-string paths', () => {
    const t = compileTarget(target('/dé', { include: ['ü*'] }));
    const p = (s: string) => Buffer.from(s).toString('latin1');
    expect(selects(t, p('/dé/ünï'))).toBe(true);
    expect(selects(t, p('/dé/x'))).toBe(false);
    expect(covering([t], p('/dé/ü') + '\xff')).not.toBeNull();
  });
});
