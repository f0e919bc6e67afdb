// Quick and full scans agree (issue 16): on a real tree on a real sshd host, rounds of random
// changes (content, content with size and mtime kept, mode, owner, xattrs, hard links, symlink
// targets, added and removed entries, files replaced by directories and back, names with newlines, tabs,
// backslashes, spaces and bytes that are not UTF-8). The same host is two servers: one only ever
// scanned quick (against its first full scan), one only ever full. After each round both hold the
// same open events (path, change, every attribute's values, the new sha256), and those are what
// Node itself sees in the host (lstat and sha256 through /proc/<pid>/root), so both cannot be
// wrong the same way. Seeded: DW_PROPERTY_SEED and DW_PROPERTY_ROUNDS replay or widen a run.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byteStringFromDisplay } from '../../../src/shared/path-escape.js';
import type { FimEvent } from '../../../src/shared/domain.js';
import { startFleet, type Fleet, type Host } from '../../fleet/fleet.js';
import { addServer, eventsJson, newHome, ok, removeHomes, resultOf, scanJson } from '../fleet/helpers.js';
import { seededRandom } from '../../support/seeded-random.js';

const SEED = Number(process.env.DW_PROPERTY_SEED ?? 0x16f1a5e);
const ROUNDS = Number(process.env.DW_PROPERTY_ROUNDS ?? 6);
const ROOT = '/srv/prop';
const SELF = `${ROOT}/self`;

let fleet: Fleet;
let host: Host;
let home: string;
const rand = seededRandom(SEED);
const int = (n: number) => Math.floor(rand() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;

// Paths are byte strings (one char per byte), as the engine keeps them.
const bytes = (p: string) => Buffer.from(p, 'latin1');
/** The host's own view of a path, from this process: its root is /proc/<holder>/root. */
const inHost = (p: string) => Buffer.concat([bytes(`/proc/${host.holderPid}/root`), bytes(p)]);
const utf8 = new TextDecoder('utf-8', { fatal: true });
const isUtf8 = (p: string) => {
  try {
    utf8.decode(bytes(p));
    return true;
  } catch {
    return false;
  }
};

// Name parts a hostile host may hold: each new name is one of them behind a unique prefix.
const NAME_PARTS = ['plain', 'sp ace', 'new\nline', 'tab\there', 'back\\slash', 'all \t\\\n of them', '\xff\xfe', 'caf\xe9', Buffer.from('ünï').toString('latin1'), "quo'te", '-dash', '*?[glob]', 'trailing\n'];
let made = 0;
const newName = () => `n${++made}-${pick(NAME_PARTS)}`;
const content = (size = int(300)) => Buffer.from(Array.from({ length: size }, () => int(256)));
const TARGETS = ['../etc/app.conf', '/etc/shadow', 'nowhere', 'tar\nget', 'caf\xe9', '.', '..'];

function writeTree(): void {
  const dirs = ['', '/etc', '/bin', '/lib', '/lib/plugins', '/data', '/self', '/self/sub'];
  for (const d of dirs) fs.mkdirSync(inHost(ROOT + d), { recursive: true, mode: 0o755 });
  const files: [string, number][] = [
    ['/etc/app.conf', 0o644], ['/etc/secret', 0o600], ['/etc/new\nline', 0o644], ['/etc/tab\tback\\slash', 0o644], ['/etc/caf\xe9', 0o644],
    ['/bin/tool', 0o755], ['/bin/suid', 0o755], ['/lib/a.so', 0o644], ['/lib/b.so', 0o644], ['/lib/plugins/x', 0o644], ['/lib/plugins/y', 0o644],
    ['/data/sp ace', 0o644], ['/data/empty', 0o644], ['/self/a', 0o644], ['/self/b', 0o600], ['/self/sub/c', 0o644], ['/self/\xff\xfe', 0o644],
  ];
  for (const [f, mode] of files) {
    fs.writeFileSync(inHost(ROOT + f), f === '/data/empty' ? '' : content());
    fs.chmodSync(inHost(ROOT + f), mode);
  }
  fs.symlinkSync('../etc/app.conf', inHost(`${ROOT}/bin/link`));
  fs.symlinkSync('/nowhere', inHost(`${ROOT}/data/dangling`));
  fs.symlinkSync('../a', inHost(`${SELF}/sub/link`));
}

type Kind = 'file' | 'directory' | 'symlink' | 'other';
interface Seen {
  type: Kind;
  mode: number;
  uid: number;
  gid: number;
  size: bigint;
  mtime: bigint;
  ctime: bigint;
  inode: bigint;
  nlink: bigint;
  target: string | null;
  sha256: string | null;
  xattrs: string | null;
}

// Node cannot read extended attributes: Python lists them, byte-exact (paths and values in hex).
const XATTRS_PY = `
import json, os, sys
root = os.fsencode(sys.argv[1])
start = root + os.fsencode(sys.argv[2])
out = {}
def see(p):
    names = sorted(os.listxattr(p, follow_symlinks=False))
    if names:
        out[p[len(root):].hex()] = ' '.join(n + '=' + os.getxattr(p, n, follow_symlinks=False).hex() for n in names)
see(start)
for d, dirs, files in os.walk(start):
    for n in dirs + files:
        see(os.path.join(d, n))
print(json.dumps(out))
`;

/** Every entry below ROOT as Node sees it inside the host, by byte-string path; only stat(2) unless `whole`. */
function look(whole = true): Map<string, Seen> {
  const xattrs = new Map(
    whole
      ? Object.entries(JSON.parse(execFileSync('python3', ['-c', XATTRS_PY, inHost('').toString(), ROOT]).toString()) as Record<string, string>).map(([hex, v]) => [Buffer.from(hex, 'hex').toString('latin1'), v])
      : [],
  );
  const out = new Map<string, Seen>();
  const walk = (p: string) => {
    const st = fs.lstatSync(inHost(p), { bigint: true });
    const type: Kind = st.isFile() ? 'file' : st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'symlink' : 'other';
    out.set(p, {
      type,
      mode: Number(st.mode) & 0o7777,
      uid: Number(st.uid),
      gid: Number(st.gid),
      size: st.size,
      mtime: st.mtimeNs,
      ctime: st.ctimeNs,
      inode: st.ino,
      nlink: st.nlink,
      target: type === 'symlink' ? (fs.readlinkSync(inHost(p), { encoding: 'buffer' }) as Buffer).toString('latin1') : null,
      sha256: whole && type === 'file' ? createHash('sha256').update(fs.readFileSync(inHost(p))).digest('hex') : null,
      xattrs: xattrs.get(p) ?? null,
    });
    if (type === 'directory') for (const n of fs.readdirSync(inHost(p), { encoding: 'buffer' }) as Buffer[]) walk(`${p}/${n.toString('latin1')}`);
  };
  walk(ROOT);
  return out;
}

/** `change path` of every entry that differs from `before` on what its target compares. */
function expectedChanges(before: Map<string, Seen>, now: Map<string, Seen>): string[] {
  const out: string[] = [];
  for (const p of new Set([...before.keys(), ...now.keys()])) {
    const [b, n] = [before.get(p), now.get(p)];
    if (!b || !n) {
      out.push(`${b ? 'removed' : 'added'} ${p}`);
      continue;
    }
    const self = p === SELF || p.startsWith(`${SELF}/`);
    const differs =
      b.type !== n.type || b.mode !== n.mode || b.uid !== n.uid || b.gid !== n.gid || b.target !== n.target || b.sha256 !== n.sha256 || b.xattrs !== n.xattrs ||
      (b.type === 'file' && b.size !== n.size) ||
      (self && (b.mtime !== n.mtime || b.ctime !== n.ctime || b.inode !== n.inode || b.nlink !== n.nlink));
    if (differs) out.push(`modified ${p}`);
  }
  return out.sort();
}

/** Entries below ROOT (not the target roots themselves), to pick changes from. */
function entries(now: Map<string, Seen>, ...types: Kind[]): string[] {
  return [...now.keys()].filter((p) => p !== ROOT && p !== SELF && types.includes(now.get(p)!.type)).sort();
}

/** One random change; returns what it did, for the failure message. */
function change(): string {
  const now = look(false);
  const dirs = [ROOT, SELF, ...entries(now, 'directory')];
  const files = entries(now, 'file');
  const links = entries(now, 'symlink');
  const any = entries(now, 'file', 'directory', 'symlink');
  const show = (p: string) => JSON.stringify(p).replace(/[\x80-\xff]/g, (c) => `\\x${c.charCodeAt(0).toString(16)}`);
  const choices: (() => string | null)[] = [
    () => {
      if (!files.length) return null;
      const f = pick(files);
      fs.writeFileSync(inHost(f), content());
      return `content ${show(f)}`;
    },
    () => {
      // Same size, mtime put back to the nanosecond: only ctime tells.
      const f = files.filter(isUtf8).filter((p) => now.get(p)!.size > 0n);
      if (!f.length) return null;
      const p = pick(f);
      const ref = `/tmp/dw-prop-ref-${process.pid}`;
      fs.writeFileSync(ref, '');
      execFileSync('touch', ['-r', inHost(p).toString(), ref]);
      fs.writeFileSync(inHost(p), content(Number(now.get(p)!.size)));
      execFileSync('touch', ['-r', ref, inHost(p).toString()]);
      fs.rmSync(ref);
      return `content, size and mtime kept ${show(p)}`;
    },
    () => {
      const p = pick([...files, ...dirs.filter((d) => d !== ROOT)]);
      const mode = now.get(p)?.type === 'file' ? pick([0o600, 0o640, 0o644, 0o755, 0o4755, 0o2750, 0o000]) : pick([0o700, 0o750, 0o755, 0o1777]);
      fs.chmodSync(inHost(p), mode);
      return `chmod ${mode.toString(8)} ${show(p)}`;
    },
    () => {
      if (!any.length) return null;
      const p = pick(any);
      const [uid, gid] = pick([[0, 0], [65534, 65534], [1, 1], [0, 65534]] as const);
      fs.lchownSync(inHost(p), uid, gid);
      return `chown ${uid}:${gid} ${show(p)}`;
    },
    () => {
      // An extended attribute: only ctime moves.
      const f = [...files, ...dirs].filter(isUtf8);
      if (!f.length) return null;
      const p = pick(f);
      const value = `v${int(1000)}`;
      execFileSync('setfattr', ['-n', 'user.dw', '-v', value, inHost(p).toString()]);
      return `xattr user.dw=${value} ${show(p)}`;
    },
    () => {
      // A hard link: the file's link count moves.
      if (!files.length) return null;
      const p = pick(files);
      const link = `${pick(dirs)}/${newName()}`;
      fs.linkSync(inHost(p), inHost(link));
      return `hard link ${show(link)} to ${show(p)}`;
    },
    () => {
      if (!links.length) return null;
      const p = pick(links);
      const t = pick(TARGETS);
      fs.unlinkSync(inHost(p));
      fs.symlinkSync(bytes(t), inHost(p));
      return `retarget ${show(p)} -> ${show(t)}`;
    },
    () => {
      const p = `${pick(dirs)}/${newName()}`;
      fs.writeFileSync(inHost(p), content());
      return `add file ${show(p)}`;
    },
    () => {
      const p = `${pick(dirs)}/${newName()}`;
      fs.symlinkSync(bytes(pick(TARGETS)), inHost(p));
      return `add symlink ${show(p)}`;
    },
    () => {
      const p = `${pick(dirs)}/${newName()}`;
      fs.mkdirSync(inHost(p));
      fs.writeFileSync(inHost(`${p}/${newName()}`), content());
      return `add directory ${show(p)}`;
    },
    () => {
      if (!any.length) return null;
      const p = pick(any);
      fs.rmSync(inHost(p), { recursive: true });
      return `remove ${show(p)}`;
    },
    () => {
      if (!files.length) return null;
      const p = pick(files);
      fs.rmSync(inHost(p));
      fs.mkdirSync(inHost(p));
      fs.writeFileSync(inHost(`${p}/${newName()}`), content());
      return `file to directory ${show(p)}`;
    },
    () => {
      const d = entries(now, 'directory');
      if (!d.length) return null;
      const p = pick(d);
      fs.rmSync(inHost(p), { recursive: true });
      fs.writeFileSync(inHost(p), content());
      return `directory to file ${show(p)}`;
    },
  ];
  for (;;) {
    const done = pick(choices)();
    if (done) return done;
  }
}

/** Everything an open event says, paths as byte strings, in a stable order. */
function summary(events: FimEvent[]) {
  return events
    .map((e) => ({
      path: byteStringFromDisplay(e.path, e.pathEscaped === true),
      change: e.change,
      attributes: [...e.attributes].sort((a, b) => a.name.localeCompare(b.name)),
      sha256: e.currentEntry?.sha256 ?? null,
      error: e.error ?? null,
    }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

beforeAll(async () => {
  fleet = await startFleet({ hosts: [{ name: 'prop' }] });
  [host] = fleet.hosts as [Host];
  home = newHome();
  writeTree();
  await ok(home, 'policy', 'add', 'p');
  await ok(home, 'policy', 'target', 'add', 'p', ROOT, '--recursive', '--critical');
  await ok(home, 'policy', 'target', 'add', 'p', SELF, '--recursive', '--compare', 'self');
  await ok(home, 'group', 'add', 'g', '--policy', 'p');
  await addServer(home, fleet, host, { name: 'quick', group: 'g' });
  await addServer(home, fleet, host, { name: 'full', group: 'g' });
  // A quick scan hashes again whatever changed within 2 s of its reference (the racy rule): let
  // the tree age past that, so the quick server's reference really is reused.
  const newest = Math.max(...[...look(false).values()].map((s) => Number(s.ctime / 1_000_000_000n)));
  while (Date.now() / 1000 < newest + 3) await new Promise((r) => setTimeout(r, 100));
});
afterAll(async () => {
  await fleet?.stop();
  removeHomes();
});

describe(`quick and full scans agree (seed ${SEED}, ${ROUNDS} rounds)`, () => {
  it('on every round of random changes, both give the open events Node itself sees', async () => {
    await ok(home, 'baseline', 'p', '--server', 'quick');
    const before = look();
    for (const server of ['quick', 'full']) {
      // The self subtree's first scan records its state (not_compared, issue 13); nothing is found.
      const { json } = await scanJson(home, '--server', server, '--full');
      expect(resultOf(json, server).status, server).toBe('not_compared');
      expect(json.events, server).toEqual([]);
    }
    const log: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const n = 3 + int(5);
      for (let i = 0; i < n; i++) log.push(`round ${round}: ${change()}`);
      const why = `seed ${SEED} (replay with DW_PROPERTY_SEED=${SEED}), after:\n${log.join('\n')}`;
      const quick = await scanJson(home, '--server', 'quick', '--quick');
      expect(resultOf(quick.json, 'quick'), why).toMatchObject({ mode: 'quick', status: expect.stringMatching(/^completed_/) });
      const full = await scanJson(home, '--server', 'full', '--full');
      expect(resultOf(full.json, 'full'), why).toMatchObject({ mode: 'full', status: expect.stringMatching(/^completed_/) });
      const q = summary(await eventsJson(home, '--server', 'quick', '--open'));
      const f = summary(await eventsJson(home, '--server', 'full', '--open'));
      expect(q, why).toEqual(f);
      expect(q.filter((e) => e.error !== null), why).toEqual([]);
      const now = look();
      expect(q.map((e) => `${e.change} ${e.path}`).sort(), why).toEqual(expectedChanges(before, now));
      for (const e of q) expect(e.sha256, `${why}\n${JSON.stringify(e.path)}`).toBe(now.get(e.path)?.sha256 ?? null);
      expect(resultOf(quick.json, 'quick').counts, why).toEqual(resultOf(full.json, 'full').counts);
    }
  });
});
