// Real hosts over SSH (the test fleet): a Debian host (GNU find, dash, every attribute tool)
// and a BusyBox host (BusyBox sh and applets only, like Alpine). The engine scans both through
// the SSH transport; the pre-flight says what each offers; the same tree gives the same entries;
// what the BusyBox host cannot check is shown as not checked, never as equal.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/main/cli/main.js';
import type { ServerSummary } from '../../../src/shared/api.js';
import type { FimEvent } from '../../../src/shared/domain.js';
import { startFleet, type Fleet, type Host } from '../../fleet/fleet.js';
import { rm, tempDir } from './helpers.js';

let fleet: Fleet;
let deb: Host;
let bb: Host;
let dir: string;
let home: string;

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['--home', home, ...args], { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
async function ok(...args: string[]): Promise<string> {
  const r = await cli(...args);
  if (r.code !== 0) throw new Error(`driftwatch ${args.join(' ')}: exit ${r.code}\n${r.out}\n${r.err}`);
  return r.out;
}

// The same tree on each host, awkward names included (printf builds them inside the host).
const TREE = `
set -e
rm -rf /srv/t; mkdir -p /srv/t/etc /srv/t/bin
printf 'listen 80\\npassword=x\\n' > /srv/t/etc/app.conf
printf 'a' > "/srv/t/etc/$(printf 'new\\nline')"
printf 'b' > "/srv/t/etc/$(printf 'bad\\377byte')"
printf 'c' > '/srv/t/etc/back\\slash'
printf '#!/bin/sh\\n' > /srv/t/bin/tool; chmod 755 /srv/t/bin/tool
ln -s ../etc/app.conf /srv/t/bin/link
mkfifo /srv/t/fifo
`;

beforeAll(async () => {
  dir = tempDir();
  home = path.join(dir, 'home');
  fleet = await startFleet({ hosts: [{ name: 'deb' }, { name: 'bb', variant: 'busybox' }] });
  [deb, bb] = fleet.hosts as [Host, Host];
  await deb.sh(TREE);
  await bb.sh(TREE);
  await ok('policy', 'add', 'p');
  await ok('policy', 'target', 'add', 'p', '/srv/t', '--recursive', '--content', '--content-limit', '1000');
  await ok('group', 'add', 'g', '--policy', 'p');
  for (const h of [deb, bb]) await ok('server', 'add', h.name, '--host', h.address, '--user', 'root', '--key', fleet.clientKey.privateKey, '--group', 'g', '--accept-new');
});
afterAll(async () => {
  await fleet?.stop();
  if (dir) rm(dir);
});

describe('scanning real hosts over SSH', () => {
  it('the pre-flight of each host: shell, find, stat, hashers, tools, cores; stored and shown with the server', async () => {
    const d = JSON.parse(await ok('server', 'preflight', 'deb', '--json')) as { facts: Record<string, string>; checked: string[]; notChecked: unknown[] };
    expect(d.facts).toMatchObject({ find: 'gnu-printf', stat: 'gnu', hasher: 'openssl', perl: 'yes', getfattr: 'yes', lsattr: 'yes', sudo: 'yes (running as root)', gzip: 'yes' });
    expect(d.checked).toEqual(['xattrs', 'selinux', 'acl', 'caps', 'flags']);
    const b = JSON.parse(await ok('server', 'preflight', 'bb', '--json')) as { facts: Record<string, string>; checked: string[]; notChecked: { name: string }[] };
    expect(b.facts).toMatchObject({ shell: 'busybox ash', find: 'busybox', stat: 'busybox', meta: 'stat', hasher: 'sha256sum', perl: 'no', getfattr: 'no', getfacl: 'no', getcap: 'no', lsattr: 'no', gzip: 'yes' });
    expect(Number(b.facts.cores)).toBeGreaterThan(0);
    expect(b.notChecked.map((n) => n.name)).toEqual(['xattrs', 'selinux', 'acl', 'caps', 'flags']);
    const shown = await ok('server', 'show', 'bb');
    expect(shown).toMatch(/find\s+busybox/);
    expect(shown).toMatch(/not checked on this host: xattrs \(needs perl or getfattr\)/);
    const listed = JSON.parse(await ok('server', 'list', '--json')) as ServerSummary[];
    expect(listed.find((s) => s.name === 'bb')!.preflight!.facts.shell).toBe('busybox ash');
  });

  it('a baseline from the Debian host; the BusyBox host matches it; what it cannot check is said', async () => {
    await ok('baseline', 'p', '--server', 'deb');
    const r = await cli('scan', '--json');
    const res = JSON.parse(r.out) as { servers: { name: string; status: string; mode: string; warnings: string[]; counts: { entries: number } }[]; events: FimEvent[] };
    const byName = (n: string) => res.servers.find((s) => s.name === n)!;
    expect(byName('deb')).toMatchObject({ status: 'completed_clean', counts: { entries: 10 } });
    expect(byName('bb')).toMatchObject({ status: 'completed_clean', counts: { entries: 10 } });
    expect(byName('bb').warnings.join('\n')).toMatch(/not checked on this host: xattrs/);
    expect(res.events).toEqual([]);
  });

  it('a change on each host is found, content diff included; a quick scan finds it too', async () => {
    await deb.sh("printf 'listen 8080\\npassword=y\\n' > /srv/t/etc/app.conf; setcap cap_setuid+ep /srv/t/bin/tool");
    await bb.sh("printf 'listen 8081\\npassword=y\\n' > /srv/t/etc/app.conf; chmod 4755 /srv/t/bin/tool");
    const r = await cli('scan', '--quick', '--json');
    const res = JSON.parse(r.out) as { servers: { name: string; mode: string }[]; events: FimEvent[] };
    expect(res.servers.map((s) => s.mode)).toEqual(['quick', 'quick']);
    const ev = (server: string, p: string) => res.events.find((e) => e.server === server && e.path === p)!;
    expect(ev('deb', '/srv/t/bin/tool').attributes).toEqual([{ name: 'caps', baseline: null, current: 'cap_setuid=ep' }]);
    expect(ev('deb', '/srv/t/etc/app.conf').attributes.find((a) => a.name === 'content')!.diff).toContain('+listen 8080');
    expect(ev('bb', '/srv/t/etc/app.conf').attributes.find((a) => a.name === 'content')!.diff).toContain('+listen 8081');
    const tool = ev('bb', '/srv/t/bin/tool');
    expect(tool.attributes.filter((a) => !a.notChecked)).toEqual([{ name: 'mode', baseline: '0755', current: '4755' }]);
    expect(tool.attributes.filter((a) => a.notChecked).map((a) => a.name)).toEqual(['xattrs', 'acl', 'caps', 'selinux', 'flags']);
  });

  it('as a sudo user over SSH, the scanner runs as root', async () => {
    await ok('server', 'add', 'deb-sudo', '--host', deb.address, '--user', 'scanner', '--key', fleet.clientKey.privateKey, '--sudo', '--accept-new');
    const pre = JSON.parse(await ok('server', 'preflight', 'deb-sudo', '--json')) as { facts: Record<string, string> };
    expect(pre.facts.user).toBe('root (0)');
  });
});
