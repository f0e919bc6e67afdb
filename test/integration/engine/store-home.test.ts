// The store's folder and files on a real disk: the home 0700 and every file in it 0600 whatever
// the umask (an existing wider home is narrowed), a home made as mkdir -p or refused with a plain
// reason (a read-only file system), and a full disk (a small tmpfs as the home): the command
// fails saying so, the store keeps what it held, and the console (`serve`) keeps answering.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openEngine } from '../../../src/main/engine/engine.js';
import { startConsole } from '../../../src/main/server/serve-command.js';
import { cli, ok, removeTemps, scanJson, tempDir } from './helpers.js';

afterAll(removeTemps);

const mounted: string[] = [];
afterEach(() => {
  for (const m of mounted.splice(0)) execFileSync('umount', ['-l', m]);
});

function mountTmpfs(dir: string, options: string): void {
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
  mounted.push(dir);
}

const modeOf = (p: string) => fs.statSync(p).mode & 0o7777;
/** Every file in the home and its mode. */
const fileModes = (home: string) => Object.fromEntries(fs.readdirSync(home).map((f) => [f, modeOf(path.join(home, f))]));

describe('store permissions', () => {
  it('whatever the umask (0): the home is 0700, the store and its -wal and -shm 0600', async () => {
    const home = path.join(tempDir(), 'home');
    const was = process.umask(0);
    let engine;
    try {
      engine = openEngine({ home });
      await engine.handlers['servers/add']({ name: 'here', local: true });
      expect(modeOf(home)).toBe(0o700);
      expect(fileModes(home)).toEqual({ 'driftwatch.db': 0o600, 'driftwatch.db-wal': 0o600, 'driftwatch.db-shm': 0o600 });
    } finally {
      engine?.close();
      process.umask(was);
    }
  });

  it('an existing 0755 home with 0644 files (an older version) is narrowed to 0700 and 0600', async () => {
    const home = path.join(tempDir(), 'home');
    fs.mkdirSync(home, { mode: 0o755 });
    fs.chmodSync(home, 0o755);
    const db = new Database(path.join(home, 'driftwatch.db'));
    db.close();
    fs.chmodSync(path.join(home, 'driftwatch.db'), 0o644);
    fs.writeFileSync(path.join(home, 'notes.txt'), 'x', { mode: 0o644 });
    fs.chmodSync(path.join(home, 'notes.txt'), 0o644);
    await ok(home, 'server', 'list');
    expect(modeOf(home)).toBe(0o700);
    expect(fileModes(home)).toEqual({ 'driftwatch.db': 0o600, 'notes.txt': 0o600 });
  });

  it('a new home under folders that do not exist yet is made (mkdir -p), 0700', async () => {
    const home = path.join(tempDir(), 'a', 'b', 'home');
    await ok(home, 'server', 'add', 'here', '--local');
    expect(modeOf(home)).toBe(0o700);
    expect(fileModes(home)).toEqual({ 'driftwatch.db': 0o600 });
  });

  it('a new home on a read-only file system: a plain reason, nothing made', async () => {
    const ro = path.join(tempDir(), 'ro');
    mountTmpfs(ro, 'ro,size=1m');
    const home = path.join(ro, 'new', 'home');
    const r = await cli(home, 'server', 'list');
    expect(r.code).toBe(1);
    expect(r.err).toBe(`driftwatch: cannot create the Driftwatch home ${home}: the file system is read-only (in ${ro}); choose a folder you can write with --home DIR or DRIFTWATCH_HOME`);
    // serve says the same (it used to end with a stack trace).
    const serve = await cli(home, 'serve');
    expect(serve.code).toBe(1);
    expect(serve.err).toBe(r.err);
    expect(fs.readdirSync(ro)).toEqual([]);
  });
});

describe('a full disk', () => {
  /** Fills the file system of `dir` to the last byte; returns the filler to remove. */
  function fill(dir: string): string {
    const filler = path.join(dir, 'filler');
    const fd = fs.openSync(filler, 'w');
    const chunk = Buffer.alloc(64 * 1024, 1);
    try {
      for (let size = chunk.length; size >= 1; ) {
        try {
          fs.writeSync(fd, chunk, 0, size);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          size = Math.floor(size / 2);
        }
      }
    } finally {
      fs.closeSync(fd);
    }
    expect(fs.statfsSync(dir).bavail).toBe(0);
    return filler;
  }

  /** A store on a 16 MB tmpfs: this machine in group g, a policy on a tree of 2,000 files, a baseline, a clean scan. */
  async function smallDiskHome(): Promise<{ disk: string; home: string; tree: string }> {
    const dir = tempDir();
    const disk = path.join(dir, 'disk');
    mountTmpfs(disk, 'size=16m,mode=0755');
    const home = path.join(disk, 'home');
    const tree = path.join(dir, 'tree');
    fs.mkdirSync(tree);
    for (let i = 0; i < 2000; i++) fs.writeFileSync(path.join(tree, `f${i}`), `file ${i}\n`);
    await ok(home, 'policy', 'add', 'p');
    await ok(home, 'policy', 'target', 'add', 'p', tree, '--recursive');
    await ok(home, 'group', 'add', 'g', '--policy', 'p');
    await ok(home, 'server', 'add', 'here', '--local', '--group', 'g');
    await ok(home, 'baseline', 'p', '--server', 'here');
    expect((await scanJson(home)).code).toBe(0);
    return { disk, home, tree };
  }

  const FULL = (home: string) => `the disk holding the Driftwatch store (${home}) is full: this was not saved, and the store keeps what it held before. Free some space and run it again`;

  function rows(home: string): { scans: unknown[]; baselines: number; integrity: string } {
    const db = new Database(path.join(home, 'driftwatch.db'));
    try {
      return {
        scans: db.prepare('SELECT id, status FROM scans ORDER BY id').all(),
        baselines: (db.prepare('SELECT COUNT(*) AS n FROM baselines').get() as { n: number }).n,
        integrity: db.pragma('integrity_check', { simple: true }) as string,
      };
    } finally {
      db.close();
    }
  }

  it('a scan and a baseline fail saying the disk is full; the store keeps what it held and works once there is room', async () => {
    const { disk, home, tree } = await smallDiskHome();
    const before = rows(home);
    fs.appendFileSync(path.join(tree, 'f7'), 'changed\n');
    const filler = fill(disk);

    const scan = await cli(home, 'scan', '--json');
    expect(scan.code).toBe(2);
    expect(scan.err).toBe(`driftwatch: ${FULL(home)}`);
    const baseline = await cli(home, 'baseline', 'p', '--server', 'here');
    expect(baseline.code).toBe(1);
    expect(baseline.err).toBe(`driftwatch: ${FULL(home)}`);

    fs.rmSync(filler);
    expect(rows(home)).toEqual(before);
    expect(before.integrity).toBe('ok');
    const { code, json } = await scanJson(home);
    expect(code).toBe(1);
    expect(json.events.map((e) => e.path)).toEqual([path.join(tree, 'f7')]);
    expect((await cli(home, 'store', 'check')).code).toBe(0);
  });

  it('serve: a scan on a full disk fails saying so, and the console keeps answering', async () => {
    const { disk, home } = await smallDiskHome();
    const running = await startConsole({ home, schedules: false, log: () => undefined });
    try {
      const call = async (name: string, args?: unknown) => {
        const res = await fetch(`${running.server.origin}/api/${name}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${running.server.token}`, 'content-type': 'application/json' },
          body: args === undefined ? '' : JSON.stringify(args),
        });
        return (await res.json()) as { ok: boolean; data?: { servers: { name: string; status: string; reason?: string }[] } };
      };
      const filler = fill(disk);
      const run = await call('scans/run', { all: true });
      expect(run.ok).toBe(true);
      expect(run.data!.servers).toEqual([{ name: 'here', status: 'failed', reason: FULL(home) }]);
      expect((await call('servers/list')).ok).toBe(true);
      fs.rmSync(filler);
      const again = await call('scans/run', { all: true });
      expect(again.data!.servers[0]!.status).toBe('completed_clean');
    } finally {
      await running.stop();
    }
  });
});
