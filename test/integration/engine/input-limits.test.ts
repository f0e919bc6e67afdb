// Bad input at the edge (issue 15, item 11): secret patterns that backtrack without end, dates that
// do not exist, numbers out of range, pattern lists too long for a command line, and ssh config files
// that are missing or are not files. Each is refused with a clear message through the real CLI.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../../../src/main/cli/args.js';
import { MAX_TARGET_PATTERNS } from '../../../src/main/policy/policies.js';
import { catastrophicBacktracking } from '../../../src/main/policy/regex-safety.js';
import { buildPlan } from '../../../src/main/scanner/plan.js';
import { maskContent, MAX_MASKED_LINE } from '../../../src/main/scanner/scan-options.js';
import type { Policy } from '../../../src/shared/domain.js';
import { cli, ok } from './helpers.js';

let home: string;
let tmp: string;

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-limits-home-'));
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-limits-'));
  await ok(home, 'policy', 'add', 'p');
});

afterAll(() => {
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('content secret patterns', () => {
  it('refuses patterns that backtrack catastrophically, with the rule', async () => {
    for (const pattern of ['(a+)+$', '(a*)*', '(a|a)*', '(a|ab)+x', '((ab)*c)+', '(\\w+\\s?)*$', '(.*a){20}', '(a)\\1+']) {
      const r = await cli(home, 'policy', 'target', 'add', 'p', '/etc/secret-test', '--content', '--content-secret', pattern);
      expect(r.code, pattern).not.toBe(0);
      expect(r.err, pattern).toMatch(/contentSecrets: pattern .* could backtrack without end/);
    }
  });

  it('accepts the patterns a secret needs', () => {
    for (const pattern of ['password', '^\\s*(pass|secret)\\w*\\s*=', 'token[:=]\\s*\\S+', '[a-z0-9]{32,}', '(?:api|access)_key', 'BEGIN [A-Z ]+PRIVATE KEY', '(ab)+']) {
      expect(catastrophicBacktracking(pattern), pattern).toBeNull();
    }
  });

  it('masks a line too long to run the patterns on, whole', () => {
    const long = 'x'.repeat(MAX_MASKED_LINE + 1);
    const kept = maskContent(Buffer.from(`a=1\n${long}\npassword=2\n`), ['password']);
    expect(kept).toEqual({ text: `a=1\n[masked: line longer than ${MAX_MASKED_LINE} characters]\n[masked: matches password]\n`, masked: 2 });
  });
});

it('takes real calendar dates only as a baseline expiry', async () => {
  await ok(home, 'server', 'add', 'here', '--local');
  for (const date of ['2027-02-30', '2027-02-29', '2027-13-01', '2027-04-31', '2027-00-10']) {
    const r = await cli(home, 'baseline', 'p', '--server', 'here', '--expires', date);
    expect(r.code, date).not.toBe(0);
    expect(r.err, date).toMatch(/expires: must be a calendar date as YYYY-MM-DD/);
  }
});

it('range-checks numeric options', async () => {
  const cases: [string[], RegExp][] = [
    [['scan', '--all', '--concurrency', '0'], /--concurrency takes a whole number from 1 to 256/],
    [['scan', '--all', '--concurrency', '257'], /--concurrency takes a whole number from 1 to 256/],
    [['policy', 'target', 'add', 'p', '/etc', '--depth', '2147483648'], /--depth takes a whole number from 0 to 2048/],
    [['policy', 'target', 'add', 'p', '/etc', '--depth', '99999999999999999999'], /--depth takes a whole number from 0 to 2048/],
    [['policy', 'target', 'add', 'p', '/etc', '--content', '--content-limit', '0'], /--content-limit takes a whole number from 1 to 16777216/],
    [['server', 'add', 'far', '--host', 'h', '--port', '65536'], /--port takes a whole number from 1 to 65535/],
    [['server', 'settings', 'here', '--jobs', '257'], /--jobs takes a whole number from 0 to 256/],
  ];
  for (const [args, message] of cases) {
    const r = await cli(home, ...args);
    expect(r.code, args.join(' ')).toBe(2);
    expect(r.err, args.join(' ')).toMatch(message);
  }
});

describe('pattern lists', () => {
  it('refuses more patterns per target than the documented cap, clearly', async () => {
    const args = Array.from({ length: MAX_TARGET_PATTERNS + 1 }, (_, i) => ['--exclude', `x${i}`]).flat();
    const r = await cli(home, 'policy', 'target', 'add', 'p', '/etc/many', ...args);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain(`at most ${MAX_TARGET_PATTERNS} patterns per target, got ${MAX_TARGET_PATTERNS + 1}`);
    // Far more, on the command line (parsed in linear time) or in an imported policy, is refused as clearly.
    const many = Array.from({ length: 30_000 }, (_, i) => ['--exclude', `x${i}`]).flat();
    const r30k = await cli(home, 'policy', 'target', 'add', 'p', '/etc/many', ...many);
    expect(r30k.code).not.toBe(0);
    expect(r30k.err).toContain(`at most ${MAX_TARGET_PATTERNS} patterns per target, got 30000`);
    const policy = { driftwatchPolicy: 1, name: 'many', os: 'linux', description: '', targets: [{ path: '/etc', exclude: Array.from({ length: 30_000 }, (_, i) => `x${i}`) }] };
    fs.writeFileSync(path.join(tmp, 'many.json'), JSON.stringify(policy));
    const imported = await cli(home, 'policy', 'import', path.join(tmp, 'many.json'));
    expect(imported.code).not.toBe(0);
    expect(imported.err).toContain(`at most ${MAX_TARGET_PATTERNS} patterns per target, got 30000`);
  });

  const policyOf = (...excludes: string[][]): Policy => ({
    name: 'p',
    os: 'linux',
    description: '',
    targets: excludes.map((exclude, i) => ({ path: `/etc/t${i}`, depth: null, include: [], exclude, critical: false, alert: false, compare: 'master', ignore: [], crossMounts: false })),
  });

  it('plans a huge pattern list without overflowing the stack (the words travel in the script, not on a command line)', () => {
    // 200,000 patterns used to overflow the call stack when spread into push().
    const plan = buildPlan([policyOf(Array.from({ length: 200_000 }, (_, i) => `x${i}`))]);
    expect(plan.walkArgs.length).toBeGreaterThan(400_000);
  });

  it('parses 200,000 repeated options and 300,000 words after -- without spreading them into a call', () => {
    const spec = { usage: 'u', options: { exclude: 'list' as const }, positionals: [0, Infinity] as [number, number] };
    expect(parseArgs(Array.from({ length: 200_000 }, (_, i) => ['--exclude', `x${i}`]).flat(), spec).lists.get('exclude')).toHaveLength(200_000);
    expect(parseArgs(['--', ...Array.from({ length: 300_000 }, (_, i) => `a${i}`)], spec).positionals).toHaveLength(300_000);
  });

  it('builds a plan at the per-target cap', () => {
    const plan = buildPlan([policyOf(Array.from({ length: MAX_TARGET_PATTERNS }, (_, i) => `x${i}`))]);
    // The walk's index, 6 fixed words, and -name PATTERN for each exclude with -o between.
    expect(plan.walkArgs.length).toBe(1 + 6 + MAX_TARGET_PATTERNS * 3 - 1);
  });
});

describe('server import-ssh-config', () => {
  it('fails on a missing file', async () => {
    const r = await cli(home, 'server', 'import-ssh-config', path.join(tmp, 'nonexistent'));
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/file: cannot read .*nonexistent: no such file/);
  });

  it('refuses what is not a regular file instead of reading it forever', async () => {
    for (const file of ['/dev/zero', tmp]) {
      const r = await cli(home, 'server', 'import-ssh-config', file);
      expect(r.code, file).not.toBe(0);
      expect(r.err, file).toContain(`file: ${file} is not a regular file`);
    }
  });

  it('refuses a file over 1 MiB', async () => {
    const big = path.join(tmp, 'big-config');
    fs.writeFileSync(big, `# ${'x'.repeat(1024 * 1024)}\n`);
    const r = await cli(home, 'server', 'import-ssh-config', big);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain(`file: ${big} is larger than 1048576 bytes`);
  });

  it('still imports a regular file', async () => {
    const config = path.join(tmp, 'config');
    fs.writeFileSync(config, 'Host web\n  HostName 127.0.0.9\n  User deploy\n');
    expect(await ok(home, 'server', 'import-ssh-config', config)).toMatch(/web/);
  });
});
