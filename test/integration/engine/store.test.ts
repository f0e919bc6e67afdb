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

  it('migration 9 keeps every event and what alerts were sent about them, and retires the ones stuck open for ever', async () => {
    const home = tempDir();
    const file = path.join(home, STORE_FILE);
    const old = new Database(file);
    old.pragma('foreign_keys = ON');
    migrate(old, MIGRATIONS.slice(0, 8));
    const at = '2026-01-01T00:00:00.000Z';
    old.exec(`
      INSERT INTO groups (id, name, created_at) VALUES (1, 'g', '${at}');
      INSERT INTO policies (id, name, os, created_at) VALUES (1, 'kept', 'linux', '${at}'), (2, 'unassigned', 'linux', '${at}');
      INSERT INTO group_policies (group_id, policy_id) VALUES (1, 1);
      INSERT INTO servers (id, name, host, port, user, auth_json, os, group_id, tags_json, is_local, shell, sudo, created_at)
        VALUES (1, 'web', 'localhost', 22, 'root', '{"kind":"local"}', 'linux', 1, '[]', 1, 'sh', 0, '${at}');
      INSERT INTO alert_profiles (id, name, events, emails_json, is_default, created_at) VALUES (1, 'ops', 'both', '[]', 1, '${at}');
    `);
    const event = old.prepare(
      `INSERT INTO events (server_id, policy_id, policy_name, path, change, compare, critical, alert, status, first_seen, last_seen, attributes_json)
       VALUES (1, ?, ?, ?, 'modified', 'master', 0, 1, 'open', '${at}', '${at}', '[]')`,
    );
    event.run(1, 'kept', Buffer.from('/etc/a')); // still watched: stays open
    event.run(null, 'gone', Buffer.from('/etc/b')); // its policy was removed
    event.run(2, 'unassigned', Buffer.from('/etc/c')); // its policy no longer applies to the server
    old.prepare("INSERT INTO alert_notified (profile_id, event_id, notified_at) VALUES (1, 1, ?), (1, 2, ?)").run(at, at);
    old.close();

    await ok(home, 'policy', 'list');
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT id, status, retired_reason FROM events ORDER BY id').all()).toEqual([
      { id: 1, status: 'open', retired_reason: null },
      { id: 2, status: 'retired', retired_reason: 'its policy was removed' },
      { id: 3, status: 'retired', retired_reason: 'its policy no longer applies to this server' },
    ]);
    expect(db.prepare('SELECT profile_id, event_id FROM alert_notified ORDER BY event_id').all()).toEqual([
      { profile_id: 1, event_id: 1 },
      { profile_id: 1, event_id: 2 },
    ]);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    db.close();
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
