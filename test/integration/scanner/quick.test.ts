// Quick scans: only regular files whose size, mtime, ctime or inode changed since the server's
// last full scan are hashed again; a full scan runs at least every N scans or D days, or when
// forced; each scan records which mode ran.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/main/cli/main.js';
import { memoryReference } from '../../../src/main/scan/reference/stored-reference.js';
import { scan, scannerHosts, target, type Variant } from './helpers.js';
import { byteString } from '../../../src/main/model/entry.js';

let dir: string;
let variants: Record<string, Variant>;
scannerHosts((d, v) => ([dir, variants] = [d, v]));

const sha = (p: string) => createHash('sha256').update(fs.readFileSync(p)).digest('hex');
/** Write new content of the same size and put the exact (nanosecond) mtime back: only ctime moves. */
function rewriteKeepingMtime(p: string, content: string): void {
  const st = fs.statSync(p, { bigint: true });
  fs.writeFileSync(p, content);
  execFileSync('touch', ['-m', '-d', `@${st.mtimeNs / 1_000_000_000n}.${(st.mtimeNs % 1_000_000_000n).toString().padStart(9, '0')}`, p]);
  expect(fs.statSync(p, { bigint: true }).mtimeNs).toBe(st.mtimeNs);
}

async function cli(home: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['--home', home, ...args], { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

// dash reads the attributes beyond stat(2) with perl, noperl with getfattr and lsattr (both in
// the full scan and in the quick scan's list run).
describe.each(['dash', 'noperl', 'busybox', 'noprintf'])('a quick scan under %s', (name) => {
  it('hashes only what changed; the rest keeps the full scan hash', async () => {
    const t = path.join(dir, `q-${name}`);
    fs.mkdirSync(t);
    for (let i = 0; i < 50; i++) fs.writeFileSync(path.join(t, `f${i}`), `file ${i}\n`);
    fs.writeFileSync(path.join(t, 'new\nline'), 'nl\n');
    const v = variants[name]!;
    const full = await scan(v, [target(t)]);
    expect(full.mode).toBe('full');
    expect(full.hashed).toBe(51);
    // The reference, encoded as the store keeps it (no entry counted "racy").
    const ref = memoryReference(full.entries.values());
    // Same size, mtime put back: only ctime tells. A replaced file: a new inode. A new file.
    rewriteKeepingMtime(path.join(t, 'f1'), 'FILE 1\n');
    fs.writeFileSync(path.join(t, 'f2.tmp'), 'file 2 replaced\n');
    fs.renameSync(path.join(t, 'f2.tmp'), path.join(t, 'f2'));
    fs.writeFileSync(path.join(t, 'f-new'), 'new\n');
    fs.writeFileSync(path.join(t, 'new\nline'), 'NL\n');
    // Attributes only: they move ctime, and the list run reads them again.
    execFileSync('setfattr', ['-n', 'user.mark', '-v', 'set', path.join(t, 'f3')]);
    execFileSync('chattr', ['+a', path.join(t, 'f4')]);
    try {
      const quick = await scan(v, [target(t)], { reference: ref });
      expect(quick.mode).toBe('quick');
      expect(quick.hashed).toBe(6);
      if (name === 'dash' || name === 'noperl') {
        expect(quick.entries.get(byteString(path.join(t, 'f3')))!.attrs.xattrs).toBe('user.mark=0x736574');
        expect(quick.entries.get(byteString(path.join(t, 'f4')))!.attrs.flags).toBe('a');
      }
      for (const e of quick.entries.values()) if (e.attrs.type === 'file') expect(e.attrs.sha256, JSON.stringify(e.path)).toBe(sha(e.path));
      // The same entries as a full scan would give, attributes beyond stat(2) included.
      const again = await scan(v, [target(t)]);
      for (const [p, e] of again.entries) expect(quick.entries.get(p)!.attrs, JSON.stringify(p)).toEqual(e.attrs);
    } finally {
      execFileSync('chattr', ['-a', path.join(t, 'f4')]);
    }
  });
});

describe('full or quick, through the engine', () => {
  let home: string;
  let t: string;
  const modes = () => {
    const db = new Database(path.join(home, 'driftwatch.db'), { readonly: true });
    try {
      return (db.prepare("SELECT mode FROM scans WHERE kind = 'scan' ORDER BY id").all() as { mode: string }[]).map((r) => r.mode);
    } finally {
      db.close();
    }
  };
  beforeAll(async () => {
    home = path.join(dir, 'home');
    t = path.join(dir, 'engine-tree');
    fs.mkdirSync(t);
    fs.writeFileSync(path.join(t, 'a'), 'a\n');
    fs.writeFileSync(path.join(t, 'b'), 'b\n');
    for (const args of [['policy', 'add', 'p'], ['policy', 'target', 'add', 'p', t, '--recursive', '--compare', 'self'], ['group', 'add', 'g', '--policy', 'p'], ['server', 'add', 'me', '--local', '--group', 'g']]) {
      expect((await cli(home, ...args)).code).toBe(0);
    }
  });

  it('the first scan is full, then quick; a full one after N quick scans; --full and --quick force it', async () => {
    expect((await cli(home, 'server', 'settings', 'me', '--full-every', '2')).out).toMatch(/a full one after 2 quick scans/);
    // The first scan records the self target's state (not compared, 3); the next compare with it (0).
    for (let i = 0; i < 4; i++) expect((await cli(home, 'scan')).code).toBe(i === 0 ? 3 : 0);
    expect(modes()).toEqual(['full', 'quick', 'quick', 'full']);
    await cli(home, 'scan', '--full');
    await cli(home, 'scan', '--quick');
    expect(modes().slice(4)).toEqual(['full', 'quick']);
    const show = await cli(home, 'server', 'show', 'me', '--json');
    expect((JSON.parse(show.out) as { scans: { mode: string }[] }).scans.map((s) => s.mode).slice(0, 2)).toEqual(['quick', 'full']);
    expect((await cli(home, 'scan', '--quick', '--full')).code).toBe(2);
  });

  it('a change that keeps size and mtime is still found by a quick scan (ctime)', async () => {
    await cli(home, 'scan', '--full');
    const p = path.join(t, 'a');
    rewriteKeepingMtime(p, 'A\n');
    const r = await cli(home, 'scan', '--quick', '--json');
    const json = JSON.parse(r.out) as { servers: { mode: string }[]; events: { path: string; attributes: { name: string }[] }[] };
    expect(json.servers[0]!.mode).toBe('quick');
    expect(json.events.find((e) => e.path === p)!.attributes.map((a) => a.name)).toEqual(['sha256', 'ctime']);
  });

  it('a quick scan sees a new capability, xattr or immutable flag (they move ctime), and reuses the rest', async () => {
    await cli(home, 'scan', '--full');
    const p = path.join(t, 'b');
    execFileSync('setcap', ['cap_setuid+ep', p]);
    execFileSync('chattr', ['+i', p]);
    try {
      const r = await cli(home, 'scan', '--quick', '--json');
      const json = JSON.parse(r.out) as { servers: { mode: string }[]; events: { path: string; attributes: { name: string; current: unknown }[] }[] };
      expect(json.servers[0]!.mode).toBe('quick');
      const names = json.events.find((e) => e.path === p)!.attributes.map((a) => [a.name, a.current]);
      expect(names).toEqual(expect.arrayContaining([['caps', 'cap_setuid=ep'], ['flags', 'i']]));
    } finally {
      execFileSync('chattr', ['-i', p]);
    }
  });

  it('a full scan when the last one is older than D days', async () => {
    await cli(home, 'server', 'settings', 'me', '--full-every', '100', '--full-every-days', '0');
    await cli(home, 'scan');
    expect(modes().at(-1)).toBe('full');
    await cli(home, 'server', 'settings', 'me', '--full-every-days', '7');
    await cli(home, 'scan');
    expect(modes().at(-1)).toBe('quick');
  });

  it('the reference leaves out entries written within 2 s of the full scan (racy), so they are hashed again', async () => {
    const { referenceLookup } = await import('../../../src/main/scan/reference/stored-reference.js');
    const db = new Database(path.join(home, 'driftwatch.db'));
    try {
      const id = (db.prepare("SELECT id FROM servers WHERE name = 'me'").get() as { id: number }).id;
      db.prepare('UPDATE server_full_scans SET host_time = ? WHERE server_id = ?').run(String(2 ** 40), id); // nothing racy yet
      const ctime = Number(referenceLookup(db, id)(path.join(t, 'b'))!.ctime);
      db.prepare('UPDATE server_full_scans SET host_time = ? WHERE server_id = ?').run(String(Math.floor(ctime) + 100), id);
      expect(referenceLookup(db, id)(path.join(t, 'b'))).toBeDefined();
      db.prepare('UPDATE server_full_scans SET host_time = ? WHERE server_id = ?').run(String(Math.floor(ctime) + 1), id);
      expect(referenceLookup(db, id)(path.join(t, 'b'))).toBeUndefined();
    } finally {
      db.close();
    }
  });
});

describe('gentle', () => {
  it('nice and ionice by default, the parallel hash workers as set', async () => {
    const t = path.join(dir, 'gentle');
    fs.mkdirSync(t);
    fs.writeFileSync(path.join(t, 'f'), 'f\n');
    const c = await scan(variants.dash!, [target(t)], { settings: { jobs: 3 } });
    expect(c.facts).toMatchObject({ niced: '10', ioniced: 'best-effort:7', jobs: '3' });
    const plain = await scan(variants.dash!, [target(t)], { settings: { nice: false } });
    expect(plain.facts.niced).toBeUndefined();
    expect(plain.facts.jobs).toBe(execFileSync('nproc').toString().trim());
  });
});
