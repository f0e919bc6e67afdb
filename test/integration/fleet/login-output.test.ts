// Servers whose login shell prints something: bash reads ~/.bashrc for commands run through
// sshd, and real servers print banners there. Whatever comes before the scanner's start marker
// is skipped (up to LOGIN_OUTPUT_LIMIT bytes) and told as a warning; more fails with a reason;
// stderr noise never matters. Through the CLI, on real sshd hosts: directly, under sudo, behind
// a jump host, and in the pre-flight.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGIN_OUTPUT_LIMIT } from '../../../src/main/scan/run-scanner.js';
import { startFleet, type Fleet, type Host } from '../../fleet/fleet.js';
import { addServer, cli, makeAppTree, newHome, ok, policyAndGroup, removeHomes, resultOf, scanJson } from './helpers.js';

let fleet: Fleet;
let h1: Host;
let h2: Host;
let bastion: Host;
let inner: Host;
let home: string;

beforeAll(async () => {
  fleet = await startFleet({ hosts: [{ name: 'h1' }, { name: 'h2' }, { name: 'bastion' }, { name: 'inner', behind: 'bastion' }] });
  [h1, h2, bastion, inner] = fleet.hosts as [Host, Host, Host, Host];
  for (const h of [h1, h2, inner]) await makeAppTree(h);
  home = newHome();
  await policyAndGroup(home, '/srv/app', { targetArgs: ['--recursive'] });
  await addServer(home, fleet, h1, { group: 'g' });
  await addServer(home, fleet, h2, { name: 'h2-sudo', user: 'scanner', sudo: true, group: 'g' });
  await addServer(home, fleet, bastion, { user: 'scanner' });
  await addServer(home, fleet, inner, { group: 'g', jump: 'bastion' });
  await ok(home, 'baseline', 'p', '--server', 'h1');
});
afterAll(async () => {
  await fleet?.stop();
  removeHomes();
});

/** Makes `user`'s ~/.bashrc inside `host` run `commands` (bash reads it for commands run through sshd). */
async function bashrc(host: Host, user: string, commands: string): Promise<void> {
  const dir = (await host.sh(`getent passwd ${user} | cut -d: -f6`)).trim();
  await host.writeFile(`${dir}/.bashrc`, `${commands}\n`);
  await host.chown(`${dir}/.bashrc`, `${user}:${user}`);
}

const warning = (login: string, bytes: number) =>
  `the login shell of ${login} printed ${bytes} bytes before the scanner started; check ~/.bashrc or /etc/bash.bashrc for output in non-interactive shells`;

describe('a login shell that prints before the scanner starts', () => {
  it('a banner on stdout: the scan compares as usual and warns where the output comes from', async () => {
    await bashrc(h1, 'root', 'echo Welcome to prod');
    const { code, json } = await scanJson(home, '--server', 'h1');
    const r = resultOf(json, 'h1');
    expect(r.status).toBe('completed_clean');
    expect(code).toBe(0);
    expect(r.counts!.entries).toBe(Number((await h1.sh('find /srv/app | wc -l')).trim()));
    expect(r.warnings).toContain(warning('root@h1', 16));
    // The CLI's human output says it too.
    const human = await cli(home, 'scan', '--server', 'h1');
    expect(`${human.out}\n${human.err}`).toContain(warning('root@h1', 16));
  });

  it('output without a trailing newline, and binary bytes (a NUL among them), are skipped the same way', async () => {
    await bashrc(h1, 'root', "printf 'no newline'");
    expect(resultOf((await scanJson(home, '--server', 'h1')).json, 'h1').warnings).toContain(warning('root@h1', 10));
    await bashrc(h1, 'root', "printf '\\001\\002\\000\\377\\033[2J'");
    const r = resultOf((await scanJson(home, '--server', 'h1', '--full')).json, 'h1');
    expect(r.status).toBe('completed_clean');
    expect(r.warnings).toContain(warning('root@h1', 8));
  });

  it('stderr noise never affects the stream, and is not a warning', async () => {
    await bashrc(h1, 'root', 'echo "some warning on stderr" >&2');
    const r = resultOf((await scanJson(home, '--server', 'h1')).json, 'h1');
    expect(r.status).toBe('completed_clean');
    expect((r.warnings ?? []).filter((w) => w.includes('login shell'))).toEqual([]);
  });

  it('more than the bound fails the scan with the reason, and stores nothing but the failure', async () => {
    await bashrc(h1, 'root', `head -c ${LOGIN_OUTPUT_LIMIT + 100} /dev/zero | tr '\\000' x`);
    const { code, json } = await scanJson(home, '--server', 'h1');
    const r = resultOf(json, 'h1');
    expect(code).toBe(2);
    expect(r.status).toBe('failed');
    expect(r.reason).toBe(`the login shell of root@h1 printed more than ${LOGIN_OUTPUT_LIMIT} bytes before the scanner started (the most skipped); check ~/.bashrc or /etc/bash.bashrc for output in non-interactive shells`);
    expect(json.events).toEqual([]);
    // Exactly the bound is still skipped.
    await bashrc(h1, 'root', `head -c ${LOGIN_OUTPUT_LIMIT} /dev/zero | tr '\\000' x`);
    const atBound = resultOf((await scanJson(home, '--server', 'h1')).json, 'h1');
    expect(atBound.status).toBe('completed_clean');
    expect(atBound.warnings).toContain(warning('root@h1', LOGIN_OUTPUT_LIMIT));
  });

  it('a login shell that prints and then never starts the scanner fails with that reason', async () => {
    await bashrc(h1, 'root', 'echo Welcome; exit 0');
    const r = resultOf((await scanJson(home, '--server', 'h1')).json, 'h1');
    expect(r.status).toBe('failed');
    expect(r.reason).toBe('the scanner never started: the login shell of root@h1 printed 8 bytes and then nothing of the scanner\'s');
  });

  it('the pre-flight and a baseline warn the same way', async () => {
    await bashrc(h1, 'root', 'echo Welcome to prod');
    const pre = await cli(home, 'server', 'preflight', 'h1');
    expect(pre.code).toBe(0);
    expect(pre.out).toContain(`warning: ${warning('root@h1', 16)}`);
    const json = JSON.parse(await ok(home, 'server', 'preflight', 'h1', '--json')) as { warnings: string[]; facts: Record<string, string> };
    expect(json.warnings).toContain(warning('root@h1', 16));
    const baseline = await cli(home, 'baseline', 'p', '--server', 'h1', '--json');
    expect(baseline.code).toBe(0);
    expect(baseline.out).toContain(warning('root@h1', 16));
  });

  it('under sudo: the login user\'s shell is named', async () => {
    const banner = 'Last login: yesterday';
    await bashrc(h2, 'scanner', `echo "${banner}"`);
    const r = resultOf((await scanJson(home, '--server', 'h2-sudo')).json, 'h2-sudo');
    expect(r.status).toBe('completed_clean');
    expect(r.warnings).toContain(warning('scanner@h2-sudo', banner.length + 1));
  });

  it('behind a jump host: only the scanned host\'s login shell runs, and its output is skipped', async () => {
    await bashrc(bastion, 'scanner', 'echo bastion banner');
    await bashrc(inner, 'root', 'echo inner banner');
    const r = resultOf((await scanJson(home, '--server', 'inner')).json, 'inner');
    expect(r.status).toBe('completed_clean');
    expect(r.warnings).toContain(warning('root@inner', 13));
    expect(r.warnings!.join('\n')).not.toContain('bastion');
  });
});
