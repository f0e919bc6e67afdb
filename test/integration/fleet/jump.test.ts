// Jump hosts through the CLI: "inner" lives behind "bastion" (its sshd listens only inside the
// bastion's network), so a scan of inner can only work through the bastion, with both host keys
// pinned. An unverified bastion means nothing is scanned. Hosts with ProxyJump come in through
// `server import-ssh-config`.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type Fleet, type Host } from '../../fleet/fleet.js';
import { cli, makeAppTree, newHome, ok, policyAndGroup, query, removeHomes, resultOf, scanJson, scratchDir, serverAddArgs, statuses } from './helpers.js';
import { onTerminal } from '../../support/terminal.js';

let fleet: Fleet;
let bastion: Host;
let inner: Host;
let inner2: Host;
let home: string;
let dir: string;
const savedAgent = process.env.SSH_AUTH_SOCK;

beforeAll(async () => {
  fleet = await startFleet({ hosts: [{ name: 'bastion' }, { name: 'inner', behind: 'bastion' }, { name: 'inner2', behind: 'bastion' }], agent: true });
  [bastion, inner, inner2] = fleet.hosts as [Host, Host, Host];
  for (const h of [inner, inner2]) await makeAppTree(h);
  home = newHome();
  dir = scratchDir();
  await policyAndGroup(home, '/srv/app', { targetArgs: ['--recursive', '--compare', 'self'] });
});
afterAll(async () => {
  if (savedAgent === undefined) delete process.env.SSH_AUTH_SOCK;
  else process.env.SSH_AUTH_SOCK = savedAgent;
  await fleet?.stop();
  removeHomes();
});

const logins = (h: Host): number => (h.sshdLog().match(/Accepted (publickey|password)/g) ?? []).length;
const pinned = async (name: string): Promise<string | null> => (JSON.parse(await ok(home, 'server', 'show', name, '--json')) as { hostKey: string | null }).hostKey;

describe('a host behind a jump host', () => {
  it('is not reachable directly', async () => {
    await ok(home, ...serverAddArgs(fleet, inner, { name: 'inner-direct', group: 'g' }));
    const r = await cli(home, 'server', 'trust', 'inner-direct', '--fingerprint', inner.hostKeyFingerprint);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`driftwatch: cannot connect to ${inner.address}: connection refused`);
  });

  it('through an unpinned bastion: nothing is trusted, nothing is scanned, and the error shows the bastion\'s fingerprint', async () => {
    await ok(home, ...serverAddArgs(fleet, bastion, { user: 'scanner' }));
    await ok(home, ...serverAddArgs(fleet, inner, { group: 'g', jump: 'bastion' }));
    // On a terminal (the key would be shown to compare): the probe itself refuses the unverified hop.
    const trust = await onTerminal(home, ['server', 'trust', 'inner'], [['Type yes to confirm:', 'yes']]);
    expect(trust.code).toBe(1);
    expect(trust.screen).toContain(`the host key of bastion (${bastion.address}) is not trusted yet: it presents ssh-ed25519 key ${bastion.hostKeyFingerprint}`);
    expect(await pinned('inner')).toBeNull();
    // Not even with its right fingerprint: checking it would mean going through the unverified hop.
    const withFingerprint = await cli(home, 'server', 'trust', 'inner', '--fingerprint', inner.hostKeyFingerprint);
    expect(withFingerprint.code).toBe(1);
    expect(withFingerprint.err).toContain(`the host key of bastion (${bastion.address}) is not trusted yet`);
    expect(await pinned('inner')).toBeNull();
    // Even with inner's key pinned, the unverified hop stops the scan before anything happens.
    await withStoreKey('inner', inner.hostKeyFingerprint);
    const before = [logins(bastion), logins(inner)];
    const { code, json } = await scanJson(home, '--server', 'inner');
    expect(code).toBe(2);
    const r = resultOf(json, 'inner');
    expect(r.status).toBe('failed');
    expect(r.reason).toBe(
      `the host key of bastion (${bastion.address}) is not trusted yet: it presents ssh-ed25519 key ${bastion.hostKeyFingerprint}. Verify it and trust it before scanning.`,
    );
    expect([logins(bastion), logins(inner)]).toEqual(before); // no login on either host
    expect(json.events).toEqual([]);
  });

  it('with both keys pinned, the scan goes through the bastion', async () => {
    await ok(home, 'server', 'trust', 'bastion', '--fingerprint', bastion.hostKeyFingerprint);
    await withStoreKey('inner', null);
    // Probing inner's key now goes through the verified bastion.
    const trusted = await onTerminal(home, ['server', 'trust', 'inner'], [['Type yes to confirm:', 'yes']]);
    expect(trusted.code).toBe(0);
    expect(trusted.screen).toContain(`inner presents ssh-ed25519 key ${inner.hostKeyFingerprint}\n`);
    expect(trusted.screen).toContain(`pinned host key of inner: ${inner.hostKeyFingerprint}`);
    const { code, json } = await scanJson(home, '--server', 'inner');
    // Scanned through the bastion; a first scan of self targets records their state (not_compared, exit 3).
    expect(resultOf(json, 'inner')).toMatchObject({ status: 'not_compared', counts: { entries: 14 } });
    expect(code).toBe(3);
    expect(bastion.sshdLog()).toMatch(/Accepted publickey for scanner from/);
    expect(inner.sshdLog()).toMatch(/Accepted publickey for root from/);
  });

  it('a bastion pinned to another key stops the scan as host_key_mismatch (an event on the server scanned through it)', async () => {
    await withStoreKey('bastion', inner2.hostKeyFingerprint);
    const before = logins(inner);
    const { code, json } = await scanJson(home, '--server', 'inner');
    expect(code).toBe(2);
    const r = resultOf(json, 'inner');
    expect(r.reason).toMatch(/^host_key_mismatch: the host key of bastion /);
    expect(r.reason).toContain(bastion.hostKeyFingerprint);
    expect(logins(inner)).toBe(before);
    expect(json.events.map((e) => [e.server, e.change, e.attributes])).toEqual([['inner', 'host_key_mismatch', [{ name: 'hostKey', baseline: inner2.hostKeyFingerprint, current: bastion.hostKeyFingerprint }]]]);
    // Another key is pinned for the bastion: replacing it is said explicitly.
    await ok(home, 'server', 'trust', 'bastion', '--fingerprint', bastion.hostKeyFingerprint, '--replace');
    const again = await scanJson(home, '--server', 'inner');
    expect(resultOf(again.json, 'inner').status).toBe('completed_clean');
    expect(again.json.events).toEqual([]);
  });
});

/** Sets a pinned key straight in the store (a state `server trust` refuses to create). */
async function withStoreKey(name: string, key: string | null): Promise<void> {
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(path.join(home, 'driftwatch.db'));
  try {
    db.prepare('UPDATE servers SET host_key = ? WHERE name = ?').run(key, name);
  } finally {
    db.close();
  }
}

describe('server import-ssh-config', () => {
  let config: string;
  let importHome: string;
  beforeAll(() => {
    importHome = newHome();
    config = path.join(dir, 'ssh_config');
    // The inner hosts come first: their jump host is imported as a jump host on the way.
    fs.writeFileSync(
      config,
      `# written by the fleet test
Host inner-imp
  HostName ${inner.address}
  User root
  IdentityFile ${fleet.clientKey.privateKey}
  ProxyJump bastion-imp

Host inner2-imp
  HostName ${inner2.address}
  User root
  IdentityFile ${fleet.clientKey.privateKey}
  ProxyJump root@${bastion.address}:22

Host bastion-imp
  HostName ${bastion.address}
  User scanner
  IdentityFile ${fleet.clientKey.privateKey}

Host *.example
  User nobody
`,
    );
  });

  it('imports the hosts a pattern names, with their ProxyJump chain', async () => {
    await policyAndGroup(importHome, '/srv/app', { targetArgs: ['--recursive', '--compare', 'self'] });
    const r = await cli(importHome, 'server', 'import-ssh-config', config, '--host', 'inner*', '--group', 'g');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')).toEqual([
      `added bastion-imp: scanner@${bastion.address}:22; host key not trusted yet`,
      `added inner-imp: root@${inner.address}:22 via bastion-imp; host key not trusted yet`,
      `added ${bastion.address}: jump host ${bastion.address}`,
      `added inner2-imp: root@${inner2.address}:22 via ${bastion.address}; host key not trusted yet`,
      'trust each new server before scanning: driftwatch server trust NAME [--fingerprint SHA256:...]',
    ]);
    const servers = JSON.parse(await ok(importHome, 'server', 'list', '--json')) as { name: string; host: string; user: string; group: string | null; jump: string | null; auth: unknown; hostKey: string | null }[];
    const byName = Object.fromEntries(servers.map((s) => [s.name, s]));
    expect(byName['inner-imp']).toMatchObject({ host: inner.address, user: 'root', group: 'g', jump: 'bastion-imp', auth: { kind: 'key', keyFile: fleet.clientKey.privateKey }, hostKey: null });
    expect(byName['inner2-imp']).toMatchObject({ host: inner2.address, group: 'g', jump: bastion.address, hostKey: null });
    // Jump hosts come along as jump hosts only: they are not members of the group.
    expect(byName['bastion-imp']).toMatchObject({ host: bastion.address, user: 'scanner', group: null, jump: null, auth: { kind: 'key', keyFile: fleet.clientKey.privateKey } });
    expect(byName[bastion.address]).toMatchObject({ host: bastion.address, user: 'root', group: null, auth: { kind: 'agent' } });
  });

  it('scans the imported hosts through their jump hosts once every key is trusted', async () => {
    delete process.env.SSH_AUTH_SOCK; // the agent is not even needed to learn that a key is not trusted
    const before = await scanJson(importHome, '--group', 'g');
    expect(before.code).toBe(2);
    expect(resultOf(before.json, 'inner-imp').reason).toContain(`the host key of bastion-imp (${bastion.address}) is not trusted yet`);
    expect(resultOf(before.json, 'inner2-imp').reason).toContain(`the host key of ${bastion.address} is not trusted yet`);
    process.env.SSH_AUTH_SOCK = fleet.agent!.socket; // the ProxyJump-only hop uses the agent
    for (const name of ['bastion-imp', bastion.address]) await ok(importHome, 'server', 'trust', name, '--fingerprint', bastion.hostKeyFingerprint);
    await ok(importHome, 'server', 'trust', 'inner-imp', '--fingerprint', inner.hostKeyFingerprint);
    await ok(importHome, 'server', 'trust', 'inner2-imp', '--fingerprint', inner2.hostKeyFingerprint);
    const { code, json } = await scanJson(importHome, '--group', 'g');
    // Both scanned (their first scans: the self targets' state recorded, not_compared).
    expect(statuses(json)).toEqual({ 'inner-imp': 'not_compared', 'inner2-imp': 'not_compared' });
    expect(code).toBe(3);
  });

  it('a second import leaves existing servers as they are; without --host it takes every concrete Host', async () => {
    const r = await cli(importHome, 'server', 'import-ssh-config', config);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')).toEqual([
      'exists inner-imp: a server of that name exists; left as it is',
      'exists inner2-imp: a server of that name exists; left as it is',
      'exists bastion-imp: a server of that name exists; left as it is',
      'no new hosts imported',
    ]);
    expect(query(importHome, 'SELECT COUNT(*) AS n FROM servers')).toEqual([{ n: 4 }]);
  });

  it('puts every imported Host in the group when no --host narrows it, whatever the order in the file', async () => {
    const fresh = newHome();
    await ok(fresh, 'group', 'add', 'all');
    await ok(fresh, 'server', 'import-ssh-config', config, '--group', 'all');
    const servers = JSON.parse(await ok(fresh, 'server', 'list', '--json')) as { name: string; group: string | null }[];
    expect(Object.fromEntries(servers.map((s) => [s.name, s.group]))).toEqual({
      [bastion.address]: null, // not a Host of the file: only a ProxyJump hop
      'bastion-imp': 'all',
      'inner-imp': 'all',
      'inner2-imp': 'all',
    });
  });
});
