// Each group's automatic scans in the store: off, every 1h/2h/4h/6h/12h, daily, weekly, or a cron
// expression; "scan on start"; and the next and last run. The scheduler (scheduler.ts) decides and
// runs from these rows, so every process on the store sees the same schedule.
import { ApiError, type ScheduleInfo, type ScheduleInput } from '../../shared/api.js';
import { getGroupId, groupHasPolicy, listGroups } from '../inventory/inventory.js';
import type { Db } from '../store/db.js';
import { leaseHeld } from '../store/locks.js';
import { describeEvery, everyPattern, nextRunAfter, parseEvery, validCron, type Every } from './cron.js';

export interface ScheduleRow {
  group_id: number;
  group_name: string;
  every: Every | null;
  cron: string;
  on_start: number;
  next_run: string | null;
  last_run: string | null;
  last_finished: string | null;
  last_status: ScheduleInfo['lastStatus'];
  last_message: string | null;
}

const SCHEDULE_SELECT = 'SELECT s.*, g.name AS group_name FROM schedules s JOIN groups g ON g.id = s.group_id';

/** A group's schedule row (undefined: off). */
export function scheduleRow(db: Db, groupId: number): ScheduleRow | undefined {
  return db.prepare(`${SCHEDULE_SELECT} WHERE s.group_id = ?`).get(groupId) as ScheduleRow | undefined;
}

/** Each scheduled group's cron pattern, by group id in id order. */
export function schedulePatterns(db: Db): Map<number, string> {
  const rows = db.prepare('SELECT group_id, cron FROM schedules ORDER BY group_id').all() as { group_id: number; cron: string }[];
  return new Map(rows.map((r) => [r.group_id, r.cron]));
}

/** A claimed run: its next occurrence, when it started, and how (running, or skipped and why). */
export function recordRunStart(db: Db, groupId: number, run: { nextRun: string; at: string; status: ScheduleInfo['lastStatus']; message: string }): void {
  db.prepare('UPDATE schedules SET next_run = ?, last_run = ?, last_status = ?, last_message = ? WHERE group_id = ?').run(run.nextRun, run.at, run.status, run.message, groupId);
}

/** The end of a run: when, and how it went. */
export function recordRunEnd(db: Db, groupId: number, run: { at: string; status: ScheduleInfo['lastStatus']; message: string }): void {
  db.prepare('UPDATE schedules SET last_finished = ?, last_status = ?, last_message = ? WHERE group_id = ?').run(run.at, run.status, run.message, groupId);
}

function info(db: Db, group: string, groupId: number, row: ScheduleRow | undefined): ScheduleInfo {
  const hasPolicy = groupHasPolicy(db, groupId);
  if (!row) {
    return { group, every: null, cron: null, description: 'off', onStart: false, hasPolicy, nextRun: null, lastRun: null, lastFinished: null, lastStatus: null, lastMessage: null };
  }
  return {
    group,
    every: row.every,
    cron: row.cron,
    description: `${row.every ? describeEvery(row.every) : `cron ${row.cron}`}${row.on_start ? ', and on start' : ''}`,
    onStart: row.on_start === 1,
    hasPolicy,
    nextRun: row.next_run,
    lastRun: row.last_run,
    lastFinished: row.last_finished,
    ...(row.last_status === 'running' && !leaseHeld(db, scheduleLockName(groupId))
      ? { lastStatus: 'failed' as const, lastMessage: 'interrupted: the scheduler running it stopped before the run finished' }
      : { lastStatus: row.last_status, lastMessage: row.last_message }),
  };
}

/** The lease a scheduler holds while it runs a group's scheduled scan. */
export function scheduleLockName(groupId: number): string {
  return `schedule:group:${groupId}`;
}

/** Every group, scheduled or not (off). */
export function listSchedules(db: Db): ScheduleInfo[] {
  const rows = new Map((db.prepare(SCHEDULE_SELECT).all() as ScheduleRow[]).map((r) => [r.group_id, r]));
  return listGroups(db).map((g) => {
    const id = getGroupId(db, g.name);
    return info(db, g.name, id, rows.get(id));
  });
}

export function getSchedule(db: Db, group: string): ScheduleInfo {
  const id = getGroupId(db, group);
  return info(db, group, id, scheduleRow(db, id));
}

export function setSchedule(db: Db, input: ScheduleInput, at: Date = new Date()): ScheduleInfo {
  if (typeof input?.group !== 'string') throw new ApiError('invalid_input', 'name the group to schedule');
  const groupId = getGroupId(db, input.group);
  const hasEvery = input.every !== undefined && input.every !== null && input.every !== '';
  const hasCron = input.cron !== undefined && input.cron !== null && input.cron !== '';
  if (hasEvery === hasCron) throw new ApiError('invalid_input', 'give either an interval (every 1h, 2h, 4h, 6h, 12h, 1d, 1w) or a cron expression');
  if (input.onStart !== undefined && typeof input.onStart !== 'boolean') throw new ApiError('invalid_input', 'onStart must be true or false');
  const every = hasEvery ? parseEvery(String(input.every)) : null;
  const pattern = every ? everyPattern(every) : validCron(input.cron);
  const next = nextRunAfter(pattern, at).toISOString();
  db.prepare(
    `INSERT INTO schedules (group_id, every, cron, on_start, next_run, updated_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (group_id) DO UPDATE SET every = excluded.every, cron = excluded.cron, on_start = excluded.on_start,
     next_run = excluded.next_run, updated_at = excluded.updated_at`,
  ).run(groupId, every, pattern, +(input.onStart ?? false), next, at.toISOString());
  return getSchedule(db, input.group);
}

export function scheduleOff(db: Db, group: string): ScheduleInfo {
  const id = getGroupId(db, group);
  db.prepare('DELETE FROM schedules WHERE group_id = ?').run(id);
  return getSchedule(db, group);
}
