// A scan's arguments travel in the script on stdin, not on the SSH command line (one argument,
// at most 128 KiB on Linux): five targets of a thousand exclude patterns each (~190 KB of words)
// are scanned over real SSH like any other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type Fleet, type Host } from '../../fleet/fleet.js';
import { addServer, newHome, ok, removeHomes, resultOf, scanJson } from './helpers.js';

let fleet: Fleet;
let host: Host;
let home: string;

beforeAll(async () => {
  fleet = await startFleet({ hosts: [{ name: 'h1' }] });
  [host] = fleet.hosts as [Host];
  await host.sh('for t in 0 1 2 3 4; do mkdir -p /srv/long/t$t; echo keep > /srv/long/t$t/kept; echo skip > /srv/long/t$t/skip-$t-7; done');
  home = newHome();
  await ok(home, 'policy', 'add', 'p');
  for (let t = 0; t < 5; t++) {
    const excludes = Array.from({ length: 1000 }, (_, i) => ['--exclude', `skip-${t}-${i}-${'y'.repeat(16)}*`]).flat();
    excludes.push('--exclude', `skip-${t}-7`);
    excludes.splice(0, 2); // 1,000 patterns in all, the target's most
    await ok(home, 'policy', 'target', 'add', 'p', `/srv/long/t${t}`, '--recursive', ...excludes);
  }
  await ok(home, 'group', 'add', 'g', '--policy', 'p');
  await addServer(home, fleet, host, { group: 'g' });
});
afterAll(async () => {
  await fleet?.stop();
  removeHomes();
});

describe('a scan whose patterns exceed what one command line holds', () => {
  it('baselines and scans over SSH, and the patterns apply', async () => {
    const baseline = JSON.parse(await ok(home, 'baseline', 'p', '--server', 'h1', '--json')) as { reports: { targets: { path: string; entries: number }[] }[] };
    // Each target: its directory and `kept`; `skip-T-7` excluded.
    expect(baseline.reports[0]!.targets.map((t) => t.entries)).toEqual([2, 2, 2, 2, 2]);
    const { code, json } = await scanJson(home, '--server', 'h1');
    expect(resultOf(json, 'h1').status).toBe('completed_clean');
    expect(code).toBe(0);
  });
});
