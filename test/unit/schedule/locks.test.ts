// Leases in the store: taken in a transaction, held by one owner until released or expired.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LockBusy, listLocks, newOwnerId, releaseLock, renewLock, tryLock, withLock } from '../../../src/main/schedule/locks.js';
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
    expect(owner).toMatch(/^test@.+:\d+:[0-9a-f]{8}$/);
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
});
