// Authentication against real sshd hosts: key file, real ssh-agent, password and passphrase
// from environment variables, and clear failures.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshError } from '../../../src/main/transport/ssh-endpoint.js';
import { startFleet, type Fleet, type Host } from '../../fleet/fleet.js';
import { check } from '../../fleet/proc.js';
import { collect, keyEndpoint, transports } from './helpers.js';

let fleet: Fleet;
let host: Host;
const { transport, closeTransports } = transports();

beforeAll(async () => {
  fleet = await startFleet({ hosts: 1, agent: true });
  host = fleet.hosts[0]!;
});
afterAll(async () => {
  closeTransports();
  await fleet?.stop();
});

const WHO = 'echo "$(id -un) $(id -u) $(hostname)"';

describe('ssh authentication', () => {
  it('uses a private key file (root)', async () => {
    const r = await collect(await transport(keyEndpoint(fleet, host)).runScript(WHO, []));
    expect(r.code).toBe(0);
    expect(r.text).toBe(`root 0 ${host.name}\n`);
  });

  it('uses a real ssh-agent from SSH_AUTH_SOCK', async () => {
    const t = transport(keyEndpoint(fleet, host, 'scanner', { auth: { kind: 'agent' } }), { env: fleet.agent!.env });
    const r = await collect(await t.runScript(WHO, []));
    expect(r.text).toMatch(/^scanner \d+ host1\n$/);
  });

  it('fails clearly without an agent, or with an empty one', async () => {
    const none = transport(keyEndpoint(fleet, host, 'scanner', { auth: { kind: 'agent' } }), { env: {} });
    await expect(none.runScript(WHO, [])).rejects.toThrow(/SSH_AUTH_SOCK/);
    const empty = await fleet.startAgent();
    await check('ssh-add', ['-D'], { env: { ...process.env, ...empty.env } });
    const t = transport(keyEndpoint(fleet, host, 'scanner', { auth: { kind: 'agent' } }), { env: empty.env });
    await expect(t.runScript(WHO, [])).rejects.toThrow(/holds no keys/);
    await empty.stop();
  });

  it('reads the password from the environment variable the server names', async () => {
    const ep = keyEndpoint(fleet, host, 'pwuser', { auth: { kind: 'password', passwordEnv: 'DW_TEST_PASSWORD' } });
    const r = await collect(await transport(ep, { env: { DW_TEST_PASSWORD: fleet.password } }).runScript(WHO, []));
    expect(r.text).toMatch(/^pwuser \d+ host1\n$/);
  });

  it('reports a wrong password as an authentication failure naming what was tried', async () => {
    const ep = keyEndpoint(fleet, host, 'pwuser', { auth: { kind: 'password', passwordEnv: 'DW_TEST_PASSWORD' } });
    const err = await transport(ep, { env: { DW_TEST_PASSWORD: 'wrong' } }).runScript(WHO, []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SshError);
    expect((err as SshError).kind).toBe('auth');
    expect((err as Error).message).toBe(`authentication failed for pwuser@${host.address} (tried: password)`);
  });

  it('names a missing password variable, and never falls back to anything else', async () => {
    const ep = keyEndpoint(fleet, host, 'pwuser', { auth: { kind: 'password', passwordEnv: 'DW_UNSET_PASSWORD' } });
    await expect(transport(ep, { env: {} }).runScript(WHO, [])).rejects.toThrow(/DW_UNSET_PASSWORD is not set/);
    const noName = keyEndpoint(fleet, host, 'pwuser', { auth: { kind: 'password' } });
    await expect(transport(noName, { env: {} }).runScript(WHO, [])).rejects.toThrow(/passwordEnv/);
  });

  it('refuses a key that is not authorized with a clear message', async () => {
    // pwuser has no authorized keys at all.
    const err = await transport(keyEndpoint(fleet, host, 'pwuser')).runScript(WHO, []).catch((e: unknown) => e);
    expect((err as Error).message).toBe(`authentication failed for pwuser@${host.address} (tried: publickey)`);
    // root may not log in with a password (PermitRootLogin prohibit-password).
    const root = keyEndpoint(fleet, host, 'root', { auth: { kind: 'password', passwordEnv: 'P' } });
    await expect(transport(root, { env: { P: fleet.password } }).runScript(WHO, [])).rejects.toThrow(/authentication failed for root@.* \(tried: password\)/);
  });

  it('decrypts a passphrase-protected key with the passphrase from the environment', async () => {
    const ep = keyEndpoint(fleet, host, 'scanner', { auth: { kind: 'key', keyFile: fleet.passphraseKey.privateKey, passphraseEnv: 'DW_KEY_PASS' } });
    const r = await collect(await transport(ep, { env: { DW_KEY_PASS: fleet.passphraseKey.passphrase } }).runScript(WHO, []));
    expect(r.text).toMatch(/^scanner /);
  });

  it('explains a passphrase-protected key without a passphrase, and a wrong one', async () => {
    const noPass = keyEndpoint(fleet, host, 'scanner', { auth: { kind: 'key', keyFile: fleet.passphraseKey.privateKey } });
    await expect(transport(noPass).runScript(WHO, [])).rejects.toThrow(/passphrase-protected: set passphraseEnv/);
    const wrong = keyEndpoint(fleet, host, 'scanner', { auth: { kind: 'key', keyFile: fleet.passphraseKey.privateKey, passphraseEnv: 'P' } });
    await expect(transport(wrong, { env: { P: 'not it' } }).runScript(WHO, [])).rejects.toThrow(/cannot decrypt key file/);
    const unset = keyEndpoint(fleet, host, 'scanner', { auth: { kind: 'key', keyFile: fleet.passphraseKey.privateKey, passphraseEnv: 'DW_NOPE' } });
    await expect(transport(unset, { env: {} }).runScript(WHO, [])).rejects.toThrow(/DW_NOPE is not set/);
  });

  it('expands ~ in key file paths and reports unreadable ones', async () => {
    copyFileSync(fleet.clientKey.privateKey, join(fleet.dir, 'home-key'));
    const ep = keyEndpoint(fleet, host, 'root', { auth: { kind: 'key', keyFile: '~/home-key' } });
    const r = await collect(await transport(ep, { home: fleet.dir }).runScript('echo ok', []));
    expect(r.text).toBe('ok\n');
    const missing = keyEndpoint(fleet, host, 'root', { auth: { kind: 'key', keyFile: '/nonexistent/key' } });
    await expect(transport(missing).runScript('echo ok', [])).rejects.toThrow(/cannot read key file \/nonexistent\/key/);
  });

  it('reuses one connection for several scripts', async () => {
    const t = transport(keyEndpoint(fleet, host));
    const [a, b] = await Promise.all([t.runScript('echo a', []), t.runScript('echo b', [])]);
    expect((await collect(a)).text).toBe('a\n');
    expect((await collect(b)).text).toBe('b\n');
    expect((await collect(await t.runScript('echo c', []))).text).toBe('c\n');
  });
});
