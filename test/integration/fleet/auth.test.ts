// Every way of logging in, through the driftwatch CLI against a real sshd host: key file, a real
// ssh-agent, a password and a key passphrase from environment variables (never stored), and
// sudo as a non-root user (the only way to read a root-only file), with sudo's own refusal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type Fleet, type Host } from '../../fleet/fleet.js';
import {
  addServer,
  clearSecrets,
  cli,
  makeAppTree,
  newHome,
  ok,
  PASSPHRASE_ENV,
  PASSWORD_ENV,
  policyAndGroup,
  removeHomes,
  resultOf,
  scanJson,
  setSecrets,
  storeBytes,
} from './helpers.js';

let fleet: Fleet;
let host: Host;
let home: string;
let tree: string[];
const savedAgent = process.env.SSH_AUTH_SOCK;

beforeAll(async () => {
  fleet = await startFleet({ hosts: 1, agent: true });
  host = fleet.hosts[0]!;
  tree = await makeAppTree(host);
  setSecrets(fleet);
  home = newHome();
  await policyAndGroup(home, '/srv/app');
  // A gold master read as root: every login below must see the same tree.
  await addServer(home, fleet, host, { name: 'gold', group: 'g' });
  await ok(home, 'baseline', 'p', '--server', 'gold');
});
afterAll(async () => {
  clearSecrets();
  if (savedAgent === undefined) delete process.env.SSH_AUTH_SOCK;
  else process.env.SSH_AUTH_SOCK = savedAgent;
  await fleet?.stop();
  removeHomes();
});

/** Scans one server; it must complete clean with the whole tree. */
async function scansClean(name: string): Promise<void> {
  const { code, json } = await scanJson(home, '--server', name);
  const r = resultOf(json, name);
  expect(r.reason).toBeUndefined();
  expect(r.status).toBe('completed_clean');
  expect(code).toBe(0);
  expect(r.counts?.entries).toBe(tree.length);
}

describe('authentication through the CLI', () => {
  it('logs in with a key file', async () => {
    await addServer(home, fleet, host, { name: 'by-key', group: 'g' });
    await scansClean('by-key');
    expect(host.sshdLog()).toMatch(/Accepted publickey for root from/);
  });

  it('logs in through a real ssh-agent (SSH_AUTH_SOCK), and says so when there is none', async () => {
    await addServer(home, fleet, host, { name: 'by-agent', auth: 'agent', user: 'scanner', group: 'g', sudo: true });
    const shown = JSON.parse(await ok(home, 'server', 'show', 'by-agent', '--json')) as { auth: unknown };
    expect(shown.auth).toEqual({ kind: 'agent' });
    delete process.env.SSH_AUTH_SOCK;
    const { code, json } = await scanJson(home, '--server', 'by-agent');
    expect(code).toBe(2);
    expect(resultOf(json, 'by-agent')).toMatchObject({ status: 'failed', reason: expect.stringContaining('agent auth needs SSH_AUTH_SOCK') });
    process.env.SSH_AUTH_SOCK = fleet.agent!.socket;
    await scansClean('by-agent');
    expect(host.sshdLog()).toMatch(/Accepted publickey for scanner from/);
  });

  it('logs in with a password from the variable the server names; the password is never stored', async () => {
    await addServer(home, fleet, host, { name: 'by-password', auth: 'password', user: 'pwuser', group: 'g' });
    const shown = JSON.parse(await ok(home, 'server', 'show', 'by-password', '--json')) as { auth: unknown };
    expect(shown.auth).toEqual({ kind: 'password', passwordEnv: PASSWORD_ENV });
    // pwuser cannot read the root-only file: it is scanned, and reported unreadable.
    const { code, json } = await scanJson(home, '--server', 'by-password');
    const r = resultOf(json, 'by-password');
    expect(r.reason).toBeUndefined();
    expect(r.counts).toMatchObject({ entries: tree.length, unreadable: 1 });
    expect(host.sshdLog()).toMatch(/Accepted password for pwuser from/);
    expect(code).toBeLessThan(2);
    // Without the variable: a clear failure naming the variable (not the password).
    delete process.env[PASSWORD_ENV];
    try {
      const failed = await scanJson(home, '--server', 'by-password');
      expect(failed.code).toBe(2);
      expect(resultOf(failed.json, 'by-password').reason).toBe(`authentication failed for pwuser@${host.address}: the password variable ${PASSWORD_ENV} is not set`);
    } finally {
      setSecrets(fleet);
    }
    const bytes = storeBytes(home);
    expect(bytes.includes(PASSWORD_ENV)).toBe(true); // the store was read (the variable's name is there)...
    expect(bytes.includes(fleet.password)).toBe(false); // ...and the secret is not
  });

  it('logs in with a passphrase-protected key, the passphrase from the variable; never stored', async () => {
    await addServer(home, fleet, host, { name: 'by-passphrase', auth: 'passphrase', group: 'g' });
    await scansClean('by-passphrase');
    // The wrong passphrase is a clear failure.
    process.env[PASSPHRASE_ENV] = 'not-the-passphrase';
    try {
      const { code, json } = await scanJson(home, '--server', 'by-passphrase');
      expect(code).toBe(2);
      expect(resultOf(json, 'by-passphrase').reason).toMatch(new RegExp(`^cannot decrypt key file ${fleet.passphraseKey.privateKey} with the passphrase from ${PASSPHRASE_ENV}`));
    } finally {
      setSecrets(fleet);
    }
    const bytes = storeBytes(home);
    expect(bytes.includes(PASSPHRASE_ENV)).toBe(true);
    expect(bytes.includes(fleet.passphraseKey.passphrase)).toBe(false);
    expect(bytes.includes(fleet.password)).toBe(false);
  });
});

describe('server add refuses ambiguous or unsafe credentials', () => {
  it.each([
    [['--key', '/k', '--password-env', 'V'], '--key and --password-env exclude each other'],
    [['--passphrase-env', 'V'], '--passphrase-env is the passphrase of --key FILE: give --key too'],
    [['--password-env', 'hunter2 is my password'], '--password-env takes the NAME of an environment variable holding the secret, not the secret itself'],
    [['--key', '/k', '--passphrase-env', 'pa$$phrase'], '--passphrase-env takes the NAME of an environment variable holding the secret, not the secret itself'],
  ])('%j: usage error, nothing stored', async (args, message) => {
    const r = await cli(home, 'server', 'add', 'refused', '--host', host.address, ...args);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toBe(`driftwatch: ${message}`);
    expect(r.err).not.toContain('hunter2');
    expect((await cli(home, 'server', 'show', 'refused')).code).toBe(1);
    expect(storeBytes(home).includes('hunter2')).toBe(false);
  });
});

describe('sudo', () => {
  let shadowHome: string;
  beforeAll(async () => {
    shadowHome = newHome();
    await policyAndGroup(shadowHome, '/etc/shadow', { targetArgs: ['--depth', '0'] });
  });

  it('reads a root-only file (/etc/shadow) as "scanner" only with --sudo', async () => {
    await addServer(shadowHome, fleet, host, { name: 'plain', user: 'scanner', group: 'g' });
    await addServer(shadowHome, fleet, host, { name: 'with-sudo', user: 'scanner', group: 'g', sudo: true });
    // A baseline as scanner without sudo cannot hash it...
    const plain = await cli(shadowHome, 'baseline', 'p', '--server', 'plain');
    expect(plain.code).toBe(0);
    expect(plain.out).toMatch(/unreadable: \/etc\/shadow: /);
    // ...with sudo it can.
    const sudo = await cli(shadowHome, 'baseline', 'p', '--server', 'with-sudo', '--json');
    expect(sudo.code).toBe(0);
    const report = JSON.parse(sudo.out) as { reports: { targets: { path: string; state: string; entries: number; unreadable: string[] }[] }[] };
    expect(report.reports[0]!.targets).toEqual([{ path: '/etc/shadow', state: 'found', entries: 1, unreadable: [] }]);
    const scanned = await scanJson(shadowHome, '--server', 'with-sudo', '--server', 'plain');
    expect(resultOf(scanned.json, 'with-sudo')).toMatchObject({ status: 'completed_clean', counts: { entries: 1, unreadable: 0 } });
    expect(resultOf(scanned.json, 'plain').counts).toMatchObject({ entries: 1, unreadable: 1 });
    expect(host.sshdLog()).toMatch(/Accepted publickey for scanner from/);
  });

  it('names sudo\'s refusal for "nopw" (sudo wants a password): the scan fails with that reason', async () => {
    await addServer(shadowHome, fleet, host, { name: 'nopw', user: 'nopw', group: 'g', sudo: true });
    const before = await scanJson(shadowHome, '--server', 'nopw');
    expect(before.code).toBe(2);
    expect(resultOf(before.json, 'nopw')).toEqual({ name: 'nopw', status: 'failed', reason: 'sudo requires a password on nopw', scanId: expect.any(Number) });
    const show = await ok(shadowHome, 'server', 'show', 'nopw');
    expect(show).toMatch(/scan\s+failed\s+.*sudo requires a password on nopw/);
  });
});
