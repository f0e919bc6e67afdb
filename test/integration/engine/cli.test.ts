// The driftwatch command itself: the real binary, usage errors, the JSON shapes of scan and
// events, and the exit codes of scan.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, eventsJson, ok, REPO, removeTemps, scanJson, standardSetup, tempDir } from './helpers.js';

afterAll(removeTemps);

describe('the driftwatch binary', () => {
  it('node bin/driftwatch.js --help exits 0 and lists the commands', () => {
    const home = tempDir();
    const r = spawnSync(process.execPath, [path.join(REPO, 'bin/driftwatch.js'), '--help'], { encoding: 'utf8', env: { ...process.env, DRIFTWATCH_HOME: home } });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('usage: driftwatch [--home DIR] COMMAND');
    for (const c of ['scan', 'baseline POLICY', 'accept ID', 'policy import FILE', 'events']) expect(r.stdout).toContain(c);
    expect(r.stderr).toBe('');
  });

  it('the real binary scans, and its exit code is the scan verdict; --home wins over $DRIFTWATCH_HOME', async () => {
    const dir = tempDir();
    const home = path.join(dir, 'home');
    const envHome = path.join(dir, 'env-home');
    const root = path.join(dir, 'tree');
    fs.mkdirSync(root);
    fs.writeFileSync(path.join(root, 'f'), 'x\n');
    await standardSetup(home, root, 'dash');
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [path.join(REPO, 'bin/driftwatch.js'), ...args], { encoding: 'utf8', env: { ...process.env, DRIFTWATCH_HOME: envHome } });
    expect(run('--home', home, 'scan').status).toBe(0);
    fs.appendFileSync(path.join(root, 'f'), 'y\n');
    const r = run('--home', home, 'scan');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/gold\s+completed_with_findings/);
    expect(fs.existsSync(envHome)).toBe(false);
    // Without --home, $DRIFTWATCH_HOME is used: a store there, with no servers.
    const list = run('server', 'list');
    expect(list.status).toBe(0);
    expect(list.stdout).toContain('No servers yet');
    expect(fs.existsSync(path.join(envHome, 'driftwatch.db'))).toBe(true);
  });
});

describe('usage errors', () => {
  let home: string;
  beforeAll(() => {
    home = tempDir();
  });

  it.each([
    [['scan', '--bogus'], 'unknown option --bogus', 'usage: driftwatch scan '],
    [['scan', '--concurrency', 'many'], "--concurrency takes a whole number, got 'many'", 'usage: driftwatch scan '],
    [['policy', 'target', 'add', 'p'], 'missing arguments', 'usage: driftwatch policy target add '],
    [['policy', 'target', 'add', 'p', '/x', '--recursive', '--depth', '2'], '--recursive and --depth exclude each other', 'usage: driftwatch policy target add '],
    [['policy', 'target', 'add', 'p', '/x', '--compare', 'both'], '--compare takes master or self', 'usage: driftwatch policy target add '],
    [['baseline', 'p'], 'name the gold-master server(s) with --server', 'usage: driftwatch baseline '],
    [['events', '--open', '--all'], 'choose one of', 'usage: driftwatch events '],
    [['events', '--since', 'yesterday-ish'], "--since takes a date or time (ISO 8601) or a time ago (30m, 24h, 7d, 2w), got 'yesterday-ish'", 'usage: driftwatch events '],
    [['accept', 'abc'], "event ID must be a number, got 'abc'", 'usage: driftwatch accept '],
    [['server', 'add', 'x'], 'give --host H, or --local for this machine', 'usage: driftwatch server add '],
  ])('%j prints the error and the usage, exit 2', async (args, message, usage) => {
    const r = await cli(home, ...args);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toContain(message);
    expect(r.err.split('\n')[1]).toMatch(new RegExp(`^${usage.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(r.out).toBe('');
  });

  it('an unknown command names the group usage; no command prints help with exit 2', async () => {
    const r = await cli(home, 'policy', 'frobnicate');
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown command 'policy frobnicate'");
    expect(r.err).toContain('usage: driftwatch policy add');
    const none = await main0();
    expect(none.code).toBe(2);
    expect(none.out).toContain('usage: driftwatch [--home DIR] COMMAND');
    const help = await cli(home, 'scan', '--help');
    expect(help.code).toBe(0);
    expect(help.err).toBe('');
    expect(help.out).toMatch(/^usage: driftwatch scan \[--all \| \[--group G\.\.\.\] \[--server NAME\.\.\.\]\].*\[--json\]/);
  });

  async function main0() {
    const out: string[] = [];
    const { main } = await import('../../../src/main/cli/main.js');
    const code = await main([], { out: (t) => out.push(t), err: () => undefined });
    return { code, out: out.join('\n') };
  }
});

describe('scan and events --json, exit codes', () => {
  let dir: string;
  let home: string;
  let root: string;
  beforeAll(async () => {
    dir = tempDir();
    home = path.join(dir, 'home');
    root = path.join(dir, 'tree');
    fs.mkdirSync(root);
    fs.writeFileSync(path.join(root, 'f'), 'x\n');
    await standardSetup(home, root, 'dash', { targetArgs: ['--recursive', '--critical', '--alert'] });
  });

  it('0 when every server is scanned and no event is open', async () => {
    const { code, json } = await scanJson(home);
    expect(code).toBe(0);
    expect(Object.keys(json).sort()).toEqual(['events', 'servers']);
    expect(json.servers).toHaveLength(1);
    const s = json.servers[0]!;
    expect(s).toMatchObject({
      name: 'gold',
      status: 'completed_clean',
      scanId: expect.any(Number),
      counts: { entries: 2, added: 0, removed: 0, modified: 0, unreadable: 0 },
      openEvents: 0,
      warnings: [],
    });
    expect(s).not.toHaveProperty('reason');
    expect(json.events).toEqual([]);
  });

  it('1 when an event is open; the event has the documented shape; events --json prints the same objects', async () => {
    fs.writeFileSync(path.join(root, 'f'), 'changed\n');
    const { code, json } = await scanJson(home);
    expect(code).toBe(1);
    expect(json.servers[0]).toMatchObject({ name: 'gold', status: 'completed_with_findings', openEvents: 1, counts: { entries: 2, added: 0, removed: 0, modified: 1, unreadable: 0 } });
    const e = json.events[0]!;
    expect(e).toMatchObject({
      id: expect.any(Number),
      server: 'gold',
      group: 'g',
      policy: 'p',
      path: path.join(root, 'f'),
      change: 'modified',
      critical: true,
      alert: true,
      status: 'open',
      firstSeen: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      lastSeen: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(e.attributes).toEqual([
      { name: 'size', baseline: 2, current: 8 },
      { name: 'sha256', baseline: expect.stringMatching(/^[0-9a-f]{64}$/), current: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ]);
    for (const a of e.attributes) expect(Object.keys(a).sort()).toEqual(['baseline', 'current', 'name']);
    expect(await eventsJson(home)).toEqual(json.events);
    expect(await eventsJson(home, '--server', 'gold', '--critical', '--policy', 'p', '--group', 'g')).toEqual(json.events);
    // A server that does not exist is an error that names it, not an empty list.
    const other = await cli(home, 'events', '--server', 'other');
    expect(other.code).not.toBe(0);
    expect(other.err).toContain("no server named 'other'");
    expect(await eventsJson(home, '--resolved')).toEqual([]);
    const shown = JSON.parse(await ok(home, 'event', 'show', String(e.id), '--json'));
    expect(shown).toEqual(e);
    const text = await ok(home, 'event', 'show', String(e.id));
    expect(text).toContain(`Event ${e.id}: modified ${path.join(root, 'f')}`);
    expect(text).toMatch(/\* sha256/);
  });

  it('2 when a server could not be scanned, even with open events (2 wins)', async () => {
    await ok(home, 'server', 'add', 'broken', '--local', '--shell', '/nonexistent/shell', '--group', 'g');
    const { code, json } = await scanJson(home);
    expect(code).toBe(2);
    expect(json.servers.map((s) => s.status)).toEqual(['failed', 'completed_with_findings']);
    expect(json.events).toHaveLength(1);
    await ok(home, 'server', 'remove', 'broken', '--yes');
  });

  it('2 when the servers to scan cannot be found at all', async () => {
    const r = await cli(home, 'scan', '--server', 'nope');
    expect(r.err).toContain("no server named 'nope'");
    expect(r.code).toBe(2);
  });

  it('a server with no policy fails its scan, plainly', async () => {
    await ok(home, 'server', 'add', 'lonely', '--local');
    const { code, json } = await scanJson(home, '--server', 'lonely');
    expect(code).toBe(2);
    expect(json.servers[0]).toMatchObject({ name: 'lonely', status: 'failed', reason: 'the server is in no group, so no policy applies' });
  });
});
