// Host-key verification against real sshd hosts: unknown keys, changed keys, probing, and
// every hop of a jump chain verified before anything goes through it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/shared/api.js';
import { SshError } from '../../../src/main/transport/ssh-endpoint.js';
import { probeHostKey } from '../../../src/main/transport/ssh-probe.js';
import { startFleet, type Fleet, type Host } from '../../fleet/fleet.js';
import { collect, keyEndpoint, transports } from './helpers.js';

let fleet: Fleet;
let a: Host;
let b: Host;
let c: Host;
const { transport, closeTransports } = transports();

beforeAll(async () => {
  fleet = await startFleet({ hosts: 3 });
  [a, b, c] = fleet.hosts as [Host, Host, Host];
});
afterAll(async () => {
  closeTransports();
  await fleet?.stop();
});

/** Count of accepted logins in a host's sshd log. */
const logins = (h: Host): number => (h.sshdLog().match(/Accepted publickey/g) ?? []).length;

describe('host keys', () => {
  it('probes the presented key without logging in', async () => {
    const before = logins(a);
    const probed = await probeHostKey(a.address, 22);
    expect(probed.fingerprint).toBe(a.hostKeyFingerprint);
    expect(probed.keyType).toBe('ssh-ed25519');
    expect(probed.publicKey).toBe(a.hostPublicKey);
    expect(logins(a)).toBe(before);
  });

  it('refuses an unknown host key, naming the presented fingerprint', async () => {
    const err = await transport(keyEndpoint(fleet, a, 'root', { hostKey: null })).runScript('echo hi', []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('host_key_unknown');
    expect((err as ApiError).message).toContain(a.hostKeyFingerprint);
    expect((err as ApiError).message).toContain(a.name);
  });

  it('refuses a changed host key as a mismatch with both fingerprints, before authenticating', async () => {
    const pinned = c.hostKeyFingerprint;
    const t = transport(keyEndpoint(fleet, c));
    expect((await collect(await t.runScript('echo before', []))).text).toBe('before\n');
    t.close();
    const presented = await c.regenerateHostKey();
    expect(presented).not.toBe(pinned);
    const before = logins(c);
    const err = await transport(keyEndpoint(fleet, c, 'root', { hostKey: pinned })).runScript('echo hi', []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('host_key_mismatch');
    expect((err as ApiError).message).toContain(pinned);
    expect((err as ApiError).message).toContain(presented);
    expect(logins(c)).toBe(before); // no login was even attempted
    // Trusting the new key works again.
    const again = await collect(await transport(keyEndpoint(fleet, c, 'root', { hostKey: presented })).runScript('echo after', []));
    expect(again.text).toBe('after\n');
    expect((await probeHostKey(c.address)).fingerprint).toBe(presented);
  });

  it('fails fast with a clear reason when sshd is down', async () => {
    await b.stopSshd();
    try {
      const started = Date.now();
      const err = await transport(keyEndpoint(fleet, b)).runScript('echo hi', []).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SshError);
      expect((err as SshError).kind).toBe('connect');
      expect((err as Error).message).toBe(`cannot connect to ${b.name} (${b.address}): connection refused`);
      expect(Date.now() - started).toBeLessThan(2_000);
      await expect(probeHostKey(b.address)).rejects.toThrow(/connection refused/);
    } finally {
      await b.startSshd();
    }
    expect((await collect(await transport(keyEndpoint(fleet, b)).runScript('echo up', []))).text).toBe('up\n');
  });

  it('times out connecting to an address that never answers the handshake', async () => {
    // A listener that accepts and then says nothing: the SSH handshake never starts.
    const { createServer } = await import('node:net');
    const held: import('node:net').Socket[] = [];
    const server = createServer((s) => held.push(s));
    await new Promise<void>((r) => server.listen(0, a.address, () => r()));
    const port = (server.address() as import('node:net').AddressInfo).port;
    try {
      const t = transport({ name: 'silent', host: a.address, port, user: 'root', auth: { kind: 'key', keyFile: fleet.clientKey.privateKey }, hostKey: a.hostKeyFingerprint }, { timeouts: { connectMs: 500 } });
      const started = Date.now();
      await expect(t.runScript('echo', [])).rejects.toThrow(`timed out after 0.5s connecting to silent (${a.address}:${port})`);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      for (const s of held) s.destroy();
      server.close();
    }
  });
});

describe('jump hosts', () => {
  const jumpA = (): ReturnType<typeof keyEndpoint> => keyEndpoint(fleet, a, 'scanner');

  it('connects through a jump host, verifying both hops', async () => {
    const t = transport(keyEndpoint(fleet, b), { jumps: [jumpA()] });
    const r = await collect(await t.runScript('hostname', []));
    expect(r.text).toBe(`${b.name}\n`);
    // b saw the connection come from a (forwarded), a saw scanner log in.
    expect(a.sshdLog()).toMatch(/Accepted publickey for scanner/);
    expect(b.sshdLog()).toMatch(/Accepted publickey for root/);
  });

  it('chains several jump hosts', async () => {
    const t = transport(keyEndpoint(fleet, c, 'root', { hostKey: (await probeHostKey(c.address)).fingerprint }), {
      jumps: [jumpA(), keyEndpoint(fleet, b, 'scanner')],
    });
    expect((await collect(await t.runScript('hostname', []))).text).toBe(`${c.name}\n`);
  });

  it('refuses a jump host with the wrong key and goes no further', async () => {
    const before = logins(b);
    const bad = { ...jumpA(), hostKey: b.hostKeyFingerprint };
    const err = await transport(keyEndpoint(fleet, b), { jumps: [bad] }).runScript('echo hi', []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('host_key_mismatch');
    expect((err as ApiError).message).toContain(`of ${a.name}`);
    expect(logins(b)).toBe(before);
    const unknown = { ...jumpA(), hostKey: null };
    const err2 = await transport(keyEndpoint(fleet, b), { jumps: [unknown] }).runScript('echo hi', []).catch((e: unknown) => e);
    expect((err2 as ApiError).code).toBe('host_key_unknown');
    expect((err2 as ApiError).message).toContain(a.hostKeyFingerprint);
  });

  it('refuses the target behind a verified jump host when its own key is wrong', async () => {
    const err = await transport(keyEndpoint(fleet, b, 'root', { hostKey: a.hostKeyFingerprint }), { jumps: [jumpA()] })
      .runScript('echo hi', [])
      .catch((e: unknown) => e);
    expect((err as ApiError).code).toBe('host_key_mismatch');
    expect((err as ApiError).message).toContain(`of ${b.name}`);
    expect((err as ApiError).message).toContain(b.hostKeyFingerprint);
  });

  it('probes a host key through a jump host', async () => {
    const probed = await probeHostKey(b.address, 22, [jumpA()]);
    expect(probed.fingerprint).toBe(b.hostKeyFingerprint);
  });
});
