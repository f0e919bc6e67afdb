// One scanner for every host: GNU find with -printf (dash, bash), a GNU find without -printf,
// one that cannot write to /dev/fd (several walks instead of one), and a BusyBox host (BusyBox sh and applets only). Each must produce the same entries, exactly
// what the file system holds (checked against Node's own lstat), for every byte of every name.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../../src/main/scanner/protocol.js';
import { buildTree, entryLines, makeVariants, oracle, rm, scan, target, tempDir, type Variant } from './helpers.js';
import { byteString } from '../../../src/main/model/entry.js';

let dir: string;
let root: string;
let variants: Record<string, Variant>;

beforeAll(() => {
  dir = tempDir();
  variants = makeVariants(path.join(dir, 'hosts'));
  root = path.join(dir, 'tree');
  buildTree(root);
});
afterAll(() => rm(dir));

const CORE = ['type', 'mode', 'uid', 'gid', 'size', 'mtime', 'ctime', 'inode', 'nlink', 'target', 'sha256', 'device'] as const;

describe.each(['dash', 'bash', 'busybox', 'noprintf', 'nofd'])('the %s host', (name) => {
  it('reports itself in the pre-flight facts', async () => {
    const v = variants[name]!;
    const c = await scan(v, [target(root)]);
    expect(c.facts).toMatchObject({ protocol: PROTOCOL_VERSION, find: v.find, meta: v.meta });
    // One find walk does metadata, hash list and attributes where GNU find can write to /dev/fd.
    expect(c.facts.walks).toBe(name === 'dash' || name === 'bash' ? 'one' : 'several');
    expect(c.facts.shell).toMatch(name === 'busybox' ? /^busybox ash$/ : name === 'bash' ? /^bash / : /^dash$/);
    expect(c.facts.hasher).toBe(name === 'busybox' ? 'sha256sum' : 'openssl');
    expect(Number(c.facts.cores)).toBeGreaterThan(0);
  });

  it('records exactly what the file system holds, every awkward name included', async () => {
    const c = await scan(variants[name]!, [target(root)]);
    const truth = oracle(root);
    expect([...c.entries.keys()].sort()).toEqual([...truth.keys()].sort());
    for (const [p, want] of truth) {
      const got = c.entries.get(byteString(p))!;
      for (const k of CORE) expect(got.attrs[k], `${JSON.stringify(p)} ${k}`).toEqual(want[k]);
      expect(got.attrs.owner).toBe('root');
      expect(got.error, JSON.stringify(p)).toBeNull();
    }
  });
});

describe('every host gives the same entries', () => {
  it('on the test tree', async () => {
    const base = entryLines(await scan(variants.dash!, [target(root)]), []);
    for (const name of ['bash', 'busybox', 'noprintf', 'nofd']) expect(entryLines(await scan(variants[name]!, [target(root)]), []), name).toEqual(base);
  });

  it('with the extended attributes both hosts can check (dash and bash, dash and a find without -printf or /dev/fd)', async () => {
    const all = ['xattrs', 'acl', 'caps', 'selinux', 'flags'];
    const base = entryLines(await scan(variants.dash!, [target(root)]), all);
    expect(entryLines(await scan(variants.bash!, [target(root)]), all)).toEqual(base);
    expect(entryLines(await scan(variants.noprintf!, [target(root)]), all)).toEqual(base);
    expect(entryLines(await scan(variants.nofd!, [target(root)]), all)).toEqual(base);
    // ... and whether perl reads them or getfattr and lsattr do.
    expect(entryLines(await scan(variants.noperl!, [target(root)]), all)).toEqual(base);
  });

  it('on a real system tree (/usr/share/doc, /usr/sbin), include and exclude patterns and a depth limit', async () => {
    const targets = [target('/usr/share/doc', { exclude: ['*.gz'] }), target('/usr/sbin', { depth: 1 }), target('/etc/ssh', { include: ['*.conf', 'sshd_config.d/*'] })];
    const base = entryLines(await scan(variants.dash!, targets), []);
    expect(base.length).toBeGreaterThan(1000);
    for (const name of ['busybox', 'noprintf']) expect(entryLines(await scan(variants[name]!, targets), []), name).toEqual(base);
  });

  it('as an unprivileged user too, unreadable files and directories recorded with their error', async () => {
    const t = path.join(dir, 'perm');
    fs.mkdirSync(path.join(t, 'closed'), { recursive: true });
    fs.mkdirSync(path.join(t, 'open'));
    fs.writeFileSync(path.join(t, 'closed/hidden'), 'h\n');
    fs.writeFileSync(path.join(t, 'open/f'), 'f\n');
    fs.writeFileSync(path.join(t, 'secret'), 's\n', { mode: 0o600 });
    fs.chmodSync(path.join(t, 'secret'), 0o600);
    fs.chmodSync(path.join(t, 'closed'), 0o700);
    fs.chmodSync(t, 0o755);
    const base = await scan(variants['nobody-dash']!, [target(t)]);
    expect(base.facts.user).toMatch(/\(65534\)$/);
    expect(base.entries.get(byteString(path.join(t, 'secret')))).toMatchObject({ error: 'Permission denied', attrs: { sha256: null } });
    expect(base.entries.get(byteString(path.join(t, 'closed')))).toMatchObject({ error: 'Permission denied (directory not listable)' });
    expect(base.entries.has(byteString(path.join(t, 'closed/hidden')))).toBe(false);
    expect(base.entries.get(byteString(path.join(t, 'open/f')))?.attrs.sha256).toMatch(/^[0-9a-f]{64}$/);
    for (const name of ['nobody-busybox', 'nobody-noprintf']) expect(entryLines(await scan(variants[name]!, [target(t)]), []), name).toEqual(entryLines(base, []));
  });
});
