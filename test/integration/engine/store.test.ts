// The store: WAL and foreign keys, numbered migrations upgrading an older store in place, a store
// from a newer Driftwatch refused.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate, openStore, STORE_FILE } from '../../../src/main/store/db.js';
import { MIGRATIONS } from '../../../src/main/store/migrations.js';
import { cli, ok, removeTemps, snapshot, tempDir } from './helpers.js';

afterAll(removeTemps);

describe('store', () => {
  it('is one SQLite file in WAL mode with foreign keys on', async () => {
    const home = tempDir();
    await ok(home, 'policy', 'add', 'p');
    expect(fs.existsSync(path.join(home, STORE_FILE))).toBe(true);
    const raw = new Database(path.join(home, STORE_FILE), { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal'); // persistent in the file
    expect(raw.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    raw.close();
    const db = openStore(home);
    try {
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(() => db.prepare("INSERT INTO targets (policy_id, path, include_json, exclude_json, critical, alert, compare, ignore_json, cross_mounts) VALUES (999, '/x', '[]', '[]', 0, 0, 'master', '[]', 0)").run()).toThrow(/FOREIGN KEY/);
      // Removing a policy removes its targets (ON DELETE CASCADE works because the pragma is on).
      db.prepare("INSERT INTO targets (policy_id, path, include_json, exclude_json, critical, alert, compare, ignore_json, cross_mounts) VALUES (1, '/x', '[]', '[]', 0, 0, 'master', '[]', 0)").run();
      db.prepare('DELETE FROM policies WHERE id = 1').run();
      expect(db.prepare('SELECT COUNT(*) AS n FROM targets').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });

  it('creates the home folder, private to its owner', async () => {
    const home = path.join(tempDir(), 'a/b/home');
    await ok(home, 'server', 'list');
    expect(fs.statSync(home).mode & 0o777).toBe(0o700);
  });

  it.each(Array.from({ length: MIGRATIONS.length }, (_, n) => n))('a store at schema version %i is upgraded in place, keeping its data', async (n) => {
    const home = tempDir();
    const file = path.join(home, STORE_FILE);
    const old = new Database(file);
    migrate(old, MIGRATIONS.slice(0, n));
    expect(old.pragma('user_version', { simple: true })).toBe(n);
    if (n >= 1) {
      old.prepare("INSERT INTO policies (name, os, description, created_at) VALUES ('kept', 'linux', 'from v1', '2020-01-01T00:00:00.000Z')").run();
      old.prepare("INSERT INTO targets (policy_id, path, depth, include_json, exclude_json, critical, alert, compare, ignore_json, cross_mounts) VALUES (1, '/etc', NULL, '[]', '[]', 1, 0, 'master', '[]', 0)").run();
    }
    old.close();

    await ok(home, 'policy', 'list'); // a full open through the CLI upgrades it
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    db.close();
    if (n >= 1) {
      const shown = JSON.parse(await ok(home, 'policy', 'show', 'kept', '--json'));
      expect(shown).toMatchObject({ name: 'kept', description: 'from v1', targets: [{ path: '/etc', depth: null, critical: true }] });
    }
    // And it works: a fresh store and the upgraded one have the same schema.
    const fresh = tempDir();
    await ok(fresh, 'policy', 'list');
    const schema = (h: string) => {
      const d = new Database(path.join(h, STORE_FILE), { readonly: true });
      const rows = d.prepare("SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all();
      const cols = (d.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]).map((t) => [t.name, d.pragma(`table_info(${t.name})`)]);
      d.close();
      return { rows, cols };
    };
    expect(schema(home)).toEqual(schema(fresh));
  });

  it('a store from a newer Driftwatch is refused with a clear error, and left alone', async () => {
    const home = tempDir();
    await ok(home, 'policy', 'add', 'p');
    const file = path.join(home, STORE_FILE);
    const db = new Database(file);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    const before = snapshot(home);
    const r = await cli(home, 'policy', 'list');
    expect(r.code).not.toBe(0);
    expect(r.err).toBe(`driftwatch: this store was written by a newer Driftwatch (schema ${MIGRATIONS.length + 1}; this one knows ${MIGRATIONS.length})`);
    expect(snapshot(home)).toEqual(before);
    const after = new Database(file, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length + 1);
    after.close();
    expect(() => openStore(home)).toThrow(/newer Driftwatch/);
    // The refused store is not left open by this process.
    const open = fs.readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith(file);
      } catch {
        return false;
      }
    });
    expect(open).toEqual([]);
  });

  it('a migration that fails is rolled back whole: the version does not move', () => {
    const home = tempDir();
    const db = new Database(path.join(home, STORE_FILE));
    try {
      expect(() => migrate(db, [MIGRATIONS[0]!, 'CREATE TABLE half (x); THIS IS NOT SQL;'])).toThrow();
      expect(db.pragma('user_version', { simple: true })).toBe(1);
      expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").all()).toEqual([]);
    } finally {
      db.close();
    }
  });
});
