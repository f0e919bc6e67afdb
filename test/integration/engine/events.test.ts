// The life of an event through the CLI: one open event while a deviation persists, resolving by
// itself, and accepting it for one server or into the baseline.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { cli, eventsJson, findings, ok, removeTemps, scanJson, SHELLS, standardSetup, tempDir, withStore } from './helpers.js';

afterAll(removeTemps);

describe.each(SHELLS)('events, scanner under %s', (shell) => {
  let home: string;
  let root: string;
  const p = (name: string) => path.join(root, name);

  beforeEach(async () => {
    const dir = tempDir();
    home = path.join(dir, 'home');
    root = path.join(dir, 'tree');
    fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
    fs.writeFileSync(p('etc/app.conf'), 'port=80\n');
    fs.writeFileSync(p('etc/other.conf'), 'x=1\n');
    await standardSetup(home, root, shell);
    // A second server in the same group: same policy, same baseline, and (being this machine too) the same files.
    await ok(home, 'server', 'add', 'web2', '--local', '--shell', shell, '--group', 'g');
  });

  it('the same deviation over two scans is one open event whose lastSeen moves', async () => {
    fs.writeFileSync(p('etc/app.conf'), 'port=8080\n');
    const first = await scanJson(home, '--server', 'gold');
    expect(first.code).toBe(1);
    expect(first.json.events).toHaveLength(1);
    const e1 = first.json.events[0]!;
    expect(e1).toMatchObject({ server: 'gold', group: 'g', policy: 'p', path: p('etc/app.conf'), change: 'modified', status: 'open', critical: false, alert: false });
    expect(e1.firstSeen).toBe(e1.lastSeen);

    const second = await scanJson(home, '--server', 'gold');
    expect(second.code).toBe(1);
    expect(second.json.events).toHaveLength(1);
    const e2 = second.json.events[0]!;
    expect(e2.id).toBe(e1.id);
    expect(e2.firstSeen).toBe(e1.firstSeen);
    expect(e2.lastSeen > e1.lastSeen).toBe(true);
    expect(await eventsJson(home, '--all')).toHaveLength(1);
    const scans = withStore(home, (db) => db.prepare('SELECT first_scan_id, last_scan_id FROM events').all()) as { first_scan_id: number; last_scan_id: number }[];
    expect(scans[0]!.last_scan_id).toBeGreaterThan(scans[0]!.first_scan_id);
  });

  it('reverting the file resolves the event by itself', async () => {
    fs.writeFileSync(p('etc/app.conf'), 'port=8080\n');
    const { json } = await scanJson(home, '--server', 'gold');
    const id = json.events[0]!.id;
    fs.writeFileSync(p('etc/app.conf'), 'port=80\n');
    const after = await scanJson(home, '--server', 'gold');
    expect(after.code).toBe(0);
    expect(after.json.events).toEqual([]);
    const [e] = await eventsJson(home, '--resolved');
    expect(e).toMatchObject({ id, status: 'resolved' });
    expect(e!.resolvedAt).toBeDefined();
    expect(e!.accepted).toBeUndefined();
    // A new deviation later is a new event, not the old one reopened.
    fs.writeFileSync(p('etc/app.conf'), 'port=8081\n');
    const again = await scanJson(home, '--server', 'gold');
    expect(again.json.events.map((x) => x.id)).not.toContain(id);
    expect(again.json.events).toHaveLength(1);
  });

  it('accept --for-server (the default) closes it with who/when/note; that server is clean, the other still deviates', async () => {
    fs.writeFileSync(p('etc/app.conf'), 'port=8080\n');
    fs.rmSync(p('etc/other.conf'));
    const { json } = await scanJson(home);
    expect(findings(json.events, true).map((f) => [f.server, f.path, f.change])).toEqual([
      ['gold', p('etc/app.conf'), 'modified'],
      ['web2', p('etc/app.conf'), 'modified'],
      ['gold', p('etc/other.conf'), 'removed'],
      ['web2', p('etc/other.conf'), 'removed'],
    ]);
    const gold = json.events.filter((e) => e.server === 'gold').map((e) => String(e.id));
    const out = await ok(home, 'accept', ...gold, '--note', 'change CHG-42');
    expect(out.split('\n')).toHaveLength(2);
    expect(out).toContain('for this server');

    const accepted = await eventsJson(home, '--accepted');
    expect(accepted.map((e) => String(e.id)).sort()).toEqual([...gold].sort());
    for (const e of accepted) {
      expect(e.status).toBe('accepted');
      expect(e.accepted).toMatchObject({ by: os.userInfo().username, note: 'change CHG-42', scope: 'server' });
      expect(Number.isNaN(Date.parse(e.accepted!.at))).toBe(false);
    }

    const next = await scanJson(home);
    expect(next.code).toBe(1);
    expect(next.json.servers.map((s) => [s.name, s.status])).toEqual([
      ['gold', 'completed_clean'],
      ['web2', 'completed_with_findings'],
    ]);
    expect(findings(next.json.events, true).map((f) => [f.server, f.path])).toEqual([
      ['web2', p('etc/app.conf')],
      ['web2', p('etc/other.conf')],
    ]);
    // The accepted state holds: gold deviating again from it (back to the baseline!) is a new event.
    fs.writeFileSync(p('etc/app.conf'), 'port=80\n');
    const back = await scanJson(home, '--server', 'gold');
    expect(findings(back.json.events)).toEqual([]);
    // (it matches the baseline again, which is clean too: an entry matching any reference is clean)
  });

  it('accept --into-baseline: the baseline takes the new state and every server is held to it', async () => {
    fs.writeFileSync(p('etc/app.conf'), 'port=8080\n');
    fs.writeFileSync(p('etc/new.conf'), 'new\n');
    const { json } = await scanJson(home, '--server', 'gold');
    expect(json.events).toHaveLength(2);
    const entriesBefore = withStore(home, (db) => (db.prepare('SELECT entries FROM baselines WHERE id = 1').get() as { entries: number }).entries);
    const out = await ok(home, 'accept', ...json.events.map((e) => String(e.id)), '--into-baseline', '--note', 'new release');
    expect(out).toContain('into the baseline');
    for (const e of await eventsJson(home, '--accepted')) expect(e.accepted).toMatchObject({ scope: 'baseline', note: 'new release' });
    const entriesAfter = withStore(home, (db) => (db.prepare('SELECT entries FROM baselines WHERE id = 1').get() as { entries: number }).entries);
    expect(entriesAfter).toBe(entriesBefore + 1);

    // web2 was never scanned with the old state: it is clean against the new baseline at once.
    const next = await scanJson(home);
    expect(next.code).toBe(0);
    expect(next.json.events).toEqual([]);
    // And going back to the old content is now a deviation, on both servers.
    fs.writeFileSync(p('etc/app.conf'), 'port=80\n');
    const back = await scanJson(home);
    expect(findings(back.json.events, true).map((f) => [f.server, f.path, f.change])).toEqual([
      ['gold', p('etc/app.conf'), 'modified'],
      ['web2', p('etc/app.conf'), 'modified'],
    ]);
  });

  it('accept --into-baseline on one server resolves the same open deviation of another server by itself', async () => {
    fs.writeFileSync(p('etc/app.conf'), 'port=8080\n');
    const { json } = await scanJson(home);
    expect(json.events).toHaveLength(2);
    const gold = json.events.find((e) => e.server === 'gold')!;
    const web2 = json.events.find((e) => e.server === 'web2')!;
    await ok(home, 'accept', String(gold.id), '--into-baseline');
    const next = await scanJson(home);
    expect(next.code).toBe(0);
    const all = await eventsJson(home, '--all');
    expect(Object.fromEntries(all.map((e) => [e.id, e.status]))).toEqual({ [gold.id]: 'accepted', [web2.id]: 'resolved' });
  });

  it('open events of a policy that no longer applies (unassigned, or removed) are retired at once, with the reason', async () => {
    const other = path.join(path.dirname(root), 'other'); // outside p's tree
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'x'), 'x\n');
    await ok(home, 'policy', 'add', 'q');
    await ok(home, 'policy', 'target', 'add', 'q', other, '--recursive');
    await ok(home, 'group', 'assign', 'g', '--policy', 'q');
    await ok(home, 'baseline', 'q', '--server', 'gold');
    fs.writeFileSync(p('etc/app.conf'), 'port=8080\n');
    const { code, json } = await scanJson(home, '--server', 'gold');
    expect(code).toBe(1);
    expect(json.events.map((e) => e.policy)).toEqual(['p']);
    await ok(home, 'group', 'unassign', 'g', '--policy', 'p');
    // Retired when the policy stops applying (not at the next scan, and not as "resolved").
    expect((await eventsJson(home, '--open')).map((e) => e.id)).toEqual([]);
    expect((await eventsJson(home, '--retired')).map((e) => [e.id, e.retired?.reason])).toEqual([[json.events[0]!.id, "policy 'p' was unassigned from group 'g'"]]);
    const after = await scanJson(home, '--server', 'gold');
    expect(after.code).toBe(0);
    expect(after.json.events).toEqual([]);
    expect((await eventsJson(home, '--resolved')).map((e) => e.id)).toEqual([]);

    // The same when the policy is removed outright (its events keep the policy's name).
    await ok(home, 'group', 'assign', 'g', '--policy', 'p');
    const again = await scanJson(home, '--server', 'gold');
    expect(again.code).toBe(1);
    await ok(home, 'policy', 'remove', 'p', '--yes');
    const gone = await scanJson(home, '--server', 'gold');
    expect(gone.code).toBe(0);
    const closed = (await eventsJson(home, '--all')).filter((e) => e.id === again.json.events[0]!.id);
    expect(closed).toMatchObject([{ status: 'retired', policy: 'p', retired: { reason: "policy 'p' was removed" } }]);
  });

  it('accepting an event that is not open, or that does not exist, is refused', async () => {
    fs.writeFileSync(p('etc/app.conf'), 'port=8080\n');
    const { json } = await scanJson(home, '--server', 'gold');
    const id = String(json.events[0]!.id);
    await ok(home, 'accept', id);
    const again = await cli(home, 'accept', id);
    expect(again.code).not.toBe(0);
    expect(again.err).toMatch(/is accepted already: nothing to accept/);
    const missing = await cli(home, 'accept', '999');
    expect(missing.code).not.toBe(0);
    expect(missing.err).toMatch(/no event with id 999/);
    const both = await cli(home, 'accept', id, '--for-server', '--into-baseline');
    expect(both.code).toBe(2);
    expect(both.err).toContain('usage: driftwatch accept');
  });
});
