// Running scripts over SSH on real hosts: arguments, exit status, sudo, the scanner itself,
// compression, and every way a session can hang or be killed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlan } from '../../../src/main/scanner/plan.js';
import { scannerScript } from '../../../src/main/scanner/script.js';
import { SshError } from '../../../src/main/transport/ssh-endpoint.js';
import type { Target } from '../../../src/shared/domain.js';
import { startFleet, type Fleet, type Host } from '../../fleet/fleet.js';
import { collect, keyEndpoint, transports, until, waitForBytes, waitForOutput } from './helpers.js';

const SCAN = scannerScript();

let fleet: Fleet;
let host: Host;
let bb: Host;
const { transport, closeTransports } = transports();

beforeAll(async () => {
  fleet = await startFleet({ hosts: [{}, { variant: 'busybox' }] });
  [host, bb] = fleet.hosts as [Host, Host];
});
afterAll(async () => {
  closeTransports();
  await fleet?.stop();
});

const HOSTILE = ['', ' ', "it's", '"q"', '$(touch /tmp/pwned)', '`touch /tmp/pwned`', '${HOME}', 'a\nb', '-n', '--', '*', '; exit 9', '\\', 'ünï ✓'];

describe('running scripts', () => {
  it('passes every argument through the login shell unchanged, and returns the exit code and stderr', async () => {
    for (const [h, user] of [[host, 'scanner'], [bb, 'root']] as const) {
      const t = transport(keyEndpoint(fleet, h, user));
      const r = await collect(await t.runScript('printf "%s\\0" "$@"; echo oops >&2; exit 7', HOSTILE));
      expect(r.code).toBe(7);
      expect(r.signal).toBeNull();
      expect(r.stderr).toBe('oops\n');
      expect(r.text.split('\0').slice(0, -1)).toEqual(HOSTILE);
      expect(await h.exists('/tmp/pwned')).toBe(false);
    }
  });

  it('runs the script with the shell the server names', async () => {
    const t = transport(keyEndpoint(fleet, host));
    const bash = await collect(await t.runScript('echo "${BASH_VERSION:+bash}"', [], { shell: 'bash' }));
    expect(bash.text).toBe('bash\n');
    const dash = await collect(await t.runScript('echo "${BASH_VERSION:-plain}"', [], { shell: '/bin/sh' }));
    expect(dash.text).toBe('plain\n');
    const busybox = await collect(await t.runScript('echo "$0"', [], { shell: 'busybox sh' }));
    expect(busybox.code).toBe(0);
  });

  it('negotiates zlib@openssh.com compression, by default only off the loopback', async () => {
    const t = transport(keyEndpoint(fleet, host), { compression: true });
    expect(await t.compressionInUse()).toBe('zlib@openssh.com');
    const big = await collect(await t.runScript('i=0; while [ $i -lt 20000 ]; do echo "/some/long/path/entry-$i 0644 root root"; i=$((i+1)); done', []));
    expect(big.text.split('\n')).toHaveLength(20001);
    const off = transport(keyEndpoint(fleet, host), { compression: false });
    expect(await off.compressionInUse()).toBeNull();
    // The fleet's hosts are on 127.0.B.N: reached directly, the default is no compression.
    expect(host.address).toMatch(/^127\./);
    expect(await transport(keyEndpoint(fleet, host)).compressionInUse()).toBeNull();
  });

  it('runs under sudo -n as scanner (root), and names a sudo that wants a password', async () => {
    const ok = await collect(await transport(keyEndpoint(fleet, host, 'scanner')).runScript('id -u; echo "$1"', ['x y'], { sudo: true }));
    expect(ok.text).toBe('0\nx y\n');
    const err = await transport(keyEndpoint(fleet, host, 'nopw'))
      .runScript('id -u', [], { sudo: true })
      .then((p) => p.done)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SshError);
    expect((err as SshError).kind).toBe('sudo');
    expect((err as Error).message).toBe(`sudo requires a password on ${host.name}`);
    // Without sudo the same user runs fine.
    expect((await collect(await transport(keyEndpoint(fleet, host, 'nopw')).runScript('id -un', []))).text).toBe('nopw\n');
  });

  it('says so when the host has no sudo', async () => {
    const err = await transport(keyEndpoint(fleet, bb, 'scanner'))
      .runScript('id -u', [], { sudo: true })
      .then((p) => p.done)
      .catch((e: unknown) => e);
    expect((err as Error).message).toBe(`sudo is not installed on ${bb.name}`);
  });

  it('runs remote-scripts/scan.sh on a tree inside the host', async () => {
    await host.sh(`mkdir -p /srv/tree/sub && printf 'hello\\n' > /srv/tree/a.txt && printf 'x' > /srv/tree/sub/b && ln -s a.txt /srv/tree/link && chmod 600 /srv/tree/sub/b`);
    const t = transport(keyEndpoint(fleet, host, 'scanner'));
    // The arguments exactly as the engine builds them for one target (the scanner's protocol
    // moves on; the plan builder moves with it).
    const target: Target = { path: '/srv/tree', depth: null, include: [], exclude: [], critical: false, alert: false, compare: 'master', ignore: [], crossMounts: false };
    const plan = buildPlan([{ name: 'p', os: 'linux', description: '', targets: [target] }], 2);
    const version = /printf 'V\\0%s\\0' (\d+)/.exec(SCAN)![1]!;
    expect(plan.args[0]).toBe(version);
    const r = await collect(await t.runScript(SCAN, plan.args, { sudo: true }));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.subarray(0, 2 + version.length + 1).toString('latin1')).toBe(`V\0${version}\0`);
    expect(r.out.subarray(-2).toString('latin1')).toBe('Z\0');
    const text = r.out.toString('utf8');
    expect(text).toContain('/srv/tree/a.txt\0');
    expect(text).toContain('/srv/tree/sub/b\0');
    // sha256 of "hello\n" and of "x" (the 0600 file too: the scan runs as root through sudo).
    expect(text).toContain('5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03');
    expect(text).toContain('2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881');
  });

  it('shows that a BusyBox host offers only BusyBox tools', async () => {
    const r = await collect(await transport(keyEndpoint(fleet, bb, 'scanner')).runScript('echo "$PATH"; readlink /bin/sh; command -v bash || echo no-bash; find / -maxdepth 0 -printf x 2>/dev/null || echo no-printf', []));
    expect(r.text).toBe('/usr/bin:/bin\n/usr/bin/busybox\nno-bash\nno-printf\n');
  });
});

describe('hung and killed sessions', () => {
  const TICKER = 'echo $$ > /tmp/dw-script.pid; echo started; while :; do echo tick; sleep 0.05; done';

  it('rejects done when the remote shell is killed mid-script', async () => {
    const t = transport(keyEndpoint(fleet, host));
    const proc = await t.runScript(TICKER, []);
    await waitForOutput(proc, 'started');
    await host.sh('kill -9 "$(cat /tmp/dw-script.pid)"');
    await expect(proc.done).rejects.toThrow(`the scan on ${host.name} was killed by signal SIGKILL`);
    // The connection survives for the next script.
    expect((await collect(await t.runScript('echo next', []))).text).toBe('next\n');
  });

  it('rejects done with the caller\'s reason on kill()', async () => {
    const t = transport(keyEndpoint(fleet, host));
    const proc = await t.runScript(TICKER, []);
    await waitForOutput(proc, 'started');
    const pid = (await host.readFile('/tmp/dw-script.pid')).toString().trim();
    proc.kill('cancelled by the operator');
    await expect(proc.done).rejects.toThrow('cancelled by the operator');
    await until(async () => (await host.exec(`kill -0 ${pid}`)).code !== 0, 10_000, 'the remote shell to end');
  });

  it('kills a script that prints nothing for the idle timeout', async () => {
    const t = transport(keyEndpoint(fleet, host), { timeouts: { idleMs: 400 } });
    const started = Date.now();
    const proc = await t.runScript('echo started; exec sleep 60', []);
    proc.stdout.resume();
    const err = await proc.done.catch((e: unknown) => e);
    expect((err as Error).message).toBe('idle for 0.4s');
    expect((err as SshError).kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('does not count a slow reader as an idle host', async () => {
    const t = transport(keyEndpoint(fleet, host), { timeouts: { idleMs: 1_000 } });
    // 8 MB: more than the SSH window and every buffer, so the server really waits on us.
    const proc = await t.runScript('head -c 8000000 /dev/zero | tr "\\0" x', []);
    await waitForBytes(proc, 1);
    proc.stdout.pause();
    // Read nothing for well over the idle timeout: the host waits on our window, it is not idle.
    await new Promise<void>((resolve) => setTimeout(resolve, 2_500)); // a slow consumer, not a readiness wait
    const r = await collect(proc);
    expect(r.code).toBe(0);
    expect(r.out.length).toBe(8_000_000);
  });

  it('kills a script that runs past the overall limit', async () => {
    const t = transport(keyEndpoint(fleet, host), { timeouts: { overallMs: 700, idleMs: 60_000 } });
    const proc = await t.runScript(TICKER, []);
    proc.stdout.resume();
    await expect(proc.done).rejects.toThrow(`exceeded the overall limit of 0.7s on ${host.name}`);
  });

  it('rejects done when the server stops answering (keepalive)', async () => {
    const t = transport(keyEndpoint(fleet, host), { timeouts: { keepaliveIntervalMs: 300, keepaliveCountMax: 2, idleMs: 60_000 } });
    const proc = await t.runScript('echo started; exec sleep 60', []);
    await waitForOutput(proc, 'started');
    const frozen = host.processes().filter((p) => p.comm === 'sshd');
    for (const p of frozen) process.kill(p.pid, 'SIGSTOP');
    try {
      const err = await proc.done.catch((e: unknown) => e);
      expect((err as SshError).kind).toBe('lost');
      expect((err as Error).message).toMatch(new RegExp(`connection to ${host.name} lost: no answer to keepalives`));
    } finally {
      for (const p of frozen) process.kill(p.pid, 'SIGCONT');
    }
    // A new connection is made for the next script.
    expect((await collect(await t.runScript('echo again', []))).text).toBe('again\n');
  });
});
