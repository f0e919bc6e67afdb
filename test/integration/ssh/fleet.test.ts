// The test fleet itself: hosts are isolated from each other and from the real system, a host
// can hide behind another (reachable only through it), and the real ssh client agrees with it.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshError } from '../../../src/main/transport/ssh-endpoint.js';
import { FLEET_ROOT } from '../../fleet/alloc.js';
import { startFleet, type Fleet, type Host } from '../../fleet/fleet.js';
import { isAlive, pidsRootedUnder } from '../../fleet/proc.js';
import { collect, keyEndpoint, transports } from './helpers.js';

let fleet: Fleet;
let h1: Host;
let h2: Host;
let bastion: Host;
let inner: Host;
const { transport, closeTransports } = transports();

beforeAll(async () => {
  fleet = await startFleet({ hosts: [{}, {}, { name: 'bastion' }, { name: 'inner', behind: 'bastion' }] });
  [h1, h2, bastion, inner] = fleet.hosts as [Host, Host, Host, Host];
});
afterAll(async () => {
  closeTransports();
  await fleet?.stop();
});

describe('test fleet', () => {
  it('gives each host its own address, name and host key', () => {
    const addresses = new Set(fleet.hosts.map((h) => h.address));
    expect(addresses.size).toBe(4);
    for (const h of fleet.hosts) expect(h.address).toMatch(new RegExp(`^127\\.0\\.${fleet.block}\\.\\d+$`));
    expect(new Set(fleet.hosts.map((h) => h.hostKeyFingerprint)).size).toBe(4);
  });

  it('keeps tampering in one host out of the others and out of the real system', async () => {
    const marker = `driftwatch-tamper-${process.pid}-${Date.now()}`;
    const realIssue = readFileSync('/etc/issue');
    // Through the fleet helpers (new file, changed file, removed file, chmod)...
    await h1.writeFile(`/etc/${marker}`, 'tampered\n', 0o600);
    await h1.sh(`echo tampered >> /etc/issue && rm /etc/debian_version && chmod 600 /etc/issue.net`);
    // ...and through SSH as root, like an intruder would.
    const t = transport(keyEndpoint(fleet, h1));
    expect((await collect(await t.runScript('echo x > "/usr/local/$1" && echo done', [marker]))).text).toBe('done\n');

    expect(await h1.exists(`/etc/${marker}`)).toBe(true);
    expect((await h1.readFile('/etc/issue')).toString()).toContain('tampered');
    expect(await h1.exists('/etc/debian_version')).toBe(false);
    expect((await h1.sh('stat -c %a /etc/issue.net')).trim()).toBe('600');

    for (const other of [h2, bastion, inner]) {
      expect(await other.exists(`/etc/${marker}`)).toBe(false);
      expect(await other.exists(`/usr/local/${marker}`)).toBe(false);
      expect((await other.readFile('/etc/issue')).equals(realIssue)).toBe(true);
      expect(await other.exists('/etc/debian_version')).toBe(true);
      expect((await other.sh('stat -c %a /etc/issue.net')).trim()).toBe('644');
    }
    expect(existsSync(`/etc/${marker}`)).toBe(false);
    expect(existsSync(`/usr/local/${marker}`)).toBe(false);
    expect(readFileSync('/etc/issue').equals(realIssue)).toBe(true);
    expect(existsSync('/etc/debian_version')).toBe(true);
    expect(execFileSync('stat', ['-c', '%a', '/etc/issue.net']).toString().trim()).toBe('644');
  });

  it('hides the real /tmp and other runs from a host', async () => {
    writeFileSync(join(fleet.dir, 'outside-only'), 'x');
    expect(await h1.exists(join(fleet.dir, 'outside-only'))).toBe(false);
    expect(await h1.exists(FLEET_ROOT)).toBe(false);
    expect((await h1.sh('hostname')).trim()).toBe(h1.name);
  });

  it('runs commands as other users inside a host', async () => {
    expect((await h1.sh('id -un', { user: 'scanner' })).trim()).toBe('scanner');
    expect((await h1.sh('sudo -n id -u', { user: 'scanner' })).trim()).toBe('0');
    const r = await h1.exec('sudo -n id -u', { user: 'nopw' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/a password is required/);
  });

  it('agrees with the OpenSSH client on keys and logins', () => {
    const known = join(fleet.dir, 'known_hosts');
    writeFileSync(known, fleet.knownHosts());
    const out = execFileSync('ssh', [
      '-i', fleet.clientKey.privateKey,
      '-o', 'BatchMode=yes',
      '-o', 'StrictHostKeyChecking=yes',
      '-o', `UserKnownHostsFile=${known}`,
      '-o', 'GlobalKnownHostsFile=/dev/null',
      `scanner@${h2.address}`,
      'hostname; sudo -n id -u',
    ]);
    expect(out.toString()).toBe(`${h2.name}\n0\n`);
  });

  it('makes a host behind another reachable only through it', async () => {
    const direct = await transport(keyEndpoint(fleet, inner)).runScript('hostname', []).catch((e: unknown) => e);
    expect(direct).toBeInstanceOf(SshError);
    expect((direct as Error).message).toMatch(/connection refused/);

    const via = transport(keyEndpoint(fleet, inner), { jumps: [keyEndpoint(fleet, bastion, 'scanner')] });
    expect((await collect(await via.runScript('hostname', []))).text).toBe('inner\n');
    expect(inner.sshdLog()).toMatch(/Accepted publickey for root/);

    // The bastion itself is reachable (through the fleet's relay into its network namespace).
    expect((await collect(await transport(keyEndpoint(fleet, bastion)).runScript('hostname', []))).text).toBe('bastion\n');
  });
});

describe('fleet lifecycle', () => {
  it('stops cleanly: no processes, mounts or files left, block released', async () => {
    const small = await startFleet({ hosts: 2, agent: true });
    const pids = [...small.hosts.map((h) => h.holderPid), small.agent!.pid];
    const dir = small.dir;
    expect(pidsRootedUnder(dir).length).toBeGreaterThan(0);
    await small.stop();
    expect(pidsRootedUnder(dir)).toEqual([]);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(join(FLEET_ROOT, 'blocks', String(small.block)))).toBe(false);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(dir);
  });

  it('runs two fleets side by side on different blocks', async () => {
    const [a, b] = await Promise.all([startFleet({ hosts: 1 }), startFleet({ hosts: 1 })]);
    try {
      expect(a.block).not.toBe(b.block);
      expect(a.block).not.toBe(fleet.block);
      const ta = transport(keyEndpoint(a, a.hosts[0]!));
      const tb = transport(keyEndpoint(b, b.hosts[0]!));
      expect((await collect(await ta.runScript('hostname', []))).text).toBe('host1\n');
      expect((await collect(await tb.runScript('hostname', []))).text).toBe('host1\n');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
