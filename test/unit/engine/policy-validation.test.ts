// Policy validation (src/main/policy/policies.ts): validTarget and parsePolicyDocument accept a
// complete, normalized target and refuse anything malformed with a clear message.
import { describe, expect, it } from 'vitest';
import { parsePolicyDocument, validName, validTarget } from '../../../src/main/policy/policies.js';
import { ApiError } from '../../../src/shared/api.js';

function refusal(work: () => unknown): string {
  try {
    work();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('invalid_input');
    return (err as Error).message;
  }
  throw new Error('accepted');
}

describe('validTarget', () => {
  it('fills in the defaults', () => {
    expect(validTarget({ path: '/etc' })).toEqual({
      path: '/etc',
      depth: null,
      include: [],
      exclude: [],
      critical: false,
      alert: false,
      compare: 'master',
      ignore: [],
      crossMounts: false,
    });
  });

  it('strips trailing slashes, keeps /', () => {
    expect(validTarget({ path: '/etc/' }).path).toBe('/etc');
    expect(validTarget({ path: '/etc///' }).path).toBe('/etc');
    expect(validTarget({ path: '/' }).path).toBe('/');
  });

  it('takes awkward but normalized paths as they are', () => {
    for (const p of ['/t/new\nline', '/t/a[b]*?', '/t/$(x)', '/t/.hidden', '/t/..x', '/t/x..', '/t/ü']) expect(validTarget({ path: p }).path).toBe(p);
  });

  it.each([
    [{ path: 'etc' }, /path must be an absolute path, got "etc"/],
    [{ path: '' }, /path must be an absolute path/],
    [{ path: 42 }, /path must be an absolute path, got 42/],
    [{ path: '/etc\0x' }, /NUL byte/],
    [{ path: '/etc/../root' }, /normalized absolute path/],
    [{ path: '/etc/./ssh' }, /normalized absolute path/],
    [{ path: '/etc//ssh' }, /normalized absolute path/],
    [{ path: '/..' }, /normalized absolute path/],
    [{ path: '//' }, /normalized absolute path/],
    [{ path: '/etc', depth: -1 }, /depth must be a whole number of 0 or more/],
    [{ path: '/etc', depth: 0.5 }, /depth must be a whole number/],
    [{ path: '/etc', depth: '1' }, /depth must be a whole number/],
    [{ path: '/etc', depth: Infinity }, /depth must be a whole number/],
    [{ path: '/etc', depth: NaN }, /depth must be a whole number/],
    // find refuses these ("Numerical result out of range"): a target that would walk nothing.
    [{ path: '/etc', depth: 2147483648 }, /depth must be a whole number of 0 or more and at most 2048/],
    [{ path: '/etc', depth: 1e20 }, /depth must be a whole number of 0 or more and at most 2048/],
    [{ path: '/etc', include: '*.conf' }, /include must be a list of non-empty glob patterns/],
    [{ path: '/etc', include: [''] }, /include must be a list/],
    [{ path: '/etc', exclude: [1] }, /exclude must be a list/],
    [{ path: '/etc', exclude: ['a\0b'] }, /exclude must be a list/],
    [{ path: '/etc', compare: 'peer' }, /compare must be master or self/],
    [{ path: '/etc', ignore: ['mode', 'colour'] }, /unknown attribute 'colour'/],
    [{ path: '/etc', ignore: 'mode' }, /ignore must be a list/],
    [{ path: '/etc', critical: 1 }, /critical must be true or false/],
    [{ path: '/etc', alert: 'no' }, /alert must be true or false/],
    [{ path: '/etc', crossMounts: null }, /crossMounts must be true or false/],
  ])('refuses %j', (input, message) => {
    expect(refusal(() => validTarget(input as never))).toMatch(message);
  });

  it('every attribute name can be ignored', () => {
    const all = ['type', 'mode', 'uid', 'gid', 'owner', 'group', 'size', 'mtime', 'ctime', 'inode', 'nlink', 'device', 'target', 'sha256'] as const;
    expect(validTarget({ path: '/x', ignore: [...all] }).ignore).toEqual([...all]);
  });
});

describe('parsePolicyDocument', () => {
  const doc = (extra: Record<string, unknown> = {}) => ({ driftwatchPolicy: 1, name: 'web', targets: [{ path: '/etc' }], ...extra });

  it('accepts a minimal document, defaults filled in', () => {
    expect(parsePolicyDocument(doc())).toMatchObject({ driftwatchPolicy: 1, name: 'web', os: 'linux', description: '', targets: [{ path: '/etc', depth: null, compare: 'master' }] });
  });

  it.each([
    [null, /must be a JSON object/],
    [[], /must be a JSON object/],
    ['text', /must be a JSON object/],
    [{ name: 'web', targets: [] }, /not a Driftwatch policy document/],
    [{ driftwatchPolicy: 2, name: 'web', targets: [] }, /not a Driftwatch policy document/],
    [doc({ extra: 1 }), /unknown field\(s\) in policy document: extra/],
    [doc({ targets: [{ path: '/etc', bogus: true }] }), /target #1: unknown field\(s\) bogus/],
    [doc({ targets: [null] }), /target #1: must be an object/],
    [doc({ targets: [{ path: '/a' }, { path: '/b' }, { path: 'c' }] }), /target #3: path must be an absolute path/],
    [doc({ targets: [{ path: '/a' }, { path: '/a/' }] }), /target #2: duplicate target \/a/],
    [doc({ targets: 'x' }), /targets must be a list/],
    [doc({ description: 5 }), /description must be text/],
    [doc({ os: 'bsd' }), /os must be linux or windows/],
    [doc({ name: '' }), /policy name must be/],
    [doc({ name: 'a/b' }), /policy name must be/],
  ])('refuses %j', (input, message) => {
    expect(refusal(() => parsePolicyDocument(input))).toMatch(message);
  });
});

describe('validName', () => {
  it('takes letters, digits, spaces and . _ @ : + - (starting with a letter or digit), up to 128', () => {
    for (const n of ['web', 'Web Servers 2', 'a.b_c@d:e+f-g', '9', 'x'.repeat(128)]) expect(validName(n, 'server')).toBe(n);
    for (const n of ['', ' lead', '-dash', 'a/b', 'a\nb', 'x'.repeat(129), 'ü']) expect(() => validName(n, 'server')).toThrow(/server name must be/);
  });
});
