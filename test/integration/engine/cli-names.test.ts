// Naming things on the command line: every option that names servers, groups or policies takes
// several the same way (`--server a b` and `--server a --server b`), and a name that matches
// nothing is an error naming it, with a non-zero exit, in every command.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ok, removeTemps, scanJson, tempDir } from './helpers.js';

afterAll(removeTemps);

let home: string;
let root: string;

beforeAll(async () => {
  home = tempDir();
  root = tempDir();
  fs.writeFileSync(path.join(root, 'f'), 'x\n');
  await ok(home, 'policy', 'add', 'p');
  await ok(home, 'policy', 'add', 'q');
  await ok(home, 'policy', 'target', 'add', 'p', root, '--recursive');
  await ok(home, 'policy', 'target', 'add', 'q', root, '--recursive');
  await ok(home, 'group', 'add', 'g', '--policy', 'p');
  await ok(home, 'group', 'add', 'h');
  for (const s of ['a', 'b', 'c']) await ok(home, 'server', 'add', s, '--local', '--group', 'g');
});

describe('several names, one way', () => {
  it('baseline, scan, pre-flight, events and report take `--server a b` and `--server a --server b` alike', async () => {
    const baselined = JSON.parse(await ok(home, 'baseline', 'p', '--server', 'a', 'b', '--json')) as { reports: { baseline: { server: string } }[] };
    expect(baselined.reports.map((r) => r.baseline.server).sort()).toEqual(['a', 'b']);
    await ok(home, 'baseline', 'p', '--server', 'c');

    const spaced = await scanJson(home, '--server', 'a', 'b');
    const repeated = await scanJson(home, '--server', 'a', '--server', 'b');
    const joined = await scanJson(home, '--server=a', 'b');
    for (const r of [spaced, repeated, joined]) {
      expect(r.code).toBe(0);
      expect(r.json.servers.map((s) => s.name).sort()).toEqual(['a', 'b']);
    }
    // Names and other options mix in any order.
    const mixed = await scanJson(home, '--server', 'c', 'a', '--full');
    expect(mixed.json.servers.map((s) => [s.name, s.mode])).toEqual([['c', 'full'], ['a', 'full']]);

    const pre = JSON.parse(await ok(home, 'server', 'preflight', 'a', 'b', '--json')) as { server: string; facts: Record<string, string> }[];
    expect(pre.map((x) => x.server)).toEqual(['a', 'b']);
    expect(pre[0]!.facts.shell).toBeTruthy();
    // One server: its pre-flight itself, as before.
    expect(JSON.parse(await ok(home, 'server', 'preflight', 'c', '--json'))).toHaveProperty('facts');
    expect(await ok(home, 'server', 'preflight', 'a', 'b')).toMatch(/^a: pre-flight[\s\S]*\nb: pre-flight/);

    fs.writeFileSync(path.join(root, 'f'), 'changed\n');
    await scanJson(home, '--group', 'g');
    const events = (...args: string[]) => ok(home, 'events', '--json', ...args).then((o) => (JSON.parse(o) as { server: string }[]).map((e) => e.server).sort());
    expect(await events('--server', 'a', 'c')).toEqual(['a', 'c']);
    expect(await events('--server', 'a', '--server', 'c')).toEqual(['a', 'c']);
    expect(await events('--policy', 'p', 'q', '--server', 'b')).toEqual(['b']);
    const csv = path.join(tempDir(), 'events.csv');
    await ok(home, 'report', '--format', 'csv', '--out', csv, '--server', 'a', 'b', '--status', 'open');
    expect(fs.readFileSync(csv, 'utf8').trim().split('\r\n').slice(1).map((l) => l.split(',')[1]).sort()).toEqual(['a', 'b']);

    await ok(home, 'group', 'assign', 'h', '--policy', 'p', 'q');
    expect(JSON.parse(await ok(home, 'group', 'list', '--json'))).toContainEqual({ name: 'h', policies: ['p', 'q'] });
    expect(await ok(home, 'group', 'unassign', 'h', '--policy', 'p', 'q')).toBe('unassigned p, q from h');
    expect(JSON.parse(await ok(home, 'group', 'list', '--json'))).toContainEqual({ name: 'h', policies: [] });
  });

  it('the usage of every command that takes several names says NAME...', async () => {
    for (const [args, usage] of [
      [['scan'], /--group G\.\.\.\] \[--server NAME\.\.\.\]/],
      [['baseline'], /--server NAME\.\.\./],
      [['server', 'preflight'], /preflight NAME\.\.\./],
      [['events'], /\[--server NAME\.\.\.\] \[--group G\.\.\.\] \[--policy P\.\.\.\]/],
      [['report'], /\[--server NAME\.\.\.\] \[--group G\.\.\.\] \[--policy P\.\.\.\]/], // the events filter's words
      [['group', 'assign'], /\[--policy P\.\.\.\]/],
      [['group', 'unassign'], /\[--policy P\.\.\.\] \[--alert-profile NAME\.\.\.\]/],
    ] as const) {
      const r = await cli(home, ...args, '--help');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(usage);
    }
  });
});

describe('a name that matches nothing is an error that says so', () => {
  it.each([
    [['scan', '--server', 'a', 'nosuch', 'ghost'], "no servers named 'nosuch', 'ghost'", 2],
    [['scan', '--group', 'nosuch'], "no group named 'nosuch'", 2],
    [['baseline', 'p', '--server', 'nosuch'], "no server named 'nosuch'", 1],
    [['baseline', 'nosuch', '--server', 'a'], "no policy named 'nosuch'", 1],
    [['baselines', '--policy', 'nosuch'], "no policy named 'nosuch'", 1],
    [['server', 'preflight', 'a', 'nosuch'], "no server named 'nosuch'", 1],
    [['server', 'show', 'nosuch'], "no server named 'nosuch'", 1],
    [['server', 'settings', 'nosuch'], "no server named 'nosuch'", 1],
    [['server', 'move', 'nosuch', '--group', 'g'], "no server named 'nosuch'", 1],
    [['server', 'move', 'a', '--group', 'nosuch'], "no group named 'nosuch'", 1],
    [['server', 'add', 'x', '--local', '--group', 'nosuch'], "no group named 'nosuch'", 1],
    [['events', '--server', 'nosuch'], "no server named 'nosuch'", 1],
    [['events', '--group', 'nosuch', '--policy', 'nop'], "no group named 'nosuch'; no policy named 'nop'", 1],
    [['event', 'show', '999999'], 'no event with id 999999', 1],
    [['accept', '999999'], 'no event with id 999999', 1],
    [['report', '--format', 'csv', '--out', '-', '--server', 'nosuch'], "no server named 'nosuch'", 1],
    [['report', '--format', 'csv', '--out', '-', '--policy', 'nosuch'], "no policy named 'nosuch'", 1],
    [['report', '--format', 'csv', '--kind', 'coverage', '--out', '-', '--group', 'nosuch'], "no group named 'nosuch'", 1],
    [['report', '--format', 'pdf', '--out', '-', '--group', 'nosuch'], "no group named 'nosuch'", 1],
    [['group', 'add', 'x', '--policy', 'nosuch'], "no policy named 'nosuch'", 1],
    [['group', 'assign', 'nosuch', '--policy', 'p'], "no group named 'nosuch'", 1],
    [['group', 'assign', 'g', '--alert-profile', 'nosuch'], "no alert profile named 'nosuch'", 1],
    [['group', 'unassign', 'g', '--policy', 'nosuch'], "no policy named 'nosuch'", 1],
    [['group', 'remove', 'nosuch'], "no group named 'nosuch'", 1],
    [['policy', 'show', 'nosuch'], "no policy named 'nosuch'", 1],
    [['policy', 'target', 'add', 'nosuch', '/x'], "no policy named 'nosuch'", 1],
    [['policy', 'target', 'remove', 'p', '/nosuch'], "policy 'p' has no target /nosuch", 1],
    [['schedule', 'set', 'nosuch', '--every', '1h'], "no group named 'nosuch'", 1],
    [['schedule', 'off', 'nosuch'], "no group named 'nosuch'", 1],
    [['alert-profile', 'remove', 'nosuch'], "no alert profile named 'nosuch'", 1],
  ])('%j', async (args, message, code) => {
    const r = await cli(home, ...args);
    expect(r.err).toContain(message);
    expect(r.code).toBe(code);
    expect(r.out).toBe('');
  });

  it('a removed policy with no events is unknown; Unassigned is a group to filter by', async () => {
    await ok(home, 'policy', 'add', 'gone');
    await ok(home, 'policy', 'remove', 'gone', '--yes');
    expect((await cli(home, 'events', '--policy', 'gone')).err).toContain("no policy named 'gone'");
    expect((await cli(home, 'events', '--group', 'Unassigned')).code).toBe(0);
  });
});
