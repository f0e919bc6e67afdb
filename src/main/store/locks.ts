// Leases in the store: a row per lock with its owner and expiry, taken and released in IMMEDIATE
// transactions, so every process on the same store (the CLI, run-schedules, the desktop app) sees
// the same locks. A lease that is not renewed expires; one held by a process of this machine that
// is gone (killed, crashed: its pid dead, or reused by a process that started later) is taken
// over at once, with a note.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import type { Db } from './db.js';

export interface LockInfo {
  name: string;
  owner: string;
  acquiredAt: string;
  expiresAt: string;
}

/**
 * A name for this process's holder of leases: `ROLE@HOST:PID:START:TAG`, START being the process's
 * start time (/proc/PID/stat field 22, `?` where there is no /proc), so that another process on
 * this machine can tell whether the holder still runs.
 */
export function newOwnerId(role = 'engine'): string {
  return `${role}@${os.hostname()}:${process.pid}:${processStart(process.pid) ?? '?'}:${crypto.randomBytes(4).toString('hex')}`;
}

/** /proc/PID/stat: the state (field 3) and start time in clock ticks since boot (field 22); null: no such process or no /proc. */
function procStat(pid: number): { state: string; start: string } | null {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may hold spaces and parentheses itself.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields.length > 19 ? { state: fields[0]!, start: fields[19]! } : null;
}

function processStart(pid: number): string | null {
  return procStat(pid)?.start ?? null;
}

const OWNER = /@([^@:]*):(\d+):(?:(\d+|\?):)?[0-9a-f]{8}(?:#\d+)?$/;

/**
 * The pid of a holder that was a process of this machine and is gone: no such pid, a zombie, or
 * a pid now used by a process that started at another time. Null when it may still run, or when
 * it cannot be told (another machine, an owner name of another form).
 */
export function deadHolderPid(owner: string): number | null {
  const m = OWNER.exec(owner);
  if (!m || m[1] !== os.hostname()) return null;
  const pid = Number(m[2]);
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'ESRCH' ? pid : null;
  }
  const stat = procStat(pid);
  if (!stat) return null;
  if (stat.state === 'Z' || stat.state === 'X') return pid;
  return m[3] !== undefined && m[3] !== '?' && stat.start !== m[3] ? pid : null;
}

export type LockResult = { ok: true; tookOver?: { owner: string; pid: number } } | { ok: false; holder: LockInfo };

/** What a lease taken over from a dead holder is noted as. */
export const tookOverNote = (pid: number): string => `took over the lease of a dead process (pid ${pid})`;

/**
 * Takes the lease if it is free, expired, already ours, or held by a dead process of this
 * machine (tookOver says whose); returns whoever holds it otherwise.
 */
export function tryLock(db: Db, name: string, owner: string, ttlMs: number, at: Date = new Date()): LockResult {
  return db
    .transaction((): LockResult => {
      const row = db.prepare('SELECT name, owner, acquired_at, expires_at FROM locks WHERE name = ?').get(name) as
        | { name: string; owner: string; acquired_at: string; expires_at: string }
        | undefined;
      const iso = at.toISOString();
      let tookOver: { owner: string; pid: number } | undefined;
      if (row && row.owner !== owner && row.expires_at > iso) {
        const dead = deadHolderPid(row.owner);
        if (dead === null) return { ok: false, holder: { name: row.name, owner: row.owner, acquiredAt: row.acquired_at, expiresAt: row.expires_at } };
        tookOver = { owner: row.owner, pid: dead };
      }
      const expires = new Date(at.getTime() + ttlMs).toISOString();
      db.prepare('INSERT OR REPLACE INTO locks (name, owner, acquired_at, expires_at) VALUES (?, ?, ?, ?)').run(name, owner, row && row.owner === owner ? row.acquired_at : iso, expires);
      return tookOver ? { ok: true, tookOver } : { ok: true };
    })
    .immediate();
}

/** Extends our lease; false if it is no longer ours. */
export function renewLock(db: Db, name: string, owner: string, ttlMs: number, at: Date = new Date()): boolean {
  const r = db.prepare('UPDATE locks SET expires_at = ? WHERE name = ? AND owner = ?').run(new Date(at.getTime() + ttlMs).toISOString(), name, owner);
  return r.changes > 0;
}

export function releaseLock(db: Db, name: string, owner: string): void {
  db.prepare('DELETE FROM locks WHERE name = ? AND owner = ?').run(name, owner);
}

/** Whether someone holds the lease now (not expired at `at`). */
export function leaseHeld(db: Db, name: string, at: Date = new Date()): boolean {
  return db.prepare('SELECT 1 FROM locks WHERE name = ? AND expires_at > ?').get(name, at.toISOString()) !== undefined;
}

export function listLocks(db: Db): LockInfo[] {
  return (db.prepare('SELECT name, owner, acquired_at, expires_at FROM locks ORDER BY name').all() as { name: string; owner: string; acquired_at: string; expires_at: string }[]).map((r) => ({
    name: r.name,
    owner: r.owner,
    acquiredAt: r.acquired_at,
    expiresAt: r.expires_at,
  }));
}

export const SCAN_LOCK_TTL_MS = 10 * 60_000;

let holds = 0;

export class LockBusy extends Error {
  constructor(readonly holder: LockInfo) {
    super(`held by ${holder.owner} since ${holder.acquiredAt}`);
    this.name = 'LockBusy';
  }
}

/**
 * Runs `work` holding the lease `name`, renewing it while the work runs; throws LockBusy without
 * running it when someone else holds the lease. `onTakeOver` is told (tookOverNote) when the
 * lease was taken over from a dead process.
 */
export async function withLock<T>(db: Db, name: string, holder: string, work: () => Promise<T>, ttlMs = SCAN_LOCK_TTL_MS, onTakeOver?: (note: string) => void): Promise<T> {
  // Each hold is its own owner, so two overlapping calls of one process exclude each other too.
  const owner = `${holder}#${++holds}`;
  const got = tryLock(db, name, owner, ttlMs);
  if (!got.ok) throw new LockBusy(got.holder);
  if (got.tookOver) onTakeOver?.(tookOverNote(got.tookOver.pid));
  const timer = setInterval(() => {
    try {
      renewLock(db, name, owner, ttlMs);
    } catch {
      // the store is closing; the lease expires by itself
    }
  }, Math.max(1000, Math.floor(ttlMs / 3)));
  timer.unref();
  try {
    return await work();
  } finally {
    clearInterval(timer);
    try {
      releaseLock(db, name, owner);
    } catch {
      // the store was closed under us; the lease expires by itself
    }
  }
}

/** The lease that keeps two scans of one server from overlapping (scan or baseline, any process). */
export function serverLockName(serverId: number): string {
  return `scan:server:${serverId}`;
}
