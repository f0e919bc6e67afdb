// A compromised host whose tools lie (issue 16): `awk` retargeted to sh through its alternatives
// link, /etc/ld.so.preload naming a missing library (so every process writes an error to stderr),
// and many kinds of change at once. In both modes a scan must give every changed regular file its
// new sha256 (checked against the file read inside the host), report exactly the changed paths,
// never say "not hashed", and raise no event on untouched files (SSH host keys, moduli,
// ssh_config above all). Only the CLI contract is used: policy, servers, baseline, scan --json.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FimEvent } from '../../../src/shared/domain.js';
import { startFleet, type Fleet, type Host } from '../../fleet/fleet.js';
import { addServer, newHome, ok, removeHomes, resultOf, scanJson, statuses, type ScanJson } from '../fleet/helpers.js';

let fleet: Fleet;
let gold: Host;
let victim: Host;
let bystander: Host;
let home: string;
/** What /etc/alternatives/awk named before the attack (mawk on Debian). */
let realAwk: string;

const PRELOAD = '/usr/lib/x86_64-linux-gnu/libdw-missing.so';
const CRON_NEWLINE = '/etc/cron.d/job\nline';
const CRON_TAB = '/etc/cron.d/tab\tback\\slash';

// What the attacker changes on the victim, as `change path` lines. Nothing else may show up.
const EXPECTED = [
  'added /etc/cron.d/job\nline',
  'added /etc/cron.d/tab\tback\\slash',
  'added /etc/ld.so.preload',
  'added /etc/ssh/sshd_config.d/evil.conf',
  'added /usr/sbin/backdoor',
  'modified /etc/alternatives/awk',
  'modified /etc/default/locale',
  'modified /etc/default/useradd',
  'modified /etc/motd',
  'modified /etc/os-release',
  'modified /etc/passwd',
  'modified /etc/ssh/sshd_config.d',
  'modified /usr/sbin/capsh',
  'modified /usr/sbin/chroot',
  'modified /usr/sbin/isosize',
  'removed /etc/issue.net',
].sort();
// Regular files whose content the attacker wrote: their events must carry the new sha256.
const NEW_CONTENT = ['/etc/motd', '/etc/passwd', '/usr/sbin/isosize', CRON_NEWLINE, CRON_TAB, '/etc/ld.so.preload', '/etc/ssh/sshd_config.d/evil.conf', '/usr/sbin/backdoor'];
const UNTOUCHED = ['/etc/ssh/ssh_host_ed25519_key', '/etc/ssh/ssh_host_ed25519_key.pub', '/etc/ssh/ssh_host_rsa_key', '/etc/ssh/ssh_host_ecdsa_key', '/etc/ssh/moduli', '/etc/ssh/ssh_config', '/etc/ssh/sshd_config', '/etc/hostname', '/etc/dwfleet/ssh_host_ed25519_key', '/etc/shadow', '/usr/sbin/sshd'];

const ATTACK = `set -e
printf 'Welcome. This host is ours now.\\n' >> /etc/motd
echo 'toor:x:0:0:toor:/root:/bin/sh' >> /etc/passwd
printf 'PWND' | dd of=/usr/sbin/isosize bs=1 seek=4096 conv=notrunc 2>/dev/null
chmod u+s /usr/sbin/chroot
setcap cap_setuid+ep /usr/sbin/capsh
cp /usr/bin/id /usr/sbin/backdoor
mkdir -p /etc/cron.d
printf '* * * * * root /usr/sbin/backdoor\\n' > "/etc/cron.d/$(printf 'job\\nline')"
printf '* * * * * root sh -c id\\n' > "/etc/cron.d/$(printf 'tab\\t')back\\\\slash"
printf 'PermitRootLogin yes\\n' > /etc/ssh/sshd_config.d/evil.conf
ln -sfn /tmp/evil-release /etc/os-release
rm /etc/issue.net
chmod 666 /etc/default/locale
chown 65534:65534 /etc/default/useradd
ln -sfn /bin/sh /etc/alternatives/awk
echo '${PRELOAD}' > /etc/ld.so.preload`;

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const line = (e: FimEvent) => `${e.change} ${e.path}`;
const names = (e: FimEvent) => e.attributes.map((a) => a.name).sort();

beforeAll(async () => {
  fleet = await startFleet({ hosts: [{ name: 'gold' }, { name: 'victim' }, { name: 'bystander' }] });
  [gold, victim, bystander] = fleet.hosts as [Host, Host, Host];
  home = newHome();
  await ok(home, 'policy', 'add', 'linux');
  await ok(home, 'policy', 'target', 'add', 'linux', '/etc', '--recursive', '--critical', '--alert', '--exclude', '*.swp');
  // Files each host has its own of: compared with the host's own past.
  await ok(home, 'policy', 'target', 'add', 'linux', '/etc/hostname', '--compare', 'self');
  await ok(home, 'policy', 'target', 'add', 'linux', '/etc/hosts', '--compare', 'self');
  await ok(home, 'policy', 'target', 'add', 'linux', '/etc/ssh', '--recursive', '--compare', 'self', '--critical');
  await ok(home, 'policy', 'target', 'add', 'linux', '/etc/dwfleet', '--recursive', '--compare', 'self', '--critical');
  await ok(home, 'policy', 'target', 'add', 'linux', '/usr/sbin', '--recursive', '--critical');
  await ok(home, 'group', 'add', 'web', '--policy', 'linux');
  await addServer(home, fleet, gold);
  // The victim twice: one server scanned in the default mode (quick after a full scan), one always with --full.
  await addServer(home, fleet, victim, { group: 'web' });
  await addServer(home, fleet, victim, { name: 'victim-full', group: 'web' });
  await addServer(home, fleet, bystander, { group: 'web' });
  realAwk = (await gold.sh('readlink /etc/alternatives/awk')).trim();
  await ok(home, 'baseline', 'linux', '--server', gold.name);
  // As on a freshly provisioned host: the SSH files were just written (same content, same mtime,
  // a new ctime) when the first full scan runs, so a quick scan reads them again. (This also
  // copies them up into the victim's overlay now, so the attack below does not move /etc/ssh.)
  await victim.sh('find /etc/ssh /etc/dwfleet \\( -type f -o -type d \\) -exec touch -r {} {} \\;');
  // The first scan of the self targets records each host's own state (not_compared, issue 13): nothing is found.
  const clean = await scanJson(home, '--group', 'web');
  expect(statuses(clean.json), JSON.stringify(clean.json)).toEqual({ victim: 'not_compared', 'victim-full': 'not_compared', bystander: 'not_compared' });
  for (const s of clean.json.servers) expect(s.reason).toMatch(/^policy 'linux' not compared: first scan of self targets /);
  expect(clean.json.events).toEqual([]);
  await victim.sh(ATTACK);
});
afterAll(async () => {
  await fleet?.stop();
  removeHomes();
});

/** Everything issue 16 asks of one scan of the victim after the attack. */
async function expectTruthful(json: ScanJson, server: string): Promise<void> {
  const result = resultOf(json, server);
  const events = json.events.filter((e) => e.server === server);
  // No event on what the attacker left alone; nothing "not hashed".
  expect(events.filter((e) => UNTOUCHED.includes(e.path)).map(line)).toEqual([]);
  expect(events.filter((e) => JSON.stringify(e).includes('not hashed')).map(line)).toEqual([]);
  expect(JSON.stringify(json)).not.toContain('not hashed');
  expect(events.map(line).sort()).toEqual(EXPECTED);
  expect(result.status).toBe('completed_with_findings');
  expect(result.counts).toMatchObject({ added: 5, removed: 1, modified: 10, unreadable: 0 });
  // Every regular file an event shows carries the sha256 of what the host holds now.
  for (const e of events) {
    expect(e.error, line(e)).toBeUndefined();
    if (e.currentEntry?.type !== 'file') continue;
    expect(e.currentEntry.sha256, line(e)).toBe(sha256(await victim.readFile(e.path)));
  }
  const byPath = new Map(events.map((e) => [e.path, e]));
  for (const p of NEW_CONTENT) expect(byPath.get(p)?.currentEntry?.sha256, p).toBe(sha256(await victim.readFile(p)));
  for (const p of ['/etc/motd', '/etc/passwd', '/usr/sbin/isosize']) {
    expect(byPath.get(p)!.attributes.find((a) => a.name === 'sha256')?.current, p).toBe(sha256(await victim.readFile(p)));
  }
  // Changes that leave the content alone say only what moved.
  expect(names(byPath.get('/etc/passwd')!)).toEqual(['sha256', 'size']);
  expect(names(byPath.get('/usr/sbin/isosize')!)).toEqual(['sha256']);
  expect(byPath.get('/usr/sbin/chroot')!.attributes).toEqual([{ name: 'mode', baseline: '0755', current: '4755' }]);
  expect(byPath.get('/usr/sbin/capsh')!.attributes).toEqual([{ name: 'caps', baseline: null, current: 'cap_setuid=ep' }]);
  expect(byPath.get('/etc/default/locale')!.attributes).toEqual([{ name: 'mode', baseline: '0644', current: '0666' }]);
  expect(names(byPath.get('/etc/default/useradd')!)).toEqual(['gid', 'uid']);
  expect(byPath.get('/etc/alternatives/awk')!.attributes.find((a) => a.name === 'target')).toMatchObject({ baseline: realAwk, current: '/bin/sh' });
  expect(byPath.get('/etc/os-release')!.attributes.find((a) => a.name === 'target')).toMatchObject({ current: '/tmp/evil-release' });
}

describe('a host whose awk is sh and whose every process writes to stderr (issue 16)', () => {
  it('the attack really broke the tools inside the victim, and only there', async () => {
    const inside = await victim.exec("echo x | awk '{ print \"awk works\" }'");
    expect(inside.stdout).not.toContain('awk works');
    expect(inside.stderr).toContain('ld.so.preload');
    // Each host has its own overlay of /: neither this machine nor the other hosts see the preload.
    expect(fs.existsSync('/etc/ld.so.preload')).toBe(false);
    for (const h of [gold, bystander]) {
      const r = await h.exec("echo x | awk '{ print \"awk works\" }'");
      expect(r, h.name).toMatchObject({ code: 0, stdout: 'awk works\n', stderr: '' });
    }
  });

  it('a quick scan (the default after a full one) gives every changed file its new sha256 and nothing else', async () => {
    const { json } = await scanJson(home, '--server', 'victim');
    expect(resultOf(json, 'victim').mode).toBe('quick');
    await expectTruthful(json, 'victim');
  });

  it('a full scan does the same', async () => {
    const { json } = await scanJson(home, '--server', 'victim-full', '--full');
    expect(resultOf(json, 'victim-full').mode).toBe('full');
    await expectTruthful(json, 'victim-full');
  });

  it('the untouched host still scans clean', async () => {
    const { code, json } = await scanJson(home, '--server', 'bystander');
    expect(resultOf(json, 'bystander').status).toBe('completed_clean');
    expect(json.events).toEqual([]);
    expect(code).toBe(0);
  });
});
