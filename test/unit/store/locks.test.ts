// Leases in the store: taken in a transaction, held by one owner until released or expired, or
// taken over at once when the process of this machine that held it is gone.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LockBusy, listLocks, newOwnerId, releaseLock, renewLock, tryLock, withLock } from '../../../src/main/store/locks.js';
import { openStore } from '../../../src/main/store/db.js';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-locks-'));
const db = openStore(home);
const other = openStore(home); // a second connection, as another process would have
afterAll(() => {
  db.close();
  other.close();
  fs.rmSync(home, { recursive: true, force: true });
});

const t0 = new Date('2031-03-01T10:00:00Z');
const plus = (ms: number) => new Date(t0.getTime() + ms);

describe('locks', () => {
  it('gives a free lease to one owner and refuses it to others until it is released', () => {
    expect(tryLock(db, 'a', 'one', 60_000, t0)).toEqual({ ok: true });
    const refused = tryLock(other, 'a', 'two', 60_000, plus(1000));
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.holder).toEqual({ name: 'a', owner: 'one', acquiredAt: t0.toISOString(), expiresAt: plus(60_000).toISOString() });
    releaseLock(other, 'a', 'two'); // not theirs: nothing happens
    expect(tryLock(other, 'a', 'two', 60_000, plus(2000)).ok).toBe(false);
    releaseLock(db, 'a', 'one');
    expect(tryLock(other, 'a', 'two', 60_000, plus(3000)).ok).toBe(true);
    releaseLock(other, 'a', 'two');
    expect(listLocks(db)).toEqual([]);
  });

  it('lets anyone take an expired lease, and renewal keeps it alive', () => {
    expect(tryLock(db, 'b', 'one', 10_000, t0).ok).toBe(true);
    expect(renewLock(db, 'b', 'one', 10_000, plus(9000))).toBe(true);
    expect(tryLock(other, 'b', 'two', 10_000, plus(15_000)).ok).toBe(false);
    expect(tryLock(other, 'b', 'two', 10_000, plus(19_000)).ok).toBe(true);
    expect(renewLock(db, 'b', 'one', 10_000, plus(20_000))).toBe(false);
    releaseLock(other, 'b', 'two');
  });

  it('withLock runs the work holding the lease and releases it, even when the work fails', async () => {
    const owner = newOwnerId('test');
    // host, pid, the process's start time (/proc/PID/stat field 22), a random tag.
    const start = fs.readFileSync('/proc/self/stat', 'latin1').split(') ')[1]!.split(' ')[19];
    expect(owner).toBe(`test@${os.hostname()}:${process.pid}:${start}:${owner.slice(-8)}`);
    expect(owner).toMatch(/:[0-9a-f]{8}$/);
    let seen: string[] = [];
    const result = await withLock(db, 'c', owner, async () => {
      seen = listLocks(other).map((l) => l.owner);
      // A second hold by the same process is refused too.
      await expect(withLock(db, 'c', owner, async () => 'inner')).rejects.toBeInstanceOf(LockBusy);
      return 42;
    });
    expect(result).toBe(42);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.startsWith(`${owner}#`)).toBe(true);
    expect(listLocks(db)).toEqual([]);
    await expect(withLock(db, 'c', owner, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(listLocks(db)).toEqual([]);
  });

  /** The pid of a process that has run and is gone. */
  const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;
  const here = os.hostname();

  it('takes a lease over at once when its holder on this machine is dead, or its pid now belongs to a later process', () => {
    const pid = deadPid();
    const dead = `engine@${here}:${pid}:12345:0123abcd#1`;
    expect(tryLock(db, 'd', dead, 60_000, t0).ok).toBe(true);
    expect(tryLock(other, 'd', 'two', 60_000, plus(1000))).toEqual({ ok: true, tookOver: { owner: dead, pid } });
    // This very pid, but with another start time: a process that reused the holder's pid.
    const reused = `engine@${here}:${process.pid}:1:0123abcd#1`;
    expect(tryLock(db, 'e', reused, 60_000, t0).ok).toBe(true);
    expect(tryLock(other, 'e', 'two', 60_000, plus(1000))).toEqual({ ok: true, tookOver: { owner: reused, pid: process.pid } });
    releaseLock(other, 'd', 'two');
    releaseLock(other, 'e', 'two');
  });

  it('leaves a live holder its lease, and one of another machine (its pid cannot be checked) until it expires', () => {
    const live = `${newOwnerId()}#1`;
    expect(tryLock(db, 'f', live, 60_000, t0).ok).toBe(true);
    expect(tryLock(other, 'f', 'two', 60_000, plus(1000)).ok).toBe(false);
    const remote = `engine@not-${here}:${deadPid()}:12345:0123abcd#1`;
    expect(tryLock(db, 'g', remote, 60_000, t0).ok).toBe(true);
    expect(tryLock(other, 'g', 'two', 60_000, plus(1000)).ok).toBe(false);
    expect(tryLock(other, 'g', 'two', 60_000, plus(61_000)).ok).toBe(true);
    releaseLock(db, 'f', live);
    releaseLock(other, 'g', 'two');
  });

  it('withLock tells who it took the lease over from', async () => {
    const pid = deadPid();
    expect(tryLock(db, 'h', `engine@${here}:${pid}:12345:0123abcd#7`, 60_000).ok).toBe(true);
    const notes: string[] = [];
    expect(await withLock(other, 'h', newOwnerId('test'), async () => 'done', undefined, (n) => notes.push(n))).toBe('done');
    expect(notes).toEqual([`took over the lease of a dead process (pid ${pid})`]);
    expect(listLocks(db)).toEqual([]);
  });
});
