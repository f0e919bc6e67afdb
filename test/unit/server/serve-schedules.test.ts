// `driftwatch serve` runs the scheduler unless --no-schedules: a due scheduled scan runs when the
// console starts, stops with it, and two consoles on one store run a due occurrence once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openEngine } from '../../../src/main/engine/engine.js';
import { parseServeArgs, startConsole, type RunningConsole } from '../../../src/main/server/serve-command.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A store with this machine in group g (a policy on a temp tree), its schedule due since long ago. */
async function storeWithDueSchedule(): Promise<string> {
  const home = tempDir('dw-serve-sched-home-');
  const tree = tempDir('dw-serve-sched-tree-');
  fs.writeFileSync(path.join(tree, 'a.conf'), 'a=1\n');
  const engine = openEngine({ home });
  try {
    const h = engine.handlers;
    await h['servers/add']({ name: 'this-machine', local: true });
    await h['policies/add']({ name: 'p' });
    await h['policies/addTarget']({ policy: 'p', target: { path: tree } });
    await h['groups/add']({ name: 'g', policies: ['p'] });
    await h['servers/move']({ names: ['this-machine'], group: 'g' });
    await h['baselines/create']({ policy: 'p', servers: ['this-machine'] });
    await h['schedules/set']({ group: 'g', every: '1h' });
    engine.db.prepare("UPDATE schedules SET next_run = '2001-01-01T00:00:00.000Z'").run();
  } finally {
    engine.close();
  }
  return home;
}

function scheduledScans(home: string): { scans: number; schedule: { lastStatus: string | null; lastRun: string | null; nextRun: string | null } } {
  const engine = openEngine({ home });
  try {
    const scans = (engine.db.prepare("SELECT COUNT(*) AS n FROM scans WHERE kind = 'scan'").get() as { n: number }).n;
    const schedule = (engine.handlers['schedules/list'](undefined) as { group: string; lastStatus: string | null; lastRun: string | null; nextRun: string | null }[]).find((s) => s.group === 'g')!;
    return { scans, schedule };
  } finally {
    engine.close();
  }
}

async function start(home: string, schedules?: boolean): Promise<RunningConsole> {
  const lines: string[] = [];
  const running = await startConsole({ home, ...(schedules === undefined ? {} : { schedules }), log: (l) => lines.push(l) });
  cleanup.push(() => running.stop());
  return running;
}

async function api(running: RunningConsole, name: string): Promise<unknown> {
  const res = await fetch(`${running.server.origin}/api/${name}`, { method: 'POST', headers: { authorization: `Bearer ${running.server.token}`, 'content-type': 'application/json' }, body: '' });
  const reply = (await res.json()) as { ok: boolean; data: unknown };
  expect(reply.ok).toBe(true);
  return reply.data;
}

describe('serve arguments', () => {
  it('reads --port, --open and --no-schedules, and refuses anything else in words', () => {
    expect(parseServeArgs([])).toEqual({});
    expect(parseServeArgs(['--port', '7400', '--no-schedules'])).toEqual({ port: 7400, schedules: false });
    expect(parseServeArgs(['--port=0', '--open'])).toEqual({ port: 0, open: true });
    expect(() => parseServeArgs(['--port'])).toThrow('--port takes a port number (0-65535), got nothing');
    expect(() => parseServeArgs(['--port', '99999'])).toThrow("got '99999'");
    expect(() => parseServeArgs(['--schedules=no'])).toThrow("unknown option '--schedules=no' for serve");
  });
});

describe('the scheduler of serve', () => {
  it('runs a due scheduled scan once the console starts, and stops with it', async () => {
    const home = await storeWithDueSchedule();
    const running = await start(home);
    expect(running.scheduler).not.toBeNull();
    await running.scheduler!.ready;
    // The console says so to its screens.
    expect(await api(running, 'schedules/runner')).toEqual({ here: true, owner: running.scheduler!.owner });
    await running.stop();
    const { scans, schedule } = scheduledScans(home);
    expect(scans).toBe(1);
    expect(schedule.lastStatus).toBe('ok');
    expect(Date.parse(schedule.nextRun!)).toBeGreaterThan(Date.now());
  });

  it('runs nothing with --no-schedules', async () => {
    const home = await storeWithDueSchedule();
    const running = await start(home, false);
    expect(running.scheduler).toBeNull();
    // A call through the console still works; the due run is left to another process.
    await api(running, 'schedules/list');
    // The console knows, so its schedule panels can say automatic scans are off here.
    expect(await api(running, 'schedules/runner')).toEqual({ here: false, owner: null });
    await running.stop();
    expect(scheduledScans(home)).toMatchObject({ scans: 0, schedule: { lastRun: null } });
  });

  it('two consoles on one store run a due occurrence once', async () => {
    const home = await storeWithDueSchedule();
    const [a, b] = await Promise.all([start(home), start(home)]);
    await Promise.all([a.scheduler!.ready, b.scheduler!.ready]);
    await Promise.all([a.stop(), b.stop()]);
    const { scans, schedule } = scheduledScans(home);
    expect(scans).toBe(1);
    expect(schedule.lastStatus).toBe('ok');
  });

  it('stops once, however often it is asked', async () => {
    const home = tempDir('dw-serve-stop-');
    const running = await start(home);
    const first = running.stop();
    expect(running.stop()).toBe(first);
    await first;
  });
});
