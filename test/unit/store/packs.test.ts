// Entry packs (src/main/store/packs): the codec gives back exactly what it was given, sets are
// read in path order, one path is replaced in place, a set held in memory is found by path, and
// migration 7 re-encodes the baselines of an older store.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { EntryState } from '../../../src/main/model/entry.js';
import { pairWithTable } from '../../../src/main/compare/pair.js';
import { EntryTable } from '../../../src/main/scanner/entry-table.js';
import { PathColumn } from '../../../src/main/model/path-column.js';
import { migrate } from '../../../src/main/store/db.js';
import { ENTRY_FIELDS, ENTRY_PLACEHOLDERS, entryValues } from '../../support/old-entry-rows.js';
import { MIGRATIONS } from '../../../src/main/store/migrations.js';
import { checkPack, EntryFields, forEachInPack, PackEncoder } from '../../../src/main/store/packs/codec.js';
import { HeldSet } from '../../../src/main/store/packs/held-set.js';
import { baselineSet, forEachEntry, loadSet, PACK_SIZE, packsOf, replaceEntries, replaceEntry, selfSet, setSize, writeSet } from '../../../src/main/store/packs/pack-store.js';
import type { EntryAttributes } from '../../../src/shared/domain.js';
import { byteString } from '../../../src/main/model/entry.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function store(version = MIGRATIONS.length): Database.Database {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-packs-'));
  dirs.push(dir);
  const db = new Database(path.join(dir, 'driftwatch.db'));
  db.pragma('foreign_keys = ON');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  migrate(db, MIGRATIONS.slice(0, version));
  return db;
}

const base: EntryAttributes = {
  type: 'file', mode: '0644', uid: 0, gid: 0, owner: 'root', group: 'root', size: 12, mtime: '1700000000.123456789', ctime: '1700000001.000000000',
  inode: 42, nlink: 1, device: null, target: null, sha256: 'ab'.repeat(32),
};
const entry = (p: string, attrs: Partial<EntryAttributes> = {}, error: string | null = null): EntryState => ({ path: byteString(p), attrs: { ...base, ...attrs }, error });

const many = (n: number) => Array.from({ length: n }, (_, i) => entry(`/d${i % 7}/f${i}`, { inode: i, size: i }));

/** Entries that take every branch of the format, in path order. */
const AWKWARD: EntryState[] = [
  entry('/a'),
  entry('/a/b', { type: 'directory', mode: '0755', size: 4096, sha256: null, xattrs: null, acl: 'user:1000:rwx', caps: null, selinux: null, flags: 'i' }),
  entry('/a/b/\x01\x7f\xff name\nwith newline', { uid: 4294967295, gid: 65534, owner: 'jürgen', group: '65534', size: 2 ** 53 - 1, inode: 2 ** 60 }),
  entry('/a/b/dev', { type: 'block', device: '7:200', sha256: null, size: 0 }),
  entry('/a/b/link', { type: 'symlink', target: '../\xe9t\xe9', sha256: null, size: 7 }),
  entry('/a/b/old', { mtime: '-5.000000001', ctime: '0.000000000' }),
  entry('/a/b/text-times', { mtime: '1700000000', ctime: '1700000000.1234567' }),
  entry('/a/b/odd', { sha256: 'not a hash', size: 1.5, nlink: -1, mode: '7777' }),
  entry('/a/b/content', { content: { text: 'line 1\n[masked: matches password]\n', masked: 1 } }),
  entry('/a/b/skipped', { content: { skipped: 'too large' } }),
  entry('/a/b/unreadable', { sha256: null }, 'Permission denied'),
  entry(`/a/${'x'.repeat(5000)}`),
].sort((a, b) => (a.path < b.path ? -1 : 1));

describe('the pack codec', () => {
  it('gives back every entry exactly, in order', () => {
    const enc = new PackEncoder();
    const f = new EntryFields();
    for (const e of AWKWARD) enc.add(e.path, f.fromState(e));
    expect(enc.first?.toString('latin1')).toBe('/a');
    const out: EntryState[] = [];
    expect(forEachInPack(enc.finish(), new EntryFields(), (g) => out.push(g.state()))).toBe(AWKWARD.length);
    expect(out).toEqual(AWKWARD);
  });

  it('refuses entries out of order or twice', () => {
    const enc = new PackEncoder();
    const f = new EntryFields().fromState(entry('/b'));
    enc.add(byteString('/b'), f);
    expect(() => enc.add(byteString('/a'), f)).toThrow(/out of order/);
    expect(() => enc.add(byteString('/b'), f)).toThrow(/out of order/);
    expect(() => enc.add(byteString('/'), f)).toThrow(/out of order/);
    enc.add(byteString('/b/c'), f);
    expect(enc.count).toBe(2);
  });

  it('checks a pack: any single flipped bit fails its checksum; a pack without one (version 1) is checked by decoding it', () => {
    const enc = new PackEncoder();
    const f = new EntryFields();
    for (const e of AWKWARD) enc.add(e.path, f.fromState(e));
    const pack = enc.finish();
    expect(pack[0]).toBe(2);
    expect(checkPack(pack, true)).toBeNull();
    for (let i = 1; i < pack.length; i += 7) {
      const bad = Buffer.from(pack);
      bad[i] = bad[i]! ^ (1 << i % 8);
      expect(checkPack(bad)).toMatch(/^checksum mismatch \(stored [0-9a-f]{8}, computed [0-9a-f]{8}\)$/);
    }
    const v1 = Buffer.concat([Buffer.from([1]), pack.subarray(5)]);
    expect(checkPack(v1)).toBeNull();
    const out: EntryState[] = [];
    forEachInPack(v1, new EntryFields(), (g) => out.push(g.state()));
    expect(out).toEqual(AWKWARD);
    expect(checkPack(v1.subarray(0, v1.length - 3))).toMatch(/runs past the end|is damaged|cannot be decoded/);
    expect(checkPack(Buffer.concat([v1, Buffer.from([0])]))).toBe('1 byte after its last entry');
    expect(checkPack(Buffer.from([9, 0, 0]))).toBe('unknown pack version 9');
  });
});

describe('entry sets in a store', () => {
  it('are read back in path order, over several packs', () => {
    const db = store();
    db.prepare("INSERT INTO policies (id, name, os, created_at) VALUES (1, 'p', 'linux', 'now')").run();
    db.prepare("INSERT INTO baselines (id, policy_id, server_name, created_at, comment, entries, report_json) VALUES (1, 1, 's', 'now', '', 0, '[]')").run();
    const entries = many(2 * PACK_SIZE + 5);
    expect(writeSet(db, baselineSet(1), entries)).toBe(entries.length);
    expect((db.prepare('SELECT COUNT(*) AS n FROM baseline_packs').get() as { n: number }).n).toBe(3);
    expect(setSize(db, baselineSet(1))).toBe(entries.length);
    const paths: string[] = [];
    forEachEntry(db, baselineSet(1), (f) => paths.push(f.path()));
    expect(paths).toEqual(entries.map((e) => e.path).sort());
    expect(loadSet(db, baselineSet(1))).toEqual(new Map(entries.map((e) => [e.path, e])));
    // Removing the baseline removes its packs.
    db.prepare('DELETE FROM baselines WHERE id = 1').run();
    expect((db.prepare('SELECT COUNT(*) AS n FROM baseline_packs').get() as { n: number }).n).toBe(0);
  });

  it('take one path in, out or changed in place, in packs of PACK_SIZE at most', () => {
    const db = store();
    db.prepare("INSERT INTO policies (id, name, os, created_at) VALUES (1, 'p', 'linux', 'now')").run();
    db.prepare("INSERT INTO baselines (id, policy_id, server_name, created_at, comment, entries, report_json) VALUES (1, 1, 's', 'now', '', 0, '[]')").run();
    const set = baselineSet(1);
    const want = new Map(many(PACK_SIZE + 10).map((e) => [e.path, e]));
    writeSet(db, set, want.values());
    const put = (e: EntryState | null, p: string) => {
      replaceEntry(db, set, byteString(p), e);
      if (e) want.set(byteString(p), e);
      else want.delete(byteString(p));
      expect(loadSet(db, set)).toEqual(new Map([...want].sort(([a], [b]) => (a < b ? -1 : 1))));
    };
    put(entry('/0-before-all'), '/0-before-all');
    put(entry('/d3/f3', { size: 999 }), '/d3/f3');
    put(entry('/zz-after-all'), '/zz-after-all');
    put(null, '/d3/f3');
    put(null, '/0-before-all');
    put(null, '/not-there');
    for (let i = 0; i < 40; i++) put(entry(`/d0/f0-${i}`), `/d0/f0-${i}`);
    const packs = db.prepare('SELECT entries FROM baseline_packs ORDER BY first_path').pluck().all() as number[];
    expect(Math.max(...packs)).toBeLessThanOrEqual(PACK_SIZE);
    expect(packs.reduce((a, b) => a + b, 0)).toBe(want.size);
    expect(setSize(db, set)).toBe(want.size);
  });
});

describe('replaceEntries', () => {
  it('puts many paths in, out or changed, each pack touched re-encoded once, as one at a time would', () => {
    const db = store();
    db.prepare("INSERT INTO policies (id, name, os, created_at) VALUES (1, 'p', 'linux', 'now')").run();
    for (const id of [1, 2, 3]) {
      db.prepare("INSERT INTO baselines (id, policy_id, server_name, created_at, comment, entries, report_json) VALUES (?, 1, 's', 'now', '', 0, '[]')").run(id);
    }
    const start = many(3 * PACK_SIZE + 7);
    const changes = new Map<string, EntryState | null>();
    // Before every pack, after every pack, thousands inside one pack (it splits), changes and
    // removals across all of them, a removal of a path that is not there.
    changes.set('/0-before-all', entry('/0-before-all'));
    changes.set('/zz-after-all', entry('/zz-after-all'));
    for (let i = 0; i < PACK_SIZE + 100; i++) changes.set(`/d1/f1-new-${i}`, entry(`/d1/f1-new-${i}`));
    start.forEach((e, k) => {
      if (k % 7 === 0) changes.set(e.path, null);
      else if (k % 11 === 0) changes.set(e.path, { ...e, attrs: { ...e.attrs, size: 12345 } });
    });
    changes.set('/not-there', null);
    const want = new Map(start.map((e) => [e.path, e]));
    for (const [p, e] of changes) {
      if (e) want.set(byteString(p), e);
      else want.delete(byteString(p));
    }
    const sorted = new Map([...want].sort(([a], [b]) => (a < b ? -1 : 1)));
    // Baseline 1 in one go, baseline 2 a path at a time, baseline 3 from nothing.
    writeSet(db, baselineSet(1), start);
    writeSet(db, baselineSet(2), start);
    // Packs taken out (each re-encoded one is): at most the four baseline 1 has.
    db.exec("CREATE TEMP TABLE taken (id INTEGER); CREATE TEMP TRIGGER count_taken AFTER DELETE ON baseline_packs BEGIN INSERT INTO taken VALUES (OLD.baseline_id); END;");
    replaceEntries(db, baselineSet(1), changes);
    expect(db.prepare('SELECT COUNT(*) FROM taken WHERE id = 1').pluck().get()).toBe(4);
    for (const [p, e] of changes) replaceEntry(db, baselineSet(2), byteString(p), e);
    expect(loadSet(db, baselineSet(1))).toEqual(sorted);
    expect(loadSet(db, baselineSet(2))).toEqual(sorted);
    replaceEntries(db, baselineSet(3), changes);
    expect([...loadSet(db, baselineSet(3)).keys()]).toEqual([...changes].filter(([, e]) => e).map(([p]) => p).sort());
    const packs = db.prepare('SELECT entries FROM baseline_packs WHERE baseline_id = 1').pluck().all() as number[];
    expect(Math.max(...packs)).toBeLessThanOrEqual(PACK_SIZE);
    expect(setSize(db, baselineSet(1))).toBe(want.size);
    replaceEntries(db, baselineSet(1), new Map());
    expect(setSize(db, baselineSet(1))).toBe(want.size);
  });
});

/** Baseline 1 of `db` held a pack at a time, as a quick scan holds it; null beyond `limit` entries. */
function hold(db: Database.Database, limit: number, expected = 0): HeldSet | null {
  const held = new HeldSet(expected);
  for (const pack of packsOf(db, baselineSet(1))) if (!held.addPack(pack, limit)) return null;
  return held;
}

describe('a set held in memory', () => {
  /** A store with baseline 1 holding these entries. */
  const baselineOf = (entries: EntryState[]) => {
    const db = store();
    db.prepare("INSERT INTO policies (id, name, os, created_at) VALUES (1, 'p', 'linux', 'now')").run();
    db.prepare("INSERT INTO baselines (id, policy_id, server_name, created_at, comment, entries, report_json) VALUES (1, 1, 's', 'now', '', 0, '[]')").run();
    writeSet(db, baselineSet(1), entries);
    return db;
  };

  it('finds each entry by its path and gives it back exactly, its fields read again from its pack', () => {
    const entries = [...AWKWARD, ...many(PACK_SIZE + 100)].sort((a, b) => (a.path < b.path ? -1 : 1));
    const db = baselineOf(entries);
    const held = hold(db, entries.length, 10)!;
    expect(held.size).toBe(entries.length);
    // Paths are indexed a little at a time, or all of them when one is looked for.
    expect(held.indexSome(PACK_SIZE + 1)).toBe(false);
    expect(held.get(PACK_SIZE + 50, new EntryFields(), true).path()).toBe(entries[PACK_SIZE + 50]!.path);
    const f = new EntryFields();
    const find = (path: string) => held.findBytes(Buffer.from(`..${path}`, 'latin1'), 2, 2 + Buffer.byteLength(path, 'latin1'));
    entries.forEach((e, k) => {
      expect(find(e.path)).toBe(k);
      expect(held.get(k, f, true).state()).toEqual(e);
    });
    // In any order: each read stands on its own.
    for (let k = entries.length - 1; k >= 0; k -= 97) expect(held.get(k, f).attrs()).toEqual(entries[k]!.attrs);
    for (const absent of ['/a/b/\x01', '/d1', '/d1/f', '/a/b/odd/x', '']) expect(find(absent)).toBe(-1);
  });

  it('is not held beyond its limit', () => {
    const db = baselineOf(AWKWARD);
    expect(hold(db, AWKWARD.length)?.size).toBe(AWKWARD.length);
    expect(hold(db, AWKWARD.length - 1)).toBeNull();
  });
});

describe('migration 7', () => {
  it('re-encodes the baselines and self states of an older store and drops the old quick-scan reference', () => {
    const db = store(6);
    db.prepare("INSERT INTO policies (id, name, os, created_at) VALUES (1, 'p', 'linux', 'now')").run();
    db.prepare("INSERT INTO servers (id, name, host, port, user, auth_json, os, tags_json, is_local, shell, sudo, created_at) VALUES (1, 's', 'h', 22, 'u', '{}', 'linux', '[]', 1, 'sh', 0, 'now')").run();
    const insert = db.prepare(`INSERT INTO baseline_entries (baseline_id, ${ENTRY_FIELDS}) VALUES (?, ${ENTRY_PLACEHOLDERS})`);
    const baselines = [AWKWARD, many(5000)];
    db.transaction(() =>
      baselines.forEach((entries, k) => {
        db.prepare("INSERT INTO baselines (id, policy_id, server_id, server_name, created_at, comment, entries, report_json) VALUES (?, 1, 1, 's', 'now', '', ?, '[]')").run(k + 1, entries.length);
        for (const e of entries) insert.run(k + 1, ...entryValues(e));
      }),
    )();
    const self = db.prepare(`INSERT INTO self_entries (server_id, policy_id, ${ENTRY_FIELDS}) VALUES (1, 1, ${ENTRY_PLACEHOLDERS})`);
    db.transaction(() => AWKWARD.forEach((e) => self.run(...entryValues(e))))();
    db.prepare("INSERT INTO server_full_entries (server_id, path, type, size, mtime, ctime, inode) VALUES (1, X'2F61', 'file', 1, '1.000000000', '1.000000000', '1')").run();
    db.prepare("INSERT INTO server_full_scans (server_id, at) VALUES (1, 'now')").run();
    db.prepare('INSERT INTO server_full_baselines (server_id, baseline_id) VALUES (1, 1)').run();
    migrate(db);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    baselines.forEach((entries, k) => {
      expect(loadSet(db, baselineSet(k + 1))).toEqual(new Map([...entries].sort((a, b) => (a.path < b.path ? -1 : 1)).map((e) => [e.path, e])));
      expect((db.prepare('SELECT entries FROM baselines WHERE id = ?').get(k + 1) as { entries: number }).entries).toBe(entries.length);
    });
    expect(loadSet(db, selfSet(1, 1))).toEqual(new Map(AWKWARD.map((e) => [e.path, e])));
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(tables).not.toContain('baseline_entries');
    expect(tables).not.toContain('self_entries');
    expect(tables).not.toContain('server_full_entries');
    // No reference left: the server's next scan is a full one.
    expect(db.prepare('SELECT COUNT(*) FROM server_full_scans').pluck().get()).toBe(0);
    expect(db.prepare('SELECT COUNT(*) FROM server_full_baselines').pluck().get()).toBe(0);
  });
});

describe('a scan merged with a stored set', () => {
  it('pairs each stored entry with its row, in any arrival order', () => {
    const table = new EntryTable(false);
    const arrival = ['/m/z', '/m', '/m/a.b', '/m/a', '/m/a/x', '/m/\xff', '/m/a-'];
    arrival.forEach((p, i) =>
      table.add({ kind: 'entry', target: 0, path: byteString(p), type: 'file', mode: '644', uid: 0, gid: 0, size: 1, mtime: '1.000000000', ctime: '1.000000000', inode: String(i), nlink: 1, link: null, device: null, error: null }),
    );
    table.finish(new Set(), new Map(), new Map());
    expect([...table.sortedRows()].map((r) => table.pathOf(r))).toEqual([...arrival].sort());
    for (const p of arrival) expect(table.row(byteString(p))).toBe(arrival.indexOf(p));
    expect(table.row(byteString('/m/b'))).toBeUndefined();
    const stored = ['/a', '/m/a', '/m/a/x', '/m/b', '/m/\xff', '/n'];
    const enc = new PackEncoder();
    const f = new EntryFields();
    for (const p of stored) enc.add(byteString(p), f.fromState(entry(p)));
    const pack = enc.finish();
    const pairs: [string, string | null][] = [];
    pairWithTable(table, (each) => forEachInPack(pack, new EntryFields(), each), (row, g) => pairs.push([g.path(), row < 0 ? null : table.pathOf(row)]));
    expect(pairs).toEqual(stored.map((p) => [p, arrival.includes(p) ? p : null]));
  });

  it('sorts paths by their bytes (radix), as byte strings compare', () => {
    const column = new PathColumn();
    const seen = new Set<string>();
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const alphabet = '/./a/b\x00\x01\x7f\x80\xff0';
    for (let i = 0; i < 20000; i++) {
      let p = '/r';
      const n = next() % 14;
      for (let k = 0; k < n; k++) p += alphabet[next() % alphabet.length];
      if (seen.has(p)) continue;
      seen.add(p);
      column.push(byteString(p));
    }
    const paths = [...seen];
    expect([...column.sorted()].map((i) => paths[i])).toEqual([...paths].sort());
    paths.forEach((p, i) => expect(column.is(i, byteString(p))).toBe(true));
  });

  it('finds a path by its bytes, the index made before or after the paths came', () => {
    const early = new PathColumn();
    expect(early.findString(byteString('/a'))).toBe(-1); // the index exists from here on, and grows
    const late = new PathColumn();
    const paths = Array.from({ length: 5000 }, (_, i) => `/d${i % 13}/\xff${i}`);
    for (const p of paths) {
      early.push(byteString(p));
      late.push(byteString(p));
    }
    for (const column of [early, late]) {
      paths.forEach((p, i) => expect(column.findString(byteString(p))).toBe(i));
      for (const absent of ['/d1', '/d1/\xff', '/d1/\xff14x', '', '/d0/\xff5000']) expect(column.findString(byteString(absent))).toBe(-1);
    }
  });
});
