// A scan that fails half-way: truncated or corrupted output, a scanner killed mid-stream, a shell
// that cannot start. The server's scan is failed with a clear reason, the command exits 2, and
// baselines, events, self state and earlier scans are exactly as before.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { cli, fakeShell, ok, removeTemps, scanJson, SHELLS, snapshot, tempDir } from './helpers.js';

afterAll(removeTemps);

describe.each(SHELLS)('failing scans, scanner under %s', (shell) => {
  let dir: string;
  let home: string;
  let root: string;
  const p = (name: string) => path.join(root, name);

  beforeEach(async () => {
    dir = tempDir();
    home = path.join(dir, 'home');
    root = path.join(dir, 'tree');
    fs.mkdirSync(path.join(root, 'master'), { recursive: true });
    fs.mkdirSync(path.join(root, 'self'), { recursive: true });
    for (let i = 0; i < 40; i++) fs.writeFileSync(p(`master/file-${i}`), `content ${i}\n`);
    fs.writeFileSync(p('self/s'), 's\n');
    await ok(home, 'policy', 'add', 'p');
    await ok(home, 'policy', 'target', 'add', 'p', p('master'), '--recursive');
    await ok(home, 'policy', 'target', 'add', 'p', p('self'), '--recursive', '--compare', 'self');
    await ok(home, 'group', 'add', 'g', '--policy', 'p');
    await ok(home, 'server', 'add', 'good', '--local', '--shell', shell, '--group', 'g');
    await ok(home, 'baseline', 'p', '--server', 'good');
    // History to protect: a completed scan with an open event, and a self state.
    fs.appendFileSync(p('master/file-3'), 'tampered\n');
    // The first scan also records the self target's state, so it is not_compared (3 wins over 1).
    const first = await scanJson(home);
    expect(first.code).toBe(3);
    expect(first.json.servers[0]).toMatchObject({ status: 'not_compared', openEvents: 1 });
  });

  const BROKEN: [string, string, RegExp][] = [
    ['truncated output', `${shell} "$@" | head -c 300`, /^malformed scanner output: truncated (inside a '.' (record|section)|before the end record) after 300 bytes$/],
    ['output cut mid-stream and killed', `${shell} "$@" | { head -c 500; kill -9 $$; }`, /^scanner exited with status SIGKILL/],
    ['a non-zero exit after complete output', `${shell} "$@"; exit 3`, /^scanner exited with status 3/],
    ['data after the end record', `${shell} "$@"; printf 'E\\0'`, /^malformed scanner output: data after the end record/],
    // The first record tag, right after the run's start marker.
    ['a corrupted record tag', `${shell} "$@" | sed 's/^\\(DRIFTWATCH-START-[0-9a-f]*.\\)V/\\1Q/'`, /^malformed scanner output: unknown record tag "Q/],
    ['a corrupted hash', `${shell} "$@" | sed 's/^[0-9a-f]\\{8\\}/zzzzzzzz/'`, /^malformed scanner output: bad sha256 "zzzzzzzz/],
  ];

  it.each(BROKEN)('%s: failed with a clear reason, exit 2, nothing else changed', async (_what, body, reason) => {
    const broken = fakeShell(dir, 'brokensh', body);
    await ok(home, 'server', 'add', 'bad', '--local', '--shell', broken, '--group', 'g');
    fs.appendFileSync(p('master/file-4'), 'more tampering\n'); // would be a new event, if bad's scan were stored
    const before = snapshot(home, ['scans']);
    const scansBefore = snapshot(home).scans!;

    const { code, json } = await scanJson(home, '--server', 'bad');
    expect(code).toBe(2);
    expect(json.servers).toHaveLength(1);
    expect(json.servers[0]).toMatchObject({ name: 'bad', status: 'failed' });
    expect(json.servers[0]!.reason).toMatch(reason);
    expect(json.servers[0]!.reason).not.toContain('\n');
    expect(json.events).toEqual([]);

    expect(snapshot(home, ['scans'])).toEqual(before);
    const scansAfter = snapshot(home).scans! as { id: number; status: string; reason: string; counts_json: string }[];
    expect(scansAfter.slice(0, scansBefore.length)).toEqual(scansBefore);
    expect(scansAfter).toHaveLength(scansBefore.length + 1);
    expect(scansAfter.at(-1)).toMatchObject({ status: 'failed', counts_json: JSON.stringify({ entries: 0, added: 0, removed: 0, modified: 0, unreadable: 0 }) });

    // The human output says it too, and server show lists the failed scan with its reason.
    const text = await cli(home, 'scan', '--server', 'bad');
    expect(text.code).toBe(2);
    expect(text.out).toMatch(/bad\s+failed/);
    expect((await ok(home, 'server', 'show', 'bad'))).toMatch(/scan\s+failed/);

    // A baseline from the broken server fails the same way and stores no baseline.
    const baselinesBefore = snapshot(home).baselines;
    const b = await cli(home, 'baseline', 'p', '--server', 'bad');
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/^baseline of bad failed: /);
    expect(snapshot(home).baselines).toEqual(baselinesBefore);
  });

  it('a server that fails does not stop the others; 2 wins over 1', async () => {
    await ok(home, 'server', 'add', 'bad', '--local', '--shell', fakeShell(dir, 'cut', `${shell} "$@" | head -c 100`), '--group', 'g');
    await ok(home, 'server', 'add', 'missing-shell', '--local', '--shell', path.join(dir, 'no-such-shell'), '--group', 'g');
    const { code, json } = await scanJson(home);
    expect(code).toBe(2);
    expect(json.servers.map((s) => [s.name, s.status])).toEqual([
      ['bad', 'failed'],
      ['good', 'completed_with_findings'],
      ['missing-shell', 'failed'],
    ]);
    expect(json.servers[2]!.reason).toMatch(/no-such-shell/);
    expect(json.events.map((e) => [e.server, e.path])).toEqual([['good', p('master/file-3')]]);
  });
});
