// Shared bits of the scanner integration tests: host variants made from this machine (shell
// wrappers that change what the scanner finds on PATH, or who runs it), real trees with every
// kind of entry and awkward name, and an independent view of a tree (Node's lstat) to check
// the scanner's entries against.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { collect, type Collected, type CollectOptions } from '../../../src/main/scan/collect.js';
import { buildPlan } from '../../../src/main/scanner/plan.js';
import { LocalTransport } from '../../../src/main/transport/local.js';
import type { EntryAttributes, Target } from '../../../src/shared/domain.js';
import { policy, target } from '../../support/targets.js';

export const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** A host variant: the `shell` the local transport starts (a wrapper script for most). */
export interface Variant {
  name: string;
  shell: string;
  /** What the pre-flight must say about it. */
  find: string;
  meta: string;
}

// perl reads every attribute beyond stat(2) itself (scan.sh's attrhelper): a host "without the
// tools" lacks it too.
const TOOLS = ['getfattr', 'setfattr', 'getfacl', 'setfacl', 'getcap', 'setcap', 'lsattr', 'chattr', 'perl'];

/**
 * Wrappers in `dir` (world-readable, so that `nobody` may run them):
 * - dash, bash: this machine as it is;
 * - busybox: `env -i PATH=<only BusyBox applets> busybox sh` (an Alpine-like host);
 * - noprintf: GNU find that rejects -printf (a GNU host whose find lacks it), under dash;
 * - nofd: GNU find that cannot write to /dev/fd/4 (a host without /proc): several walks, under dash;
 * - noattr: no perl/getfattr/getfacl/getcap/lsattr on PATH; nogetfattr: no perl, no getfattr;
 * - noperl: no perl, so the tools (getfattr, lsattr) read the attributes perl reads elsewhere;
 * - nobody-*: the same, run as the unprivileged user nobody (setpriv).
 */
export function makeVariants(dir: string): Record<string, Variant> {
  fs.mkdirSync(dir, { recursive: true });
  fs.chmodSync(dir, 0o755);
  const bb = path.join(dir, 'bb');
  fs.mkdirSync(bb);
  const bbBin = execFileSync('sh', ['-c', 'command -v busybox']).toString().trim();
  for (const applet of execFileSync('busybox', ['--list']).toString().split('\n').filter(Boolean)) fs.symlinkSync(bbBin, path.join(bb, applet));
  if (!fs.existsSync(path.join(bb, 'busybox'))) fs.symlinkSync(bbBin, path.join(bb, 'busybox'));
  // A directory holding a GNU find that fails, as a lesser find would, on arguments matching `refuse`.
  const findRefusing = (name: string, refuse: string, message: string) => {
    const d = path.join(dir, name);
    fs.mkdirSync(d);
    const script = `#!/bin/sh\nfor a; do case $a in ${refuse}) echo "find: ${message}" >&2; exit 1;; esac; done\nexec /usr/bin/find "$@"\n`;
    fs.writeFileSync(path.join(d, 'find'), script, { mode: 0o755 });
    return d;
  };
  const noprintf = findRefusing('noprintf', '-printf|-fprintf', "unknown predicate '$a'");
  const nofd = findRefusing('nofd', '/dev/fd/*', "'$a': No such file or directory");
  const pathWithout = (name: string, drop: string[]) => {
    const d = path.join(dir, name);
    fs.mkdirSync(d);
    for (const src of ['/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
      let names: string[] = [];
      try {
        names = fs.readdirSync(src);
      } catch {
        continue;
      }
      for (const n of names) {
        if (drop.includes(n) || fs.existsSync(path.join(d, n))) continue;
        try {
          fs.symlinkSync(path.join(src, n), path.join(d, n));
        } catch {
          /* a name seen twice (/bin and /usr/bin) */
        }
      }
    }
    return d;
  };
  const noattr = pathWithout('noattr', TOOLS);
  const nogetfattr = pathWithout('nogetfattr', ['getfattr', 'setfattr', 'perl']);
  const noperl = pathWithout('noperl', ['perl']);
  const wrap = (name: string, body: string) => {
    const p = path.join(dir, `sh-${name}`);
    fs.writeFileSync(p, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return p;
  };
  const asNobody = 'setpriv --reuid=65534 --regid=65534 --clear-groups';
  const v = (name: string, shell: string, find: string, meta: string): Variant => ({ name, shell, find, meta });
  return {
    dash: v('dash', 'dash', 'gnu-printf', 'printf'),
    bash: v('bash', 'bash', 'gnu-printf', 'printf'),
    busybox: v('busybox', wrap('busybox', `exec env -i PATH=${bb} ${bb}/busybox sh "$@"`), 'busybox', 'stat'),
    noprintf: v('noprintf', wrap('noprintf', `PATH=${noprintf}:$PATH exec dash "$@"`), 'gnu', 'stat'),
    nofd: v('nofd', wrap('nofd', `PATH=${nofd}:$PATH exec dash "$@"`), 'gnu-printf', 'printf'),
    noattr: v('noattr', wrap('noattr', `PATH=${noattr} exec dash "$@"`), 'gnu-printf', 'printf'),
    nogetfattr: v('nogetfattr', wrap('nogetfattr', `PATH=${nogetfattr} exec dash "$@"`), 'gnu-printf', 'printf'),
    noperl: v('noperl', wrap('noperl', `PATH=${noperl} exec dash "$@"`), 'gnu-printf', 'printf'),
    'nobody-dash': v('nobody-dash', wrap('nobody-dash', `exec ${asNobody} dash "$@"`), 'gnu-printf', 'printf'),
    'nobody-busybox': v('nobody-busybox', wrap('nobody-busybox', `exec ${asNobody} env -i PATH=${bb} ${bb}/busybox sh "$@"`), 'busybox', 'stat'),
    'nobody-noperl': v('nobody-noperl', wrap('nobody-noperl', `PATH=${noperl} exec ${asNobody} dash "$@"`), 'gnu-printf', 'printf'),
    'nobody-noprintf': v('nobody-noprintf', wrap('nobody-noprintf', `PATH=${noprintf}:$PATH exec ${asNobody} dash "$@"`), 'gnu', 'stat'),
  };
}

/**
 * A test file's scratch directory and host variants (makeVariants): made before its tests, given
 * to `use`, and removed after them.
 */
export function scannerHosts(use: (dir: string, variants: Record<string, Variant>) => void): void {
  let dir = '';
  beforeAll(() => {
    dir = tempDir();
    use(dir, makeVariants(path.join(dir, 'hosts')));
  });
  afterAll(() => rm(dir));
}

/** Whether this machine lets the tests mount file systems (root, or a user namespace that may). */
export const canMount = (() => {
  try {
    const m = fs.mkdtempSync('/tmp/dw-mnt-');
    execFileSync('mount', ['-t', 'tmpfs', 'none', m], { stdio: 'ignore' });
    execFileSync('umount', [m]);
    fs.rmdirSync(m);
    return true;
  } catch {
    return false;
  }
})();

export function tempDir(prefix = 'dw-scan-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(d, 0o755);
  return d;
}

export { target };

/** Scan `targets` through the local transport with the variant's shell. */
export async function scan(variant: Variant | string, targets: Target[], options: CollectOptions = {}): Promise<Collected> {
  const shell = typeof variant === 'string' ? variant : variant.shell;
  return collect(new LocalTransport(), buildPlan([policy('p', targets)]), { shell, ...options });
}

const EXTENDED = ['xattrs', 'acl', 'caps', 'selinux', 'flags'] as const;

/** Entries as comparable lines; `keep` the extended attributes listed (the others are dropped). */
export function entryLines(c: Collected, keep: readonly string[] = EXTENDED): string[] {
  return [...c.entries.values()]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((e) => {
      const attrs: Record<string, unknown> = { ...e.attrs };
      for (const k of EXTENDED) if (!keep.includes(k)) delete attrs[k];
      return JSON.stringify([e.path, attrs, e.error]);
    });
}

/** Names every byte of which the scanner must carry exactly (as byte strings: one char per byte). */
export const AWKWARD_NAMES = [
  'plain.conf',
  'with space',
  'tab\there',
  'new\nline',
  'ends with newline\n',
  'back\\slash',
  "quote'd",
  'dq"d',
  '-dash-first',
  '$(touch PWNED)',
  '*?[glob]',
  'percent%s%d',
  'ctrl\x01\x1b[31m',
  'latin1-\xe9\xff',
  'caf\xc3\xa9',
  ' -> fake',
  "'x' -> 'y'",
  'l'.repeat(250),
];

/** A tree with every kind of entry: files, directories, symlinks (with awkward targets), a FIFO, devices, a socket-free set. */
export function buildTree(root: string): void {
  const b = (s: string) => Buffer.from(s, 'latin1');
  fs.mkdirSync(root, { recursive: true });
  const sub = path.join(root, 'sub');
  fs.mkdirSync(sub);
  for (const n of AWKWARD_NAMES) {
    fs.writeFileSync(Buffer.concat([b(sub + '/'), b(n)]), b(`content of ${n}\n`));
  }
  // A directory with an awkward name holding a file; a deep path longer than 3,900 bytes.
  const weirdDir = Buffer.concat([b(root + '/'), b('dir\nwith newline')]);
  fs.mkdirSync(weirdDir);
  fs.writeFileSync(Buffer.concat([weirdDir, b('/inner')]), 'inner\n');
  let deep = path.join(root, 'deep');
  while (deep.length < 4000) deep = path.join(deep, 'd'.repeat(200));
  fs.mkdirSync(deep, { recursive: true });
  fs.writeFileSync(path.join(deep, 'f'), 'deep\n');
  // Symlinks: plain, dangling, to a name with a newline, loops.
  fs.symlinkSync('sub/plain.conf', path.join(root, 'link'));
  fs.symlinkSync('/nonexistent/target', path.join(root, 'dangling'));
  fs.symlinkSync(b('tar\nget -> x'), path.join(root, 'odd-link'));
  fs.symlinkSync('loop-b', path.join(root, 'loop-a'));
  fs.symlinkSync('loop-a', path.join(root, 'loop-b'));
  fs.symlinkSync('.', path.join(root, 'self'));
  execFileSync('mkfifo', [path.join(root, 'fifo')]);
  execFileSync('mknod', [path.join(root, 'null-dev'), 'c', '1', '3']);
  execFileSync('mknod', [path.join(root, 'blk-dev'), 'b', '7', '200']);
  fs.writeFileSync(path.join(root, 'empty'), '');
  fs.writeFileSync(path.join(root, 'setuid'), '#!/bin/sh\n', { mode: 0o4755 });
  fs.chmodSync(path.join(root, 'setuid'), 0o4755);
  fs.linkSync(path.join(root, 'empty'), path.join(root, 'hardlink'));
}

/** What Node itself sees: type, mode, uid, gid, size, mtime/ctime (ns), inode, nlink, target, sha256. */
export function oracle(root: string): Map<string, Partial<EntryAttributes>> {
  const out = new Map<string, Partial<EntryAttributes>>();
  const ns = (v: bigint) => `${v / 1_000_000_000n}.${(v % 1_000_000_000n).toString().padStart(9, '0')}`;
  const walk = (p: Buffer) => {
    const st = fs.lstatSync(p, { bigint: true });
    const type = st.isFile() ? 'file' : st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'symlink' : st.isFIFO() ? 'fifo' : st.isCharacterDevice() ? 'char' : st.isBlockDevice() ? 'block' : 'socket';
    const e: Partial<EntryAttributes> = {
      type,
      mode: (Number(st.mode) & 0o7777).toString(8).padStart(4, '0'),
      uid: Number(st.uid),
      gid: Number(st.gid),
      size: Number(st.size),
      mtime: ns(st.mtimeNs),
      ctime: ns(st.ctimeNs),
      inode: Number(st.ino),
      nlink: Number(st.nlink),
      target: type === 'symlink' ? (fs.readlinkSync(p, { encoding: 'buffer' }) as Buffer).toString('latin1') : null,
      sha256: type === 'file' ? createHash('sha256').update(fs.readFileSync(p)).digest('hex') : null,
      device: type === 'char' || type === 'block' ? `${Number(st.rdev) >> 8 & 0xfff}:${(Number(st.rdev) & 0xff) | ((Number(st.rdev) >> 12) & 0xfff00)}` : null,
    };
    out.set(p.toString('latin1'), e);
    if (type === 'directory') for (const n of fs.readdirSync(p, { encoding: 'buffer' }) as Buffer[]) walk(Buffer.concat([p, Buffer.from('/'), n]));
  };
  walk(Buffer.from(root, 'latin1'));
  return out;
}

export function rm(p: string): void {
  try {
    execFileSync('chattr', ['-R', '-i', '-a', p], { stdio: 'ignore' });
  } catch {
    /* no chattr, or nothing to clear */
  }
  fs.rmSync(p, { recursive: true, force: true });
}
