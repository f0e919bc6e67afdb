// A gold master and a group of real hosts, through the CLI: a baseline from host1, a tamper
// inside host3 only, and a scan of the group reports exactly the tampered paths on host3 and
// nothing anywhere else. A host whose sshd is down fails at once with a clear reason while the
// others complete.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type Fleet, type Host } from '../../fleet/fleet.js';
import { addServer, cli, eventsJson, findingsByServer, makeAppTree, newHome, ok, removeHomes, resultOf, scanJson, statuses } from './helpers.js';

let fleet: Fleet;
let gold: Host;
let members: Host[];
let home: string;
let tree: string[];

beforeAll(async () => {
  fleet = await startFleet({ hosts: 5 });
  [gold, ...members] = fleet.hosts as [Host, ...Host[]];
  for (const h of fleet.hosts) tree = await makeAppTree(h);
  home = newHome();
  await ok(home, 'policy', 'add', 'app');
  await ok(home, 'policy', 'target', 'add', 'app', '/srv/app', '--recursive', '--critical');
  await ok(home, 'group', 'add', 'web', '--policy', 'app');
  await addServer(home, fleet, gold); // the gold master sits in no group
  for (const h of members) await addServer(home, fleet, h, { group: 'web' });
});
afterAll(async () => {
  await fleet?.stop();
  removeHomes();
});

describe('gold master and a group of hosts', () => {
  it('baselines the gold master (host1)', async () => {
    const out = await ok(home, 'baseline', 'app', '--server', gold.name, '--comment', 'release 1');
    expect(out).toContain(`Baseline #1 of policy app from ${gold.name}: ${tree.length} entries`);
    expect(out).toMatch(/\/srv\/app\s+found\s+14\s+0/);
  });

  it('a clean group scans clean everywhere', async () => {
    const { code, json } = await scanJson(home, '--group', 'web');
    expect(statuses(json)).toEqual(Object.fromEntries(members.map((h) => [h.name, 'completed_clean'])));
    for (const h of members) expect(resultOf(json, h.name).counts).toEqual({ entries: tree.length, added: 0, removed: 0, modified: 0, unreadable: 0 });
    expect(json.events).toEqual([]);
    expect(code).toBe(0);
  });

  it('after a tamper inside host3 only, the group scan reports exactly the tampered paths on host3', async () => {
    const host3 = fleet.host('host3');
    await host3.sh(`set -e
printf 'listen=8080\\nmode=test\\n' > /srv/app/etc/app.conf
chmod 4755 /srv/app/bin/app
printf 'evil\\n' > /srv/app/lib/plugins/evil.so
rm /srv/app/lib/plugins/b.so
ln -sfn /etc/shadow /srv/app/data/config-link`);
    const { code, json } = await scanJson(home, '--group', 'web');
    expect(code).toBe(1); // open events, no failure
    expect(statuses(json)).toEqual(Object.fromEntries(members.map((h) => [h.name, h === host3 ? 'completed_with_findings' : 'completed_clean'])));
    expect(resultOf(json, 'host3').counts).toEqual({ entries: tree.length, added: 1, removed: 1, modified: 3, unreadable: 0 });
    const expected = {
      host3: [
        'added /srv/app/lib/plugins/evil.so',
        'modified /srv/app/bin/app',
        'modified /srv/app/data/config-link',
        'modified /srv/app/etc/app.conf',
        'removed /srv/app/lib/plugins/b.so',
      ],
    };
    expect(findingsByServer(json.events)).toEqual(expected);
    expect(findingsByServer(await eventsJson(home))).toEqual(expected);
    const byPath = new Map(json.events.map((e) => [e.path, e]));
    expect(byPath.get('/srv/app/etc/app.conf')!.attributes.map((a) => a.name).sort()).toEqual(['sha256']);
    expect(byPath.get('/srv/app/bin/app')!.attributes).toEqual([{ name: 'mode', baseline: '0755', current: '4755' }]);
    expect(byPath.get('/srv/app/data/config-link')!.attributes).toEqual([{ name: 'target', baseline: '../etc/app.conf', current: '/etc/shadow' }]);
    for (const e of json.events) expect(e.critical).toBe(true);
    // The table says the same.
    const table = await cli(home, 'events', '--server', 'host3');
    expect(table.out.split('\n')).toHaveLength(1 + 5);
  });

  it('a host whose sshd is down fails at once with a clear reason; the others complete', async () => {
    const down = fleet.host('host5');
    await down.stopSshd();
    try {
      const { code, json } = await scanJson(home, '--group', 'web');
      expect(code).toBe(2);
      expect(statuses(json)).toEqual({ host2: 'completed_clean', host3: 'completed_with_findings', host4: 'completed_clean', host5: 'failed' });
      expect(resultOf(json, 'host5').reason).toBe(`cannot connect to host5 (${down.address}): connection refused`);
      // Nothing but the failure is recorded for host5; host3 keeps its five open events.
      expect(findingsByServer(json.events).host3).toHaveLength(5);
      const human = await cli(home, 'scan', '--group', 'web');
      expect(human.code).toBe(2);
      expect(human.out).toMatch(new RegExp(`host5\\s+failed\\s+cannot connect to host5 \\(${down.address.replace(/\./g, '\\.')}\\): connection refused`));
      expect(human.out).toMatch(/host2\s+completed_clean\s+14 entries, \+0 -0 ~0/);
    } finally {
      await down.startSshd();
    }
    const { json } = await scanJson(home, '--server', 'host5');
    expect(resultOf(json, 'host5').status).toBe('completed_clean');
  });

  it('scan --all covers the gold master too (no group: it has no policy, so it fails with that reason)', async () => {
    const { code, json } = await scanJson(home, '--all');
    expect(code).toBe(2);
    expect(resultOf(json, gold.name)).toMatchObject({ status: 'failed', reason: 'the server is in no group, so no policy applies' });
    expect(statuses(json)).toMatchObject({ host2: 'completed_clean', host3: 'completed_with_findings', host4: 'completed_clean', host5: 'completed_clean' });
  });
});
