// Attributes beyond stat(2): xattrs, acl, caps, selinux, flags, each where the host has the tool,
// and "not checked on this host" (never silently equal) where it has not.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/main/cli/main.js';
import type { FimEvent } from '../../../src/shared/domain.js';
import { entryLines, have, makeVariants, rm, scan, target, tempDir, type Variant } from './helpers.js';
import { byteString } from '../../../src/main/model/entry.js';

const tools = ['setfattr', 'getfattr', 'setfacl', 'getfacl', 'setcap', 'getcap', 'chattr', 'lsattr'];
const ready = tools.every(have);

let dir: string;
let root: string;
let variants: Record<string, Variant>;
const x = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { stdio: 'pipe' });

beforeAll(() => {
  if (!ready) return;
  dir = tempDir();
  variants = makeVariants(path.join(dir, 'hosts'));
  root = path.join(dir, 'tree');
  fs.mkdirSync(path.join(root, 'shared'), { recursive: true });
  fs.writeFileSync(path.join(root, 'plain'), 'p\n');
  fs.writeFileSync(path.join(root, 'tagged'), 't\n');
  x('setfattr', '-n', 'user.origin', '-v', 'build 7', path.join(root, 'tagged'));
  x('setfattr', '-n', 'user.empty', path.join(root, 'tagged'));
  x('setfattr', '-n', 'security.selinux', '-v', 'system_u:object_r:etc_t:s0', path.join(root, 'tagged'));
  fs.writeFileSync(path.join(root, 'acl'), 'a\n');
  x('setfacl', '-m', 'u:1000:r,g:50:rw', path.join(root, 'acl'));
  x('setfacl', '-d', '-m', 'g:50:rx', path.join(root, 'shared'));
  fs.copyFileSync('/bin/true', path.join(root, 'helper'));
  x('setcap', 'cap_setuid+ep', path.join(root, 'helper'));
  fs.copyFileSync('/bin/true', path.join(root, 'pinger'));
  x('setcap', 'cap_net_admin,cap_net_raw=eip cap_sys_admin=ep cap_chown=ei', path.join(root, 'pinger'));
  fs.writeFileSync(path.join(root, 'immutable'), 'i\n');
  x('chattr', '+i', path.join(root, 'immutable'));
  fs.writeFileSync(path.join(root, 'log'), 'l\n');
  x('chattr', '+a', path.join(root, 'log'));
  fs.symlinkSync('plain', path.join(root, 'link'));
  // Attribute names getfattr escapes (backslash, '=', CR, LF) or prints as they are (space, a byte
  // above 127): the perl reader must give them as getfattr does.
  fs.writeFileSync(path.join(root, 'odd'), 'o\n');
  // printf(1) formats: the names are bytes (\\351 is not UTF-8).
  const odd = ['user.a b', 'user.eq=x', 'user.bs\\\\x', 'user.hi\\351', 'user.nl\\nx', 'user.cr\\rx'];
  odd.forEach((name, i) => x('sh', '-c', 'setfattr -n "$(printf "$1")" -v "$2" "$3"', 'sh', name, String(i), path.join(root, 'odd')));
  fs.mkdirSync(path.join(root, 'sub\ndir'));
  fs.writeFileSync(path.join(root, 'sub\ndir', 'appended'), 'x\n');
  x('chattr', '+a', path.join(root, 'sub\ndir', 'appended'));
  x('setfattr', '-n', 'user.in', '-v', 'newline dir', path.join(root, 'sub\ndir'));
});
afterAll(() => {
  if (!dir) return;
  x('chattr', '-a', path.join(root, 'sub\ndir', 'appended'));
  rm(dir);
});

const get = (c: Awaited<ReturnType<typeof scan>>, name: string) => c.entries.get(byteString(path.join(root, name)))!.attrs;

describe.runIf(ready)('extended attributes', () => {
  it.each([
    ['dash', 'perl'],
    ['noperl', 'getfattr and lsattr'],
  ])('are read exactly on the %s host (by %s)', async (name) => {
    const c = await scan(variants[name]!, [target(root)]);
    expect(c.facts.perl).toBe(name === 'dash' ? 'yes' : 'no');
    expect(get(c, 'tagged')).toMatchObject({ xattrs: 'user.empty=0x user.origin=0x6275696c642037', selinux: 'system_u:object_r:etc_t:s0', acl: null, caps: null, flags: null });
    expect(get(c, 'plain')).toMatchObject({ xattrs: null, selinux: null, acl: null, caps: null, flags: null });
    expect(get(c, 'acl').acl).toBe('user::rw-,user:1000:r--,group::r--,group:50:rw-,mask::rw-,other::r--');
    expect(get(c, 'shared').acl).toBe('user::rwx,group::r-x,other::r-x,default:user::rwx,default:group::r-x,default:group:50:r-x,default:mask::r-x,default:other::r-x');
    expect(get(c, 'helper').caps).toBe('cap_setuid=ep');
    expect(get(c, 'pinger').caps).toBe('cap_chown=ei cap_net_admin,cap_net_raw=eip cap_sys_admin=ep');
    expect(get(c, 'immutable').flags).toBe('i');
    expect(get(c, 'log').flags).toBe('a');
    // Not applicable: none (null), never "not checked".
    expect(get(c, 'link')).toMatchObject({ caps: null, flags: null, acl: null });
    expect(get(c, 'shared')).toMatchObject({ caps: null });
    expect(get(c, 'odd').xattrs).toContain('user.bs\\134x=0x32');
    expect(get(c, 'odd').xattrs).toContain('user.nl\\012x=0x34');
    expect(c.entries.get(byteString(path.join(root, 'sub\ndir', 'appended')))!.attrs.flags).toBe('a');
  });

  it('perl and the tools read the same attributes: the test tree, a real system tree, as root and as nobody', async () => {
    const all = ['xattrs', 'acl', 'caps', 'selinux', 'flags'];
    const same = async (a: string, b: string, targets: Parameters<typeof scan>[1]) => {
      const byPerl = await scan(variants[a]!, targets);
      const byTools = await scan(variants[b]!, targets);
      expect(byPerl.facts.perl).toBe('yes');
      expect(byTools.facts.perl).toBe('no');
      expect(entryLines(byPerl, all)).toEqual(entryLines(byTools, all));
      return byPerl;
    };
    const tree = await same('dash', 'noperl', [target(root)]);
    expect(entryLines(tree, all).join('\n')).toContain('cap_setuid=ep');
    const system = await same('dash', 'noperl', [target('/usr/sbin'), target('/etc'), target('/usr/lib/x86_64-linux-gnu', { depth: 1 })]);
    expect(system.entries.size).toBeGreaterThan(1000);
    await same('nobody-dash', 'nobody-noperl', [target(root), target('/etc')]);
  });

  it('getfacl and getcap give the same values on a host without getfattr', async () => {
    const full = await scan(variants.dash!, [target(root)]);
    const c = await scan(variants.nogetfattr!, [target(root)]);
    expect(c.facts).toMatchObject({ getfattr: 'no', getfacl: 'yes', getcap: 'yes' });
    for (const [p, e] of full.entries) {
      expect(c.entries.get(p)!.attrs.acl, p).toEqual(e.attrs.acl);
      expect(c.entries.get(p)!.attrs.caps, p).toEqual(e.attrs.caps);
      expect(c.entries.get(p)!.attrs.flags, p).toEqual(e.attrs.flags);
      // Without getfattr, xattrs and selinux are not checked: absent, not null.
      expect(c.entries.get(p)!.attrs.xattrs, p).toBeUndefined();
      expect(c.entries.get(p)!.attrs.selinux, p).toBeUndefined();
    }
  });

  it.each(['noattr', 'busybox'])('are absent ("not checked") on a host without the tools: %s', async (name) => {
    const c = await scan(variants[name]!, [target(root)]);
    expect(c.facts).toMatchObject({ perl: 'no', getfattr: 'no', getfacl: 'no', getcap: 'no', lsattr: 'no' });
    for (const k of ['xattrs', 'selinux'] as const) expect(get(c, 'tagged')[k]).toBeUndefined();
    expect(get(c, 'acl').acl).toBeUndefined();
    expect(get(c, 'helper').caps).toBeUndefined();
    expect(get(c, 'immutable').flags).toBeUndefined();
  });

  it.each(['nobody-dash', 'nobody-noperl'])('an entry that cannot be opened (unreadable to the scanning user) has no flags: not checked, not "none" (%s)', async (name) => {
    const t = path.join(dir, `private-${name}`);
    fs.mkdirSync(t);
    fs.chmodSync(t, 0o755);
    fs.writeFileSync(path.join(t, 'secret'), 's\n', { mode: 0o600 });
    fs.chmodSync(path.join(t, 'secret'), 0o600);
    fs.writeFileSync(path.join(t, 'open'), 'o\n', { mode: 0o644 });
    const c = await scan(variants[name]!, [target(t)]);
    expect(c.facts.lsattr).toBe('yes');
    expect(c.facts.perl).toBe(name === 'nobody-dash' ? 'yes' : 'no');
    expect(c.entries.get(byteString(path.join(t, 'secret')))!.error).toBe('Permission denied');
    expect(c.entries.get(byteString(path.join(t, 'secret')))!.attrs.flags).toBeUndefined();
    expect(c.entries.get(byteString(path.join(t, 'open')))!.attrs.flags).toBeNull();
  });
});

async function cli(home: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['--home', home, ...args], { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe.runIf(ready)('events on extended attributes', () => {
  it('a setcap backdoor, an immutable flag, a new xattr and ACL are deviations; a host without the tools says so', async () => {
    const home = path.join(dir, 'home');
    const t = path.join(dir, 'events');
    fs.mkdirSync(t);
    fs.copyFileSync('/bin/true', path.join(t, 'tool'));
    fs.writeFileSync(path.join(t, 'conf'), 'c\n');
    fs.writeFileSync(path.join(t, 'data'), 'd\n');
    expect((await cli(home, 'policy', 'add', 'p')).code).toBe(0);
    expect((await cli(home, 'policy', 'target', 'add', 'p', t, '--recursive')).code).toBe(0);
    expect((await cli(home, 'group', 'add', 'g', '--policy', 'p')).code).toBe(0);
    expect((await cli(home, 'server', 'add', 'gold', '--local', '--group', 'g', '--shell', 'dash')).code).toBe(0);
    expect((await cli(home, 'server', 'add', 'bare', '--local', '--group', 'g', '--shell', variants.noattr!.shell)).code).toBe(0);
    expect((await cli(home, 'baseline', 'p', '--server', 'gold')).code).toBe(0);

    x('setcap', 'cap_setuid+ep', path.join(t, 'tool'));
    x('chattr', '+i', path.join(t, 'conf'));
    x('setfattr', '-n', 'user.note', '-v', 'x', path.join(t, 'data'));
    x('setfacl', '-m', 'u:1000:rw', path.join(t, 'data'));
    try {
      const r = await cli(home, 'scan', '--server', 'gold', '--json');
      expect(r.code).toBe(1);
      const events = (JSON.parse(r.out) as { events: FimEvent[] }).events;
      const by = (name: string) => events.find((e) => e.path === path.join(t, name))!;
      expect(by('tool').attributes).toEqual([{ name: 'caps', baseline: null, current: 'cap_setuid=ep' }]);
      expect(by('conf').attributes).toEqual([{ name: 'flags', baseline: null, current: 'i' }]);
      expect(by('data').attributes.map((a) => a.name).sort()).toEqual(['acl', 'mode', 'xattrs']);

      // The host without getfattr/getfacl/getcap/lsattr: the same files, no caps or flags deviation
      // (it cannot see them), and the scan says what was not checked.
      const b = await cli(home, 'scan', '--server', 'bare', '--json');
      const res = JSON.parse(b.out) as { servers: { warnings: string[] }[]; events: FimEvent[] };
      expect(res.servers[0]!.warnings.join('\n')).toMatch(/not checked on this host: xattrs \(needs perl or getfattr\), selinux \(needs perl or getfattr\), acl \(needs perl or getfattr or getfacl\), caps \(needs perl or getfattr or getcap\), flags \(needs perl or lsattr\)/);
      const bare = res.events.filter((e) => e.server === 'bare');
      // data changed its mode (ACL mask): that deviation lists the attributes bare could not check.
      const data = bare.find((e) => e.path === path.join(t, 'data'))!;
      expect(data.attributes.find((a) => a.name === 'mode')).toBeTruthy();
      expect(data.attributes.filter((a) => a.notChecked).map((a) => [a.name, a.notChecked])).toEqual([
        ['xattrs', 'current'],
        ['acl', 'current'],
        ['caps', 'current'],
        ['selinux', 'current'],
        ['flags', 'current'],
      ]);
      expect(bare.find((e) => e.path === path.join(t, 'tool'))).toBeUndefined();
      const shown = await cli(home, 'event', 'show', String(data.id));
      expect(shown.out).toContain('not checked on this host');
      expect(shown.out).toMatch(/caps: not checked on the current host, so not known to be equal/);

      const show = await cli(home, 'server', 'show', 'bare');
      expect(show.out).toMatch(/not checked on this host: xattrs \(needs perl or getfattr\)/);
      const pre = await cli(home, 'server', 'preflight', 'gold', '--json');
      expect(JSON.parse(pre.out)).toMatchObject({ facts: { perl: 'yes', getfattr: 'yes', lsattr: 'yes' }, checked: ['xattrs', 'selinux', 'acl', 'caps', 'flags'], notChecked: [] });
    } finally {
      x('chattr', '-i', path.join(t, 'conf'));
    }
  });
});
