// Leases in the store: a row per lock with its owner and expiry, taken and released in IMMEDIATE
// transactions, so every process on the same store (the CLI, run-schedules, the desktop app) sees
// the same locks. A lease that is not renewed expires: a crashed holder blocks no one for long.
import crypto from 'node:crypto';
import os from 'node:os';
import type { Db } from '../store/db.js';

export interface LockInfo {
  name: string;
  owner: string;
  acquiredAt: string;
  expiresAt: string;
}

/** A name for this process's holder of leases: host, pid and a random tag. */
export function newOwnerId(role = 'engine'): string {
  return `${role}@${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`;
}

/** Takes the lease if it is free, expired, or already ours; returns whoever holds it otherwise. */
export function tryLock(db: Db, name: string, owner: string, ttlMs: number, at: Date = new Date()): { ok: true } | { ok: false; holder: LockInfo } {
  return db
    .transaction(() => {
      const row = db.prepare('SELECT name, owner, acquired_at, expires_at FROM locks WHERE name = ?').get(name) as
        | { name: string; owner: string; acquired_at: string; expires_at: string }
        | undefined;
      const iso = at.toISOString();
      if (row && row.owner !== owner && row.expires_at > iso) {
        return { ok: false as const, holder: { name: row.name, owner: row.owner, acquiredAt: row.acquired_at, expiresAt: row.expires_at } };
      }
      const expires = new Date(at.getTime() + ttlMs).toISOString();
      db.prepare('INSERT OR REPLACE INTO locks (name, owner, acquired_at, expires_at) VALUES (?, ?, ?, ?)').run(name, owner, row && row.owner === owner ? row.acquired_at : iso, expires);
      return { ok: true as const };
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
 * running it when someone else holds the lease.
 */
export async function withLock<T>(db: Db, name: string, holder: string, work: () => Promise<T>, ttlMs = SCAN_LOCK_TTL_MS): Promise<T> {
  // Each hold is its own owner, so two overlapping calls of one process exclude each other too.
  const owner = `${holder}#${++holds}`;
  const got = tryLock(db, name, owner, ttlMs);
  if (!got.ok) throw new LockBusy(got.holder);
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
