// Policy import and export through the CLI: malformed documents are refused with a clear one-line
// error and store nothing; export → import is a round trip.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ok, removeTemps, snapshot, tempDir } from './helpers.js';

afterAll(removeTemps);

const good = (targets: unknown[] = [{ path: '/etc', depth: null }], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ driftwatchPolicy: 1, name: 'imported', os: 'linux', description: 'd', targets, ...extra });

describe('policy import', () => {
  let dir: string;
  let home: string;
  beforeAll(async () => {
    dir = tempDir();
    home = path.join(dir, 'home');
    await ok(home, 'policy', 'add', 'existing', '--description', 'keep me');
    await ok(home, 'policy', 'target', 'add', 'existing', '/srv', '--recursive');
  });

  const cases: [string, string, RegExp][] = [
    ['bad JSON', '{"driftwatchPolicy": 1, "name": ', /: not a readable JSON file \(.+\)$/],
    ['not an object', '[1, 2]', /a policy document must be a JSON object/],
    ['not a policy document', JSON.stringify({ name: 'x', targets: [] }), /not a Driftwatch policy document/],
    ['an unknown top-level field', good(undefined, { owner: 'me' }), /unknown field\(s\) in policy document: owner/],
    ['an unknown target field', good([{ path: '/etc', recursive: true }]), /target #1: unknown field\(s\) recursive/],
    ['a relative path', good([{ path: 'etc/ssh' }]), /target #1: path must be an absolute path, got "etc\/ssh"/],
    ['a path with .. in it', good([{ path: '/etc/../root' }]), /target #1: path must be a normalized absolute path/],
    ['a path with an empty component', good([{ path: '/etc//ssh' }]), /target #1: path must be a normalized absolute path/],
    ['a negative depth', good([{ path: '/etc', depth: -1 }]), /depth must be a whole number of 0 or more/],
    ['a fractional depth', good([{ path: '/etc', depth: 1.5 }]), /depth must be a whole number of 0 or more/],
    ['a depth given as text', good([{ path: '/etc', depth: '2' }]), /depth must be a whole number of 0 or more/],
    ['a bad compare', good([{ path: '/etc', compare: 'peer' }]), /compare must be master or self/],
    ['an unknown ignored attribute', good([{ path: '/etc', ignore: ['colour'] }]), /unknown attribute 'colour'/],
    ['ignore not a list', good([{ path: '/etc', ignore: 'mode' }]), /ignore must be a list of attribute names/],
    ['an empty pattern', good([{ path: '/etc', exclude: [''] }]), /exclude must be a list of non-empty glob patterns/],
    ['a flag that is not a boolean', good([{ path: '/etc', critical: 'yes' }]), /critical must be true or false/],
    ['a duplicate target', good([{ path: '/etc' }, { path: '/etc/' }]), /target #2: duplicate target \/etc/],
    ['a bad name', JSON.stringify({ driftwatchPolicy: 1, name: '../evil', targets: [] }), /policy name must be/],
    ['a bad os', good(undefined, { os: 'plan9' }), /os must be linux or windows/],
    ['targets not a list', JSON.stringify({ driftwatchPolicy: 1, name: 'x', targets: {} }), /targets must be a list/],
    ['an existing name without --replace', JSON.stringify({ driftwatchPolicy: 1, name: 'existing', targets: [] }), /a policy named 'existing' exists already/],
  ];

  it.each(cases)('%s: a clear one-line error, non-zero exit, nothing stored', async (_what, text, message) => {
    const file = path.join(dir, 'doc.json');
    fs.writeFileSync(file, text);
    const before = snapshot(home);
    const r = await cli(home, 'policy', 'import', file);
    expect(r.code).not.toBe(0);
    expect(r.out).toBe('');
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^driftwatch: /);
    expect(r.err).toMatch(message);
    expect(snapshot(home)).toEqual(before);
  });

  it('a missing file is a clear error', async () => {
    const r = await cli(home, 'policy', 'import', path.join(dir, 'nope.json'));
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/nope\.json: not a readable JSON file \(ENOENT/);
  });

  it('the same checks apply to targets added by hand', async () => {
    for (const [args, message] of [
      [['relative/path'], /path must be an absolute path/],
      [['/a/./b'], /normalized absolute path/],
      [['/x', '--depth', '-1'], /--depth takes a whole number/],
    ] as const) {
      const r = await cli(home, 'policy', 'target', 'add', 'existing', ...args);
      expect(r.code).not.toBe(0);
      expect(r.err).toMatch(message);
    }
  });
});

describe('policy export → import', () => {
  it('is a round trip, byte for byte', async () => {
    const dir = tempDir();
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    await ok(a, 'policy', 'add', 'web', '--description', 'Web servers — PCI scope');
    await ok(a, 'policy', 'target', 'add', 'web', '/etc', '--recursive', '--exclude', '*.bak', '--exclude', 'ssl/private', '--critical', '--alert');
    await ok(a, 'policy', 'target', 'add', 'web', '/var/www', '--depth', '3', '--include', '*.php', '--include', "we'ird [x]/*", '--compare', 'self', '--ignore', 'mode,uid');
    await ok(a, 'policy', 'target', 'add', 'web', '/srv/data', '--depth', '0', '--cross-mounts');
    const file = path.join(dir, 'web.json');
    await ok(a, 'policy', 'export', 'web', '--out', file);
    const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(doc).toMatchObject({ driftwatchPolicy: 1, name: 'web', os: 'linux', description: 'Web servers — PCI scope' });
    expect(doc.targets).toHaveLength(3);

    expect(await ok(b, 'policy', 'import', file)).toBe('imported policy web with 3 targets');
    expect(await ok(b, 'policy', 'show', 'web', '--json')).toBe(await ok(a, 'policy', 'show', 'web', '--json'));
    const again = path.join(dir, 'web-again.json');
    await ok(b, 'policy', 'export', 'web', '--out', again);
    expect(fs.readFileSync(again, 'utf8')).toBe(fs.readFileSync(file, 'utf8'));
    // stdout export is the same document.
    expect((await ok(b, 'policy', 'export', 'web')) + '\n').toBe(fs.readFileSync(file, 'utf8'));

    // --replace overwrites targets and description.
    await ok(a, 'policy', 'target', 'remove', 'web', '/srv/data', '--yes');
    await ok(a, 'policy', 'export', 'web', '--out', file);
    expect(await ok(b, 'policy', 'import', file, '--replace')).toBe('imported policy web with 2 targets');
    expect(await ok(b, 'policy', 'show', 'web', '--json')).toBe(await ok(a, 'policy', 'show', 'web', '--json'));
  });
});
