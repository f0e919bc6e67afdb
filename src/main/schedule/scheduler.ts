// The scheduler: runs each group's automatic scans when they are due. Decisions come from the
// store (schedules.next_run) and an injectable clock, so the same logic serves `driftwatch
// run-schedules`, the desktop app and the tests:
//
//   - A run is claimed in one IMMEDIATE transaction that checks it is due, takes the group's lease
//     (locks table, owner + expiry) and moves next_run to the first occurrence after now. Two
//     schedulers on one store therefore never run the same occurrence twice, and runs missed while
//     nothing was running are caught up once (next_run jumps past every missed occurrence).
//   - A group with no policy is not scanned (the run is recorded as skipped).
//   - "Scan on start" runs the group once each time a scheduler starts.
//   - node-cron fires at each schedule's times; a sync task (every minute) picks up schedules
//     changed by other processes, catches up, and retries pending alert notifications.
import type { ScheduledTask } from 'node-cron';
import type { PushEvents, ScanRequest, ScheduleInfo } from '../../shared/api.js';
import type { ServerScanResult } from '../../shared/domain.js';
import type { Alerts } from '../alert/dispatcher.js';
import type { Db } from '../store/db.js';
import { newOwnerId, releaseLock, renewLock, tookOverNote, tryLock } from '../store/locks.js';
import { nextRunAfter, nodeCron } from './cron.js';
import { groupHasPolicy } from '../inventory/inventory.js';
import { recordRunEnd, recordRunStart, scheduleLockName, schedulePatterns, scheduleRow, type ScheduleRow } from './schedules.js';

export interface ScheduledRun {
  group: string;
  reason: 'due' | 'start';
  /** The occurrence this run stands for (null for a start run that was not due). */
  dueAt: string | null;
  startedAt: string;
  finishedAt: string;
  status: NonNullable<ScheduleInfo['lastStatus']>;
  message: string;
  results: ServerScanResult[];
}

export interface SchedulerOptions {
  /** The time source (tests inject one). */
  clock?: () => Date;
  /** Lease owner prefix; unique per scheduler by default. */
  owner?: string;
  /** How long a claimed run's lease lasts without renewal (renewed while the run goes on). */
  leaseMs?: number;
  /** node-cron pattern of the sync task (default every minute). */
  syncPattern?: string;
  log?: (line: string) => void;
  onRun?: (run: ScheduledRun) => void;
}

/** What the scheduler needs of the engine that it drives (the surface starting it passes the engine in). */
export interface SchedulerHost {
  db: Db;
  /** Scans the servers asked for; `scheduled`: a failed scan is then alerted. */
  scan(request: ScanRequest, options: { scheduled: boolean }): Promise<ServerScanResult[]>;
  alerts: Pick<Alerts, 'enqueueRunFailure' | 'deliverPending' | 'settled'>;
  push(name: 'schedules/run', payload: PushEvents['schedules/run']): void;
  /** Which scheduler runs on this engine: set while one runs (the console asks through schedules/runner). */
  readonly runner: { owner: string | null };
}

export interface Scheduler {
  readonly owner: string;
  /** Runs every due schedule (and with startup, the scan-on-start ones) once; resolves when they finish. */
  tick(options?: { startup?: boolean; at?: Date }): Promise<ScheduledRun[]>;
  /** Starts node-cron and runs the start tick; `ready` resolves after that first tick. */
  start(): Promise<void>;
  /** Stops node-cron and waits for runs in progress. */
  stop(): Promise<void>;
}

const DEFAULT_LEASE_MS = 15 * 60_000;

export function createScheduler(engine: SchedulerHost, options: SchedulerOptions = {}): Scheduler {
  const { db } = engine;
  const clock = options.clock ?? (() => new Date());
  const owner = options.owner ?? newOwnerId('scheduler');
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const log = options.log ?? (() => undefined);
  const startedAt = clock().toISOString();
  const tasks = new Map<number, { pattern: string; task: ScheduledTask }>();
  let syncTask: ScheduledTask | null = null;
  const inFlight = new Set<Promise<unknown>>();
  let holds = 0;
  let stopped = false;

  interface Claim {
    row: ScheduleRow;
    lock: string;
    holder: string;
    reason: 'due' | 'start';
    hasPolicy: boolean;
  }

  function claim(groupId: number, now: Date, startup: boolean): Claim | null {
    return db
      .transaction((): Claim | null => {
        const row = scheduleRow(db, groupId);
        if (!row) return null;
        const iso = now.toISOString();
        const due = row.next_run !== null && row.next_run <= iso;
        const onStart = startup && row.on_start === 1 && (row.last_run === null || row.last_run < startedAt);
        if (!due && !onStart) return null;
        const lock = scheduleLockName(groupId);
        const holder = `${owner}#${++holds}`;
        const got = tryLock(db, lock, holder, leaseMs, now);
        if (!got.ok) return null;
        if (got.tookOver) log(`scheduler: ${row.group_name}: ${tookOverNote(got.tookOver.pid)}`);
        const hasPolicy = groupHasPolicy(db, groupId);
        recordRunStart(db, groupId, {
          nextRun: nextRunAfter(row.cron, now).toISOString(),
          at: iso,
          status: hasPolicy ? 'running' : 'skipped',
          message: hasPolicy ? `started by ${owner}` : `group '${row.group_name}' has no policy assigned: nothing to scan`,
        });
        return { row, lock, holder, reason: due ? 'due' : 'start', hasPolicy };
      })
      .immediate();
  }

  function finish(c: Claim, status: ScheduledRun['status'], message: string, at: Date): void {
    try {
      recordRunEnd(db, c.row.group_id, { at: at.toISOString(), status, message });
      releaseLock(db, c.lock, c.holder);
    } catch (err) {
      log(`scheduler: could not record the end of ${c.row.group_name}'s run: ${(err as Error).message}`);
    }
  }

  async function run(c: Claim, at: Date): Promise<ScheduledRun> {
    const base = { group: c.row.group_name, reason: c.reason, dueAt: c.reason === 'due' ? c.row.next_run : null, startedAt: at.toISOString() };
    if (!c.hasPolicy) {
      const message = `group '${c.row.group_name}' has no policy assigned: nothing to scan`;
      finish(c, 'skipped', message, at);
      return { ...base, finishedAt: at.toISOString(), status: 'skipped', message, results: [] };
    }
    const renew = setInterval(() => {
      try {
        renewLock(db, c.lock, c.holder, leaseMs, clock());
      } catch {
        // the store is closing
      }
    }, Math.max(1000, Math.floor(leaseMs / 3)));
    renew.unref();
    let results: ServerScanResult[] = [];
    let status: ScheduledRun['status'];
    let message: string;
    try {
      results = await engine.scan({ groups: [c.row.group_name] }, { scheduled: true });
      const failed = results.filter((r) => r.status === 'failed' && !r.busy);
      // A server not compared is not clean: the run is partial, never ok.
      const notCompared = results.filter((r) => r.status === 'not_compared');
      status = results.length && failed.length === results.length ? 'failed' : failed.length || notCompared.length ? 'partial' : 'ok';
      message = results.length ? summarize(results) : 'no servers in the group';
    } catch (err) {
      status = 'failed';
      message = (err as Error).message;
      engine.alerts.enqueueRunFailure(c.row.group_name, message);
      await engine.alerts.deliverPending();
    } finally {
      clearInterval(renew);
    }
    const end = clock();
    finish(c, status, message, end);
    log(`scheduled scan of ${c.row.group_name} (${c.reason}): ${status}: ${message}`);
    return { ...base, finishedAt: end.toISOString(), status, message, results };
  }

  async function tick(opts: { startup?: boolean; at?: Date } = {}): Promise<ScheduledRun[]> {
    const now = opts.at ?? clock();
    const ids = [...schedulePatterns(db).keys()];
    const claims = ids.map((id) => claim(id, now, opts.startup ?? false)).filter((c): c is Claim => c !== null);
    const runs = await Promise.all(
      claims.map(async (c) => {
        const r = await run(c, now);
        engine.push('schedules/run', { group: r.group, status: r.status, message: r.message });
        options.onRun?.(r);
        return r;
      }),
    );
    return runs;
  }

  function track<T>(p: Promise<T>): Promise<T> {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => undefined);
    return p;
  }

  function fire(at?: Date): void {
    if (stopped) return;
    const now = clock();
    track(tick({ at: at && at > now ? at : now })).catch((err) => log(`scheduler: ${(err as Error).message}`));
  }

  /** One node-cron task per schedule, following the store (other processes may change it). */
  function reconcile(): void {
    const wanted = schedulePatterns(db);
    for (const [id, t] of tasks) {
      if (wanted.get(id) !== t.pattern) {
        void t.task.destroy();
        tasks.delete(id);
      }
    }
    for (const [id, pattern] of wanted) {
      if (tasks.has(id)) continue;
      const task = nodeCron().schedule(pattern, (ctx) => fire(ctx.date), { name: `driftwatch-schedule-${id}-${owner}`, suppressMissedWarning: true });
      tasks.set(id, { pattern, task });
    }
  }

  return {
    owner,
    tick: (o) => track(tick(o)),
    async start() {
      stopped = false;
      engine.runner.owner = owner;
      reconcile();
      syncTask = nodeCron().schedule(
        options.syncPattern ?? '* * * * *',
        () => {
          if (stopped) return;
          try {
            reconcile();
          } catch (err) {
            log(`scheduler: ${(err as Error).message}`);
          }
          fire();
          track(engine.alerts.deliverPending()).catch(() => undefined);
        },
        { name: `driftwatch-sync-${owner}`, suppressMissedWarning: true },
      );
      await track(tick({ startup: true }));
      await track(engine.alerts.deliverPending());
    },
    async stop() {
      stopped = true;
      if (engine.runner.owner === owner) engine.runner.owner = null;
      if (syncTask) await syncTask.destroy();
      syncTask = null;
      for (const t of tasks.values()) await t.task.destroy();
      tasks.clear();
      while (inFlight.size) await Promise.allSettled([...inFlight]);
      // The first delivery attempts its scans started in the background.
      await engine.alerts.settled();
    },
  };
}

/**
 * Starts the scheduler for an engine (the desktop app and run-schedules call this). Returns at
 * once; `ready` resolves after the start tick (scan-on-start and catch-up runs) has finished.
 */
export function startScheduler(engine: SchedulerHost, options: SchedulerOptions = {}): Scheduler & { ready: Promise<void> } {
  const scheduler = createScheduler(engine, options);
  const ready = scheduler.start();
  ready.catch((err) => (options.log ?? (() => undefined))(`scheduler: ${(err as Error).message}`));
  return Object.assign(scheduler, { ready });
}

function summarize(results: ServerScanResult[]): string {
  const n = (s: ServerScanResult['status']) => results.filter((r) => r.status === s).length;
  const busy = results.filter((r) => r.busy).length;
  const parts = [`${results.length} server${results.length === 1 ? '' : 's'}`, `${n('completed_clean')} clean`, `${n('completed_with_findings')} with findings`];
  if (n('not_compared')) parts.push(`${n('not_compared')} not compared`);
  parts.push(`${n('failed') - busy} failed`);
  if (busy) parts.push(`${busy} already being scanned`);
  const reasons = results.filter((r) => (r.status === 'failed' && !r.busy) || r.status === 'not_compared').map((r) => `${r.name}: ${r.reason ?? r.status}`);
  return `${parts.join(', ')}${reasons.length ? ` (${reasons.slice(0, 3).join('; ')}${reasons.length > 3 ? '; …' : ''})` : ''}`;
}
