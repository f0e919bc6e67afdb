// Host keys through the CLI against real sshd hosts: an unpinned host is never scanned (the
// error shows its fingerprint); `server trust` pins it (probed, checked against --fingerprint, or
// taken from a known_hosts file, hashed entries too); a changed key fails that server's scan as
// host_key_mismatch and opens a critical event with both fingerprints (a baseline or a pre-flight
// that meets it too), which the first scan after re-trusting resolves.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../fleet/proc.js';
import { onTerminal } from '../../support/terminal.js';
import { startFleet, type Fleet, type Host } from '../../fleet/fleet.js';
import { cli, eventsJson, makeAppTree, newHome, ok, PASSWORD_ENV, policyAndGroup, query, removeHomes, resultOf, scanJson, scratchDir, serverAddArgs, snapshot } from './helpers.js';

let fleet: Fleet;
let h1: Host;
let h2: Host;
let h3: Host;
let h4: Host;
let home: string;
let dir: string;

beforeAll(async () => {
  fleet = await startFleet({ hosts: 4 });
  [h1, h2, h3, h4] = fleet.hosts as [Host, Host, Host, Host];
  for (const h of fleet.hosts) await makeAppTree(h);
  home = newHome();
  dir = scratchDir();
  await policyAndGroup(home, '/srv/app', { targetArgs: ['--recursive', '--compare', 'self'] });
});
afterAll(async () => {
  await fleet?.stop();
  removeHomes();
});

const pinned = async (name: string): Promise<string | null> => (JSON.parse(await ok(home, 'server', 'show', name, '--json')) as { hostKey: string | null }).hostKey;
const logins = (h: Host): number => (h.sshdLog().match(/Accepted publickey/g) ?? []).length;

describe('an unknown host key', () => {
  it('is never scanned: the scan fails with the fingerprint it presents, and nothing logs in', async () => {
    const add = await cli(home, ...serverAddArgs(fleet, h1, { group: 'g' }));
    expect(add.code).toBe(0);
    expect(add.out).toContain('host key not trusted yet: run driftwatch server trust host1 before scanning it');
    const before = logins(h1);
    const { code, json } = await scanJson(home, '--server', 'host1');
    expect(code).toBe(2);
    const r = resultOf(json, 'host1');
    expect(r.status).toBe('failed');
    expect(r.reason).toBe(
      `the host key of host1 (${h1.address}) is not trusted yet: it presents ssh-ed25519 key ${h1.hostKeyFingerprint}. Verify it and trust it before scanning.`,
    );
    expect(logins(h1)).toBe(before);
    expect(json.events).toEqual([]);
  });

  it('shows the fingerprint even when the credentials are missing as well (the host key is checked first)', async () => {
    await ok(home, ...serverAddArgs(fleet, h1, { name: 'host1-pw', auth: 'password', user: 'pwuser', group: 'g' }));
    delete process.env[PASSWORD_ENV];
    const { code, json } = await scanJson(home, '--server', 'host1-pw');
    expect(code).toBe(2);
    expect(resultOf(json, 'host1-pw').reason).toContain(`is not trusted yet: it presents ssh-ed25519 key ${h1.hostKeyFingerprint}`);
    // Trusting needs no credentials (nothing logs in); the missing password is the next problem.
    await ok(home, 'server', 'trust', 'host1-pw', '--fingerprint', h1.hostKeyFingerprint);
    const next = await scanJson(home, '--server', 'host1-pw');
    expect(resultOf(next.json, 'host1-pw').reason).toBe(`authentication failed for pwuser@${h1.address}: the password variable ${PASSWORD_ENV} is not set`);
  });

  it('--fingerprint with the wrong key is refused and pins nothing; a malformed one is a clear error', async () => {
    const wrong = await cli(home, 'server', 'trust', 'host1', '--fingerprint', h2.hostKeyFingerprint);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toBe(`driftwatch: host1 presents ${h1.hostKeyFingerprint}, not the expected ${h2.hostKeyFingerprint}; nothing was pinned`);
    expect(await pinned('host1')).toBeNull();
    const bad = await cli(home, 'server', 'trust', 'host1', '--fingerprint', 'SHA256:not-a-fingerprint');
    expect(bad.code).toBe(1);
    expect(bad.err).toBe('driftwatch: not an OpenSSH SHA256 fingerprint: SHA256:not-a-fingerprint');
    expect(await pinned('host1')).toBeNull();
  });

  it('server trust shows the presented key and pins it once a person on a terminal types yes; then the scan works', async () => {
    // Without a terminal nobody can confirm: the key must be named.
    const refused = await cli(home, 'server', 'trust', 'host1');
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('stdin is not a terminal, so nobody can confirm the key: name it with --fingerprint SHA256:...');
    expect(await pinned('host1')).toBeNull();
    const t = await onTerminal(home, ['server', 'trust', 'host1'], [['Type yes to confirm:', 'yes']]);
    expect(t).toMatchObject({ code: 0 });
    expect(t.screen).toContain(`host1 presents ssh-ed25519 key ${h1.hostKeyFingerprint}\n`);
    expect(t.screen).toContain(`pinned host key of host1: ${h1.hostKeyFingerprint}`);
    expect(await pinned('host1')).toBe(h1.hostKeyFingerprint);
    // The scan works: its first one records the self targets' state (not_compared, exit 3).
    const { code, json } = await scanJson(home, '--server', 'host1');
    expect(resultOf(json, 'host1').status).toBe('not_compared');
    expect(code).toBe(3);
  });

  it('--fingerprint with the right key pins it (with or without the SHA256: prefix)', async () => {
    await ok(home, ...serverAddArgs(fleet, h4, { group: 'g' }));
    const out = await ok(home, 'server', 'trust', 'host4', '--fingerprint', h4.hostKeyFingerprint.slice('SHA256:'.length));
    expect(out).toBe(`pinned host key of host4: ${h4.hostKeyFingerprint}`);
    expect(resultOf((await scanJson(home, '--server', 'host4')).json, 'host4').status).toBe('not_compared'); // scanned: its first scan
  });

  it('server add --accept-new pins the presented key at once, and shows it', async () => {
    const out = await ok(home, ...serverAddArgs(fleet, h4, { name: 'host4-new', group: 'g', acceptNew: true }));
    expect(out).toContain(`pinned host key ${h4.hostKeyFingerprint} (accepted as new`);
    expect(await pinned('host4-new')).toBe(h4.hostKeyFingerprint);
  });
});

describe('--from-known-hosts', () => {
  let hashed: string;
  beforeAll(async () => {
    hashed = path.join(dir, 'known_hosts');
    fs.writeFileSync(hashed, fleet.knownHosts());
    await check('ssh-keygen', ['-q', '-H', '-f', hashed]);
    await ok(home, ...serverAddArgs(fleet, h2, { group: 'g' }));
  });

  it('pins the key a hashed known_hosts file (ssh-keygen -H) lists for the host', async () => {
    const text = fs.readFileSync(hashed, 'utf8');
    expect(text).not.toContain(h2.address); // really hashed
    expect(text.split('\n').filter((l) => l.startsWith('|1|'))).toHaveLength(fleet.hosts.length);
    const out = await ok(home, 'server', 'trust', 'host2', '--from-known-hosts', hashed);
    expect(out).toBe(`pinned host key of host2: ${h2.hostKeyFingerprint}`);
    expect(await pinned('host2')).toBe(h2.hostKeyFingerprint);
    expect(resultOf((await scanJson(home, '--server', 'host2')).json, 'host2').status).toBe('not_compared'); // scanned: its first scan
  });

  it('reads ~/.ssh/known_hosts when no file is named', async () => {
    const fakeHome = path.join(dir, 'home');
    fs.mkdirSync(path.join(fakeHome, '.ssh'), { recursive: true });
    fs.copyFileSync(hashed, path.join(fakeHome, '.ssh', 'known_hosts'));
    await ok(home, ...serverAddArgs(fleet, h2, { name: 'host2-default', group: 'g' }));
    const saved = process.env.HOME;
    process.env.HOME = fakeHome;
    try {
      expect(await ok(home, 'server', 'trust', 'host2-default', '--from-known-hosts')).toBe(`pinned host key of host2-default: ${h2.hostKeyFingerprint}`);
    } finally {
      process.env.HOME = saved;
    }
  });

  it('refuses a file that does not list the host, or lists another key for it', async () => {
    await ok(home, ...serverAddArgs(fleet, h3, { name: 'stranger', group: 'g' }));
    const only2 = path.join(dir, 'only-host2');
    fs.writeFileSync(only2, `${h2.address} ${h2.hostPublicKey}\n`);
    await check('ssh-keygen', ['-q', '-H', '-f', only2]);
    const missing = await cli(home, 'server', 'trust', 'stranger', '--from-known-hosts', only2);
    expect(missing.code).toBe(1);
    expect(missing.err).toBe(`driftwatch: ${only2} lists no key for ${h3.address}:22`);
    const stale = path.join(dir, 'stale');
    fs.writeFileSync(stale, `${h3.address} ${h2.hostPublicKey}\n`); // host3's name, host2's key
    await check('ssh-keygen', ['-q', '-H', '-f', stale]);
    const refused = await cli(home, 'server', 'trust', 'stranger', '--from-known-hosts', stale);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(`stranger presents ${h3.hostKeyFingerprint}, not the expected ${h2.hostKeyFingerprint}; nothing was pinned`);
    expect(await pinned('stranger')).toBeNull();
  });
});

describe('a changed host key', () => {
  let oldKey: string;
  let newKey: string;

  it('a pinned host scans clean before', async () => {
    await ok(home, ...serverAddArgs(fleet, h3, { group: 'g' }));
    await ok(home, 'server', 'trust', 'host3', '--fingerprint', h3.hostKeyFingerprint);
    oldKey = h3.hostKeyFingerprint;
    // The first scan records the state; the second compares with it.
    expect(resultOf((await scanJson(home, '--server', 'host3')).json, 'host3').status).toBe('not_compared');
    const { code, json } = await scanJson(home, '--server', 'host3');
    expect(resultOf(json, 'host3').status).toBe('completed_clean');
    expect(code).toBe(0);
  });

  it('is refused: the scan fails as host_key_mismatch (exit 2), a critical open event carries both fingerprints', async () => {
    newKey = await h3.regenerateHostKey();
    expect(newKey).not.toBe(oldKey);
    const storedBefore = snapshot(home, ['self_packs', 'self_targets', 'server_full_packs', 'server_full_scans', 'baselines']);
    const before = logins(h3);
    const { code, json } = await scanJson(home, '--server', 'host3', '--server', 'host1');
    expect(code).toBe(2);
    const r = resultOf(json, 'host3');
    expect(r.status).toBe('failed');
    expect(r.reason).toMatch(/^host_key_mismatch: /);
    expect(r.reason).toContain(oldKey);
    expect(r.reason).toContain(newKey);
    expect(resultOf(json, 'host1').status).toBe('completed_clean'); // the other server is scanned
    expect(logins(h3)).toBe(before); // nothing was authenticated to the changed host
    const events = json.events.filter((e) => e.server === 'host3');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ change: 'host_key_mismatch', critical: true, status: 'open', attributes: [{ name: 'hostKey', baseline: oldKey, current: newKey }] });
    expect(events[0]!.error).toContain(newKey);
    expect((await eventsJson(home, '--critical')).map((e) => [e.server, e.change])).toEqual([['host3', 'host_key_mismatch']]);
    // Nothing of the scan itself was stored: the self state is as it was.
    expect(snapshot(home, ['self_packs', 'self_targets', 'server_full_packs', 'server_full_scans', 'baselines'])).toEqual(storedBefore);
    // The key stays pinned to the old one: nothing was trusted by itself.
    expect(await pinned('host3')).toBe(oldKey);
  });

  it('stays one open event while it persists', async () => {
    const { code, json } = await scanJson(home, '--server', 'host3');
    expect(code).toBe(2);
    expect(json.events.filter((e) => e.change === 'host_key_mismatch')).toHaveLength(1);
    expect(query(home, "SELECT COUNT(*) AS n FROM events WHERE change = 'host_key_mismatch'")).toEqual([{ n: 1 }]);
  });

  it('a baseline from it is refused the same way, and is the same one open event', async () => {
    const before = (await eventsJson(home, '--critical'))[0]!;
    const r = await cli(home, 'baseline', 'p', '--server', 'host3');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^baseline of host3 failed: host_key_mismatch: the host key of host3 /);
    expect(query(home, "SELECT kind, status FROM scans WHERE id = (SELECT MAX(id) FROM scans)")).toEqual([{ kind: 'baseline', status: 'failed' }]);
    const after = await eventsJson(home, '--critical');
    expect(after.map((e) => [e.id, e.change, e.status])).toEqual([[before.id, 'host_key_mismatch', 'open']]);
    expect(after[0]!.lastSeen >= before.lastSeen).toBe(true);
    expect(query(home, 'SELECT COUNT(*) AS n FROM baselines')).toEqual([{ n: 0 }]);
  });

  it('a pre-flight against it is refused the same way, and is the same one open event', async () => {
    const before = (await eventsJson(home, '--critical'))[0]!;
    const r = await cli(home, 'server', 'preflight', 'host3');
    expect(r.code).toBe(1); // a command other than scan that fails exits 1
    expect(r.err).toMatch(/^driftwatch: the host key of host3 .* has changed: pinned /);
    expect(r.err).toContain(newKey);
    expect(query(home, "SELECT kind, status FROM scans WHERE id = (SELECT MAX(id) FROM scans)")).toEqual([{ kind: 'preflight', status: 'failed' }]);
    const after = await eventsJson(home, '--critical');
    expect(after.map((e) => [e.id, e.change, e.status])).toEqual([[before.id, 'host_key_mismatch', 'open']]);
    expect(after[0]!.lastSeen >= before.lastSeen).toBe(true);
  });

  it('after re-trusting (with the new fingerprint, replacing the old one), the next scan works and the event is resolved', async () => {
    const out = await ok(home, 'server', 'trust', 'host3', '--fingerprint', newKey, '--replace');
    expect(out).toBe(`replaced the host key of host3: old ${oldKey}, new ${newKey}`);
    const { code, json } = await scanJson(home, '--server', 'host3');
    expect(resultOf(json, 'host3').status).toBe('completed_clean');
    expect(json.events).toEqual([]);
    expect(code).toBe(0);
    const all = (await eventsJson(home, '--all')).filter((e) => e.change === 'host_key_mismatch');
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ status: 'resolved', server: 'host3' });
    expect(all[0]!.resolvedAt).toEqual(expect.any(String));
  });
});
