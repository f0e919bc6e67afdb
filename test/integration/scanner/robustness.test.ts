// A live system: files vanishing and changing during the scan, FIFOs (never opened), devices,
// symlink loops, a bind-mount loop, a huge sparse file, other file systems under a target (not
// entered unless the target asks), and many parallel hash workers sharing one pipe.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { canMount, scan, scannerHosts, target, type Variant } from './helpers.js';
import { byteString } from '../../../src/main/model/entry.js';

let dir: string;
let variants: Record<string, Variant>;
scannerHosts((d, v) => ([dir, variants] = [d, v]));

const sha = (p: string | Buffer) => createHash('sha256').update(fs.readFileSync(p)).digest('hex');

const VARIANTS = ['dash', 'bash', 'busybox', 'noprintf'];

describe.each(VARIANTS)('under %s', (name) => {
  it('files vanishing, appearing and changing during the scan: the scan completes, and what stayed is exact', async () => {
    const t = path.join(dir, `churn-${name}`);
    fs.mkdirSync(path.join(t, 'stable'), { recursive: true });
    fs.mkdirSync(path.join(t, 'churn'));
    for (let i = 0; i < 200; i++) fs.writeFileSync(path.join(t, 'stable', `s${i}`), `stable ${i}\n`);
    // A writer that keeps creating, rewriting, renaming and deleting files and directories.
    const churn = spawn('sh', ['-c', `cd '${t}/churn' && i=0; while :; do i=$((i+1)); echo $i > f$((i%50)); mkdir -p d$((i%7)); echo x > d$((i%7))/g; mv f$((i%50)) m$((i%13)) 2>/dev/null; rm -rf d$(((i+3)%7)) m$(((i+5)%13)); done`], { stdio: 'ignore' });
    try {
      for (let round = 0; round < 3; round++) {
        const c = await scan(variants[name]!, [target(t)]);
        for (let i = 0; i < 200; i++) expect(c.entries.get(byteString(path.join(t, 'stable', `s${i}`)))!.attrs.sha256).toBe(sha(path.join(t, 'stable', `s${i}`)));
        for (const e of c.entries.values()) {
          // A churned file is either hashed exactly as some content it had, or marked as not hashed with the host's reason.
          if (e.attrs.type === 'file' && e.attrs.sha256 === null) expect(e.error).toMatch(/^(not hashed: (No such file or directory|no longer a regular file)|Permission denied)$/);
        }
      }
    } finally {
      churn.kill('SIGKILL');
    }
  });

  it('a FIFO with no writer is never opened, even in a content target; devices, symlink loops recorded', async () => {
    const t = path.join(dir, `special-${name}`);
    fs.mkdirSync(t);
    execFileSync('mkfifo', [path.join(t, 'fifo')]);
    execFileSync('mknod', [path.join(t, 'tty'), 'c', '5', '0']);
    fs.symlinkSync('b', path.join(t, 'a'));
    fs.symlinkSync('a', path.join(t, 'b'));
    fs.symlinkSync('..', path.join(t, 'up'));
    const c = await scan(variants[name]!, [target(t, { content: 1000 })]);
    expect(c.entries.get(byteString(path.join(t, 'fifo')))!.attrs).toMatchObject({ type: 'fifo', sha256: null });
    expect(c.entries.get(byteString(path.join(t, 'fifo')))!.attrs.content).toBeUndefined();
    expect(c.entries.get(byteString(path.join(t, 'tty')))!.attrs).toMatchObject({ type: 'char', device: '5:0' });
    expect(c.entries.get(byteString(path.join(t, 'a')))!.attrs.target).toBe('b');
    expect(c.entries.get(byteString(path.join(t, 'up')))!.attrs.target).toBe('..');
    expect(c.entries.size).toBe(6);
  });

  it.runIf(canMount)('another file system below a target is not entered unless the target asks; a bind-mount loop ends', async () => {
    const t = path.join(dir, `mounts-${name}`);
    fs.mkdirSync(path.join(t, 'proc'), { recursive: true });
    fs.mkdirSync(path.join(t, 'tmp'));
    fs.mkdirSync(path.join(t, 'loop'));
    fs.writeFileSync(path.join(t, 'f'), 'f\n');
    execFileSync('mount', ['-t', 'proc', 'proc', path.join(t, 'proc')]);
    execFileSync('mount', ['-t', 'tmpfs', 'none', path.join(t, 'tmp')]);
    fs.writeFileSync(path.join(t, 'tmp', 'inner'), 'i\n');
    execFileSync('mount', ['--bind', t, path.join(t, 'loop')]);
    try {
      const c = await scan(variants[name]!, [target(t)]);
      expect([...c.entries.keys()].filter((p) => p.startsWith(path.join(t, 'proc/')))).toEqual([]);
      expect(c.entries.has(byteString(path.join(t, 'tmp/inner')))).toBe(false);
      expect(c.entries.has(byteString(path.join(t, 'proc')))).toBe(true);
      const crossing = await scan(variants[name]!, [target(t, { crossMounts: true, exclude: ['proc'] })]);
      expect(crossing.entries.get(byteString(path.join(t, 'tmp/inner')))!.attrs.sha256).toBe(sha(path.join(t, 'tmp/inner')));
      // The bind mount of the tree into itself: entered once at most (same file system), never forever.
      expect(crossing.entries.size).toBeLessThan(40);
    } finally {
      for (const m of ['loop', 'tmp', 'proc']) execFileSync('umount', ['-l', path.join(t, m)]);
    }
  });
});

describe('huge and many', () => {
  it('a huge sparse file is hashed by streaming (1 GiB of holes)', async () => {
    const t = path.join(dir, 'sparse');
    fs.mkdirSync(t);
    execFileSync('truncate', ['-s', '1G', path.join(t, 'holes')]);
    const c = await scan(variants.dash!, [target(t)]);
    expect(c.entries.get(byteString(path.join(t, 'holes')))!.attrs).toMatchObject({ size: 1073741824, sha256: '49bc20df15e412a64472421e13fe86ff1c5165e18b2afccf160d4dc19fe68a14' });
  });

  it.each(['dash', 'busybox'])('%s: hash lines from 8 parallel workers never interleave (2,000 names of ~3,800 bytes, and longer ones)', async (name) => {
    const t = path.join(dir, `long-${name}`);
    // Directories of 200-byte names nested to ~3,600 bytes, then files whose full path is near the
    // 3,900-byte line limit, some just under it and some over it (hashed one by one instead).
    let d = t;
    while (d.length + 201 < 3700) d = path.join(d, 'n'.repeat(200));
    d = path.join(d, 'n'.repeat(3700 - d.length - 1));
    fs.mkdirSync(d, { recursive: true });
    const files: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const len = 3880 + (i % 40) - d.length; // full paths from 3,880 to 3,919 bytes
      const p = path.join(d, `${i}-`.padEnd(len - 1, 'x'));
      fs.writeFileSync(p, `content ${i}\n`.repeat(1 + (i % 7)));
      files.push(p);
    }
    const c = await scan(variants[name]!, [target(t)], { settings: { jobs: 8 } });
    expect(c.facts.jobs).toBe('8');
    for (const p of files) expect(c.entries.get(byteString(p))!.attrs.sha256, p.slice(-20)).toBe(sha(p));
  });
});
