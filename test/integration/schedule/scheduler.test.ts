// The scheduler against real local scans: decisions with an injected clock (due, not due, caught up
// once, scan on start, groups without a policy), two schedulers on one store (in one process and as
// two real processes), failed scheduled scans alerted, the store-level scan lock, node-cron for real
// with a per-second expression, and the CLI commands.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../src/main/cli/main.js';
import { openEngine, type Engine } from '../../../src/main/engine/engine.js';
import { serverLockName, releaseLock, tryLock } from '../../../src/main/store/locks.js';
import { createScheduler, startScheduler, type ScheduledRun } from '../../../src/main/schedule/scheduler.js';
import { setSchedule } from '../../../src/main/schedule/schedules.js';
import { LocalTransport } from '../../../src/main/transport/local.js';
import { call, cleanup, setupLocal, tempDir, type Setup } from '../alert/helpers.js';

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function local(prefix: string, options: Parameters<typeof setupLocal>[1] = {}): Promise<Setup> {
  const s = await setupLocal(prefix, options);
  closers.push(() => {
    s.engine.close();
    cleanup(s.home, s.tree);
  });
  return s;
}

function scans(engine: Engine, kind: 'scan' | 'baseline' = 'scan'): number {
  return (engine.db.prepare('SELECT COUNT(*) AS n FROM scans WHERE kind = ?').get(kind) as { n: number }).n;
}

/** Local wall-clock time on a fixed day, so the expectations hold in any time zone. */
const at = (h: number, m = 0, s = 0, day = 7) => new Date(2031, 0, day, h, m, s);

describe('scheduler (injected clock)', () => {
  it('runs a group when it is due, not before, and catches missed runs up once', async () => {
    const { engine } = await local('sched1');
    let now = at(10, 30);
    setSchedule(engine.db, { group: 'G', every: '1h' }, now);
    expect((await call(engine, 'schedules/list', undefined))[0]).toMatchObject({ group: 'G', every: '1h', cron: '0 * * * *', nextRun: at(11).toISOString(), lastRun: null, hasPolicy: true });
    const scheduler = createScheduler(engine, { clock: () => now });

    now = at(10, 59, 59);
    expect(await scheduler.tick()).toEqual([]);
    expect(scans(engine)).toBe(0);

    now = at(11);
    const [run, ...more] = await scheduler.tick();
    expect(more).toEqual([]);
    expect(run).toMatchObject({ group: 'G', reason: 'due', dueAt: at(11).toISOString(), status: 'ok' });
    expect(run!.results.map((r) => [r.name, r.status])).toEqual([['s1', 'completed_clean']]);
    expect(scans(engine)).toBe(1);
    expect((await call(engine, 'schedules/list', undefined))[0]).toMatchObject({ nextRun: at(12).toISOString(), lastRun: at(11).toISOString(), lastStatus: 'ok' });
    expect(await scheduler.tick()).toEqual([]);

    // Nothing ran from 12:00 to 16:00 (five missed runs): one run catches up, the next is 17:00.
    now = at(16, 10);
    expect((await scheduler.tick()).map((r) => r.reason)).toEqual(['due']);
    expect(await scheduler.tick()).toEqual([]);
    expect(scans(engine)).toBe(2);
    expect((await call(engine, 'schedules/list', undefined))[0]!.nextRun).toBe(at(17).toISOString());
  });

  it('computes daily, weekly and cron schedules, and runs on start once per scheduler', async () => {
    const { engine } = await local('sched2');
    let now = at(10, 30); // 2031-01-07 is a Tuesday
    expect(setSchedule(engine.db, { group: 'G', every: '1d' }, now).nextRun).toBe(at(2, 0, 0, 8).toISOString());
    expect(setSchedule(engine.db, { group: 'G', every: '1w' }, now).nextRun).toBe(at(2, 0, 0, 12).toISOString());
    expect(setSchedule(engine.db, { group: 'G', cron: '15 */6 * * 1-5' }, now).nextRun).toBe(at(12, 15).toISOString());
    setSchedule(engine.db, { group: 'G', every: '12h', onStart: true }, now);
    const first = createScheduler(engine, { clock: () => now });
    expect((await first.tick({ startup: true })).map((r) => r.reason)).toEqual(['start']);
    expect(await first.tick({ startup: true })).toEqual([]);
    expect(await first.tick()).toEqual([]);
    now = at(10, 45);
    const second = createScheduler(engine, { clock: () => now });
    expect((await second.tick({ startup: true })).map((r) => r.reason)).toEqual(['start']);
    expect(scans(engine)).toBe(2);
    expect((await call(engine, 'schedules/list', undefined))[0]!.nextRun).toBe(at(12).toISOString());
  });

  it('shows a run whose scheduler died as interrupted', async () => {
    const { engine } = await local('sched-dead');
    setSchedule(engine.db, { group: 'G', every: '1h' }, at(1));
    engine.db.prepare("UPDATE schedules SET last_run = ?, last_status = 'running', last_message = 'started by x'").run(at(2).toISOString());
    expect((await call(engine, 'schedules/list', undefined))[0]).toMatchObject({ lastStatus: 'failed', lastMessage: expect.stringMatching(/^interrupted/) });
  });

  it('does not scan a group without a policy, and records why', async () => {
    const { engine } = await local('sched3');
    await call(engine, 'groups/add', { name: 'Empty' });
    await call(engine, 'servers/add', { name: 's2', local: true, group: 'Empty' });
    let now = at(9, 59);
    setSchedule(engine.db, { group: 'Empty', every: '1h' }, now);
    const scheduler = createScheduler(engine, { clock: () => now });
    now = at(10);
    const [run] = await scheduler.tick();
    expect(run).toMatchObject({ group: 'Empty', status: 'skipped', results: [] });
    expect(run!.message).toMatch(/no policy/);
    expect(scans(engine)).toBe(0);
    const info = (await call(engine, 'schedules/list', undefined)).find((s) => s.group === 'Empty')!;
    expect(info).toMatchObject({ hasPolicy: false, lastStatus: 'skipped', nextRun: at(11).toISOString() });
  });

  it('never runs one occurrence twice with two schedulers on one store', async () => {
    const { engine, home } = await local('sched4');
    const other = openEngine({ home });
    closers.push(() => other.close());
    let now = at(7, 30);
    setSchedule(engine.db, { group: 'G', every: '1h' }, now);
    const a = createScheduler(engine, { clock: () => now });
    const b = createScheduler(other, { clock: () => now });
    now = at(8, 0, 1);
    const runs = (await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()])).flat();
    expect(runs).toHaveLength(1);
    expect(scans(engine)).toBe(1);

    // While one scheduler holds a group's lease (its run is going on), the other does not start it.
    now = at(9, 0, 1);
    const lock = `schedule:group:${(engine.db.prepare("SELECT id FROM groups WHERE name = 'G'").get() as { id: number }).id}`;
    expect(tryLock(engine.db, lock, 'someone-else', 60_000, now).ok).toBe(true);
    expect(await b.tick()).toEqual([]);
    releaseLock(engine.db, lock, 'someone-else');
    expect(await b.tick()).toHaveLength(1);
    expect(scans(engine)).toBe(2);
  });

  it('never runs one occurrence twice with two run-schedules processes started together', async () => {
    const { engine, home } = await local('sched5');
    setSchedule(engine.db, { group: 'G', every: '1h' }, new Date(Date.now() - 3 * 3600_000)); // overdue
    const bin = path.resolve('bin/driftwatch.js');
    const runOnce = () =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, [bin, '--home', home, 'run-schedules', '--once'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.stderr.on('data', (c: Buffer) => (out += c.toString()));
        child.on('exit', (code) => resolve({ code, out }));
      });
    const [one, two] = await Promise.all([runOnce(), runOnce()]);
    expect([one.code, two.code]).toEqual([0, 0]);
    expect([one.out, two.out].filter((o) => o.includes('ran 1 scheduled scan')).length).toBe(1);
    expect([one.out, two.out].filter((o) => o.includes('ran 0 scheduled scan')).length).toBe(1);
    expect(scans(engine)).toBe(1);
  });

  it('alerts a failed scheduled scan, and not an interactive one', async () => {
    const dir = tempDir('sched-alert');
    closers.push(() => cleanup(dir));
    const file = path.join(dir, 'alerts.jsonl');
    const { engine } = await local('sched6', {
      remoteTransport: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:2222');
      },
    });
    await call(engine, 'alertProfiles/add', { name: 'ops', jsonl: file, events: 'critical', isDefault: true });
    await call(engine, 'servers/add', { name: 'web-1', host: '127.0.0.1', port: 2222, group: 'G' });
    await engine.scan({ servers: ['web-1'] });
    await engine.alerts.settled();
    expect(fs.existsSync(file)).toBe(false);

    let now = at(5, 30);
    setSchedule(engine.db, { group: 'G', every: '1h' }, now);
    now = at(6);
    const [run] = await createScheduler(engine, { clock: () => now }).tick();
    expect(run).toMatchObject({ status: 'partial' });
    await engine.alerts.settled();
    expect(run!.message).toMatch(/2 servers, 1 clean, 0 with findings, 1 failed \(web-1: connect ECONNREFUSED/);
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([expect.objectContaining({ kind: 'scan_failed', server: 'web-1', group: 'G', scheduled: true, reason: 'connect ECONNREFUSED 127.0.0.1:2222' })]);
  });

  it('a scheduled run with a server not compared is partial, never ok, and alerted once when it starts', async () => {
    const dir = tempDir('sched-uncompared');
    closers.push(() => cleanup(dir));
    const file = path.join(dir, 'alerts.jsonl');
    const { engine, tree } = await local('sched7');
    await call(engine, 'alertProfiles/add', { name: 'ops', jsonl: file, events: 'critical', isDefault: true });
    // A second policy on the group with no baseline: s1's scans compare P but not Q.
    await call(engine, 'policies/add', { name: 'Q' });
    await call(engine, 'policies/addTarget', { policy: 'Q', target: { path: path.join(tree, 'quiet'), depth: null } });
    await call(engine, 'groups/assign', { name: 'G', policy: 'Q' });
    const [interactive] = await engine.scan({ servers: ['s1'] });
    expect(interactive!.status).toBe('not_compared');
    expect(fs.existsSync(file)).toBe(false); // whoever ran it was told

    let now = at(5, 30);
    setSchedule(engine.db, { group: 'G', every: '1h' }, now);
    now = at(6);
    const scheduler = createScheduler(engine, { clock: () => now });
    const [run] = await scheduler.tick();
    expect(run).toMatchObject({ status: 'partial' });
    expect(run!.message).toBe(
      "1 server, 0 clean, 0 with findings, 1 not compared, 0 failed (s1: policy 'Q' not compared: no baseline taken yet, so its master targets were not compared (take one: driftwatch baseline Q --server GOLD-MASTER); compared: 'P')",
    );
    const lines = () => fs.readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines()).toEqual([expect.objectContaining({ kind: 'not_compared', server: 's1', group: 'G', scheduled: true, reason: interactive!.reason })]);
    // Still not compared an hour later: the run is partial again, the alert is not repeated.
    now = at(7);
    expect((await scheduler.tick()).map((r) => r.status)).toEqual(['partial']);
    expect(lines()).toHaveLength(1);
    // With a baseline for Q the next run is ok.
    await call(engine, 'baselines/create', { policy: 'Q', servers: ['s1'] });
    now = at(8);
    expect((await scheduler.tick()).map((r) => r.status)).toEqual(['ok']);
  });
});

describe('scan lock', () => {
  it('keeps two scans of one server from overlapping, in one engine and across engines', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const remoteTransport = async () => {
      entered();
      await gate;
      return new LocalTransport();
    };
    const { engine, home } = await local('lock', { remoteTransport });
    await call(engine, 'servers/add', { name: 'web-1', host: '127.0.0.1', group: 'G' });
    const first = engine.scan({ servers: ['web-1'] });
    await inside;
    // The same engine (another console window, the scheduler)…
    const [second] = await engine.scan({ servers: ['web-1'] });
    expect(second).toMatchObject({ name: 'web-1', status: 'failed', busy: true });
    expect(second!.reason).toMatch(/another scan of web-1 is running/);
    // …and another process on the same store (the CLI) are both refused, writing nothing.
    const other = openEngine({ home, remoteTransport });
    closers.push(() => other.close());
    const [third] = await other.scan({ servers: ['web-1'] });
    expect(third).toMatchObject({ status: 'failed', busy: true });
    const baseline = await call(other, 'baselines/create', { policy: 'P', servers: ['web-1'] });
    expect(baseline.failures[0]!.reason).toMatch(/another scan of web-1 is running/);
    expect(scans(engine)).toBe(0);
    // Other servers are not held up.
    expect((await other.scan({ servers: ['s1'] }))[0]!.status).toBe('completed_clean');
    open();
    expect((await first)[0]!.status).toBe('completed_clean');
    // Released: the next scan goes through.
    expect((await other.scan({ servers: ['web-1'] }))[0]!.status).toBe('completed_clean');
    expect(engine.db.prepare('SELECT COUNT(*) AS n FROM locks').get()).toEqual({ n: 0 });
  });

  it('takes over the lease of a holder that died (expired)', async () => {
    const { engine } = await local('lock2');
    const id = (engine.db.prepare("SELECT id FROM servers WHERE name = 's1'").get() as { id: number }).id;
    expect(tryLock(engine.db, serverLockName(id), 'dead-process', 60_000, new Date(Date.now() - 120_000)).ok).toBe(true);
    expect((await engine.scan({ servers: ['s1'] }))[0]!.status).toBe('completed_clean');
  });
});

describe('scheduler (node-cron)', () => {
  it('fires a per-second cron schedule for real', async () => {
    const { engine } = await local('cron');
    await call(engine, 'schedules/set', { group: 'G', cron: '* * * * * *' });
    const runs: ScheduledRun[] = [];
    let wake: () => void = () => undefined;
    const scheduler = startScheduler(engine, {
      onRun: (r) => {
        runs.push(r);
        wake();
      },
    });
    closers.push(() => scheduler.stop());
    await scheduler.ready;
    const before = runs.length;
    while (runs.length <= before) await new Promise<void>((r) => (wake = r));
    await scheduler.stop();
    const fired = runs[before]!;
    expect(fired).toMatchObject({ group: 'G', reason: 'due', status: 'ok' });
    expect(fired.results[0]!.status).toBe('completed_clean');
    expect(scans(engine)).toBe(runs.filter((r) => r.status === 'ok').length);
  });
});

describe('schedule CLI', () => {
  it('sets, lists and turns off schedules, and runs them once headless', async () => {
    const { engine, home } = await local('cli');
    engine.close();
    const run = async (...argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(['--home', home, ...argv], { out: (t) => out.push(t), err: (t) => err.push(t) });
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    expect((await run('schedule', 'set', 'G', '--every', '5h')).code).toBe(1);
    expect((await run('schedule', 'set', 'G', '--every', '6h', '--cron', '* * * * *')).code).toBe(2);
    expect((await run('schedule', 'set', 'G', '--cron', '61 * * * *')).err).toMatch(/bad cron expression/);
    const set = await run('schedule', 'set', 'G', '--every', '6h', '--on-start');
    expect(set.code).toBe(0);
    expect(set.out).toMatch(/G: scanned every 6 hours, and on start; next run/);
    const list = JSON.parse((await run('schedule', 'list', '--json')).out) as { group: string; every: string; onStart: boolean }[];
    expect(list).toEqual([expect.objectContaining({ group: 'G', every: '6h', onStart: true })]);
    const once = await run('run-schedules', '--once');
    expect(once.code).toBe(0);
    expect(once.out).toMatch(/scheduled scan of G \(start\): ok: 1 server, 1 clean/);
    expect((await run('schedule', 'list')).out).toMatch(/G +every 6 hours, and on start +\S+ +\S+ +ok/);
    expect((await run('schedule', 'off', 'G')).out).toBe('G: automatic scans off');
    expect(JSON.parse((await run('schedule', 'list', '--json')).out)[0]).toMatchObject({ every: null, cron: null, description: 'off' });
  });
});
