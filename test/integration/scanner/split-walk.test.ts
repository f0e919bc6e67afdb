// A quick scan's metadata pass in two walks at once (scan.sh split_walks, scanner/walk-split.ts):
// whatever the directories named for the second walk have become since the last full scan (a
// file, a link, a mount point, excluded, unreadable, gone), the scan finds exactly what one walk
// finds; hosts without GNU find -printf or perl walk once. Then the whole chain through the
// engine: a tree large enough is split from the layout of its stored packs.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/main/cli/main.js';
import type { Reference } from '../../../src/main/scan/collect.js';
import { memoryReference } from '../../../src/main/scan/fidelity.js';
import type { PackLayout } from '../../../src/main/store/packs/pack-store.js';
import { canMount, entryLines, scan, scannerHosts, target, type Variant } from './helpers.js';
import { byteString } from '../../../src/main/model/entry.js';

let dir: string;
let variants: Record<string, Variant>;
scannerHosts((d, v) => ([dir, variants] = [d, v]));

const write = (p: string, text = 'x\n') => {
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
};

/** A layout in which each of `names` below `root` holds a pack of 100 entries (two begin in it), beside `own` of the root's own. */
const layoutOf = (root: string, names: string[], own = 1000): PackLayout[] => [
  { firstPath: byteString(`${root}/0-file`), entries: own },
  ...names.flatMap((n) => [{ firstPath: byteString(`${root}/${n}/x`), entries: 100 }, { firstPath: byteString(`${root}/${n}/y`), entries: 100 }]),
];

// Directories named for the second walk, and what each is by the quick scan.
const NAMED = ['big', 'b c[1]*?', 'linkdir', 'turned', 'gone', 'excluded', 'unread', 'deep'];

function buildTrees(t: string, t2: string): void {
  for (let i = 0; i < 5; i++) write(path.join(t, 'big', `d${i}`, `f${i}`), `${i}\n`);
  write(path.join(t, 'b c[1]*?', 'in [x]'));
  fs.symlinkSync('big', path.join(t, 'linkdir'));
  write(path.join(t, 'turned'), 'a file now\n');
  write(path.join(t, 'excluded', 'hidden'));
  write(path.join(t, 'unread', 'secret'));
  fs.chmodSync(path.join(t, 'unread'), 0o000);
  write(path.join(t, 'deep', 'x', 'y', 'z'));
  write(path.join(t, 'top-file'));
  fs.mkdirSync(path.join(t, 'not-named'));
  write(path.join(t, 'not-named', 'n'));
  // Two levels at most, and only *.conf (and the root).
  write(path.join(t2, 'a', 'x.conf'));
  write(path.join(t2, 'a', 'y.txt'));
  write(path.join(t2, 'a', 'deeper', 'z.conf'));
  write(path.join(t2, 'b', 'w.conf'));
  write(path.join(t2, 'c.conf'));
}

describe.each(['dash', 'bash', 'nobody-dash', 'busybox', 'noprintf', 'noperl'])('the metadata pass in two walks under %s', (name) => {
  // GNU find -printf and perl (the merger) are what the second walk needs.
  const splits = ['dash', 'bash', 'nobody-dash'].includes(name);

  it('finds what one walk finds, whatever the named directories have become', async () => {
    const t = path.join(dir, `split-${name}`);
    const t2 = path.join(dir, `split2-${name}`);
    buildTrees(t, t2);
    try {
      const targets = [target(t, { exclude: ['excluded'] }), target(t2, { depth: 2, include: ['*.conf'] })];
      const v = variants[name]!;
      const full = await scan(v, targets);
      const reference: Reference = { ...memoryReference(full.entries.values()), layout: [...layoutOf(t, NAMED), ...layoutOf(t2, ['a', 'b'])] };
      write(path.join(t, 'big', 'd0', 'f0'), 'changed\n');
      write(path.join(t, 'not-named', 'new'));
      const one = await scan(v, targets, { reference, splitFrom: Infinity });
      const two = await scan(v, targets, { reference, splitFrom: 0 });
      expect(one.facts['split-walk']).toBe('0');
      expect(two.facts['split-walk']).toBe(splits ? String(NAMED.length + 2) : '0');
      expect(two.mode).toBe('quick');
      expect(entryLines(two)).toEqual(entryLines(one));
      // What one walk finds, to be sure the equality says something.
      const paths = [...two.entries.keys()];
      expect(paths).toEqual(expect.arrayContaining([path.join(t, 'big/d0/f0'), path.join(t, 'b c[1]*?/in [x]'), path.join(t, 'linkdir'), path.join(t, 'turned'), path.join(t, 'deep/x/y/z'), path.join(t, 'not-named/new'), path.join(t2, 'a/x.conf')]));
      expect(paths.filter((p) => p.includes('excluded') || p.startsWith(path.join(t, 'linkdir/')) || p.endsWith('y.txt') || p.endsWith('z.conf'))).toEqual([]);
      expect(two.entries.get(byteString(path.join(t, 'big/d0/f0')))!.attrs.sha256).toBe(one.entries.get(byteString(path.join(t, 'big/d0/f0')))!.attrs.sha256);
      const unread = two.entries.get(byteString(path.join(t, 'unread')))!;
      if (name.startsWith('nobody')) expect(unread.error).toMatch(/Permission denied/);
      else expect(two.entries.has(byteString(path.join(t, 'unread/secret')))).toBe(true);
    } finally {
      fs.chmodSync(path.join(t, 'unread'), 0o755);
    }
  });

  it.runIf(canMount)('does not enter a named directory that became another file system (the target stays on its own)', async () => {
    const t = path.join(dir, `split-mnt-${name}`);
    write(path.join(t, 'mnt', 'before'));
    write(path.join(t, 'rest', 'r'));
    const full = await scan(variants[name]!, [target(t)]);
    execFileSync('mount', ['-t', 'tmpfs', 'none', path.join(t, 'mnt')]);
    try {
      write(path.join(t, 'mnt', 'inner'));
      const reference: Reference = { ...memoryReference(full.entries.values()), layout: layoutOf(t, ['mnt', 'rest'], 100) };
      const one = await scan(variants[name]!, [target(t)], { reference, splitFrom: Infinity });
      const two = await scan(variants[name]!, [target(t)], { reference, splitFrom: 0 });
      expect(two.facts['split-walk']).toBe(splits ? '2' : '0');
      expect(entryLines(two)).toEqual(entryLines(one));
      expect(two.entries.has(byteString(path.join(t, 'mnt')))).toBe(true);
      expect(two.entries.has(byteString(path.join(t, 'mnt/inner')))).toBe(false);
    } finally {
      execFileSync('umount', ['-l', path.join(t, 'mnt')]);
    }
  });
});

describe('a quick scan of a large tree through the engine', () => {
  async function cli(home: string, ...args: string[]): Promise<{ code: number; out: string }> {
    const out: string[] = [];
    const code = await main(['--home', home, ...args], { out: (text) => out.push(text), err: () => undefined });
    return { code, out: out.join('\n') };
  }

  it('walks in two where the last full scan says it is worth it, and sees changes on both sides', async () => {
    const home = path.join(dir, 'engine-home');
    const t = path.join(dir, 'large');
    // 24,000 files in three directories: over SPLIT_FROM entries, each directory over a pack.
    for (let d = 0; d < 3; d++) {
      fs.mkdirSync(path.join(t, `d${d}`), { recursive: true });
      for (let f = 0; f < 8000; f++) fs.writeFileSync(path.join(t, `d${d}`, `f${f}`), `${d}.${f}\n`);
    }
    for (const args of [['policy', 'add', 'p'], ['policy', 'target', 'add', 'p', t, '--recursive'], ['group', 'add', 'g', '--policy', 'p'], ['server', 'add', 'me', '--local', '--group', 'g']]) {
      expect((await cli(home, ...args)).code).toBe(0);
    }
    expect((await cli(home, 'baseline', 'p', '--server', 'me')).code).toBe(0);
    const splitFact = () => {
      const db = new Database(path.join(home, 'driftwatch.db'), { readonly: true });
      try {
        const row = db.prepare('SELECT facts_json FROM server_preflight').get() as { facts_json: string };
        return (JSON.parse(row.facts_json) as Record<string, string>)['split-walk'];
      } finally {
        db.close();
      }
    };
    const quick = async () => JSON.parse((await cli(home, 'scan', '--quick', '--json')).out) as { servers: { mode: string; status: string }[]; events: { path: string; change: string }[] };
    const clean = await quick();
    expect(clean.servers[0]).toMatchObject({ mode: 'quick', status: 'completed_clean' });
    expect(Number(splitFact())).toBeGreaterThan(0);
    // A change in each directory: one walk has some, the other the rest.
    for (let d = 0; d < 3; d++) fs.writeFileSync(path.join(t, `d${d}`, 'f0'), 'changed\n');
    fs.writeFileSync(path.join(t, 'new'), 'new\n');
    const changed = await quick();
    expect(changed.events.map((e) => [e.path, e.change]).sort()).toEqual([
      [path.join(t, 'd0/f0'), 'modified'],
      [path.join(t, 'd1/f0'), 'modified'],
      [path.join(t, 'd2/f0'), 'modified'],
      [path.join(t, 'new'), 'added'],
    ]);
  });
});
