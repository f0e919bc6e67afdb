// Numbered migrations. PRAGMA user_version holds the last one applied; an older store is upgraded
// in place, one migration per transaction. Never edit a shipped migration: add the next one. A
// migration is SQL, or a function for one that must re-encode data (7). A migration never calls
// code that can change: one that needs code carries a frozen copy of it (migration-7-packs.ts).
import type Database from 'better-sqlite3';
import { repackRows } from './migration-7-packs.js';

export type Migration = string | ((db: Database.Database) => void);

// Columns of one scanned entry, shared by every table that holds entries.
const ENTRY_COLUMNS = `
  type TEXT NOT NULL, mode TEXT NOT NULL, uid INTEGER NOT NULL, gid INTEGER NOT NULL,
  owner TEXT NOT NULL, grp TEXT NOT NULL, size INTEGER NOT NULL, mtime TEXT NOT NULL, ctime TEXT NOT NULL,
  inode TEXT NOT NULL, nlink INTEGER NOT NULL, device TEXT, target BLOB, sha256 TEXT, error TEXT,
  extra_json TEXT`;

export const MIGRATIONS: readonly Migration[] = [
  // 1: inventory, policies, baselines, scans, events.
  `
  CREATE TABLE groups (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL
  );
  CREATE TABLE policies (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, os TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL
  );
  CREATE TABLE targets (
    id INTEGER PRIMARY KEY, policy_id INTEGER NOT NULL REFERENCES policies(id) ON DELETE CASCADE,
    path TEXT NOT NULL, depth INTEGER, include_json TEXT NOT NULL, exclude_json TEXT NOT NULL,
    critical INTEGER NOT NULL, alert INTEGER NOT NULL, compare TEXT NOT NULL CHECK (compare IN ('master', 'self')),
    ignore_json TEXT NOT NULL, cross_mounts INTEGER NOT NULL,
    UNIQUE (policy_id, path)
  );
  CREATE TABLE group_policies (
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    policy_id INTEGER NOT NULL REFERENCES policies(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, policy_id)
  );
  CREATE TABLE servers (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, host TEXT NOT NULL, port INTEGER NOT NULL,
    user TEXT NOT NULL, auth_json TEXT NOT NULL, os TEXT NOT NULL,
    group_id INTEGER REFERENCES groups(id) ON DELETE SET NULL, tags_json TEXT NOT NULL,
    is_local INTEGER NOT NULL, shell TEXT NOT NULL, host_key TEXT,
    jump_id INTEGER REFERENCES servers(id) ON DELETE RESTRICT, sudo INTEGER NOT NULL, created_at TEXT NOT NULL
  );
  CREATE TABLE scans (
    id INTEGER PRIMARY KEY, server_id INTEGER NOT NULL REFERENCES servers(id) ON DELETE CASCADE,
    kind TEXT NOT NULL, status TEXT NOT NULL, reason TEXT, started_at TEXT NOT NULL, finished_at TEXT,
    counts_json TEXT NOT NULL, warnings_json TEXT NOT NULL
  );
  CREATE INDEX scans_by_server ON scans (server_id, id);
  CREATE TABLE baselines (
    id INTEGER PRIMARY KEY, policy_id INTEGER NOT NULL REFERENCES policies(id) ON DELETE CASCADE,
    server_id INTEGER REFERENCES servers(id) ON DELETE SET NULL, server_name TEXT NOT NULL,
    scan_id INTEGER REFERENCES scans(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL, expires_at TEXT, comment TEXT NOT NULL, entries INTEGER NOT NULL, report_json TEXT NOT NULL
  );
  CREATE TABLE baseline_entries (
    baseline_id INTEGER NOT NULL REFERENCES baselines(id) ON DELETE CASCADE, path BLOB NOT NULL, ${ENTRY_COLUMNS},
    PRIMARY KEY (baseline_id, path)
  ) WITHOUT ROWID;
  -- The accepted state of a server's 'self' targets; self_targets says which targets it covers yet.
  CREATE TABLE self_entries (
    server_id INTEGER NOT NULL REFERENCES servers(id) ON DELETE CASCADE,
    policy_id INTEGER NOT NULL REFERENCES policies(id) ON DELETE CASCADE, path BLOB NOT NULL, ${ENTRY_COLUMNS},
    PRIMARY KEY (server_id, policy_id, path)
  ) WITHOUT ROWID;
  CREATE TABLE self_targets (
    server_id INTEGER NOT NULL REFERENCES servers(id) ON DELETE CASCADE,
    policy_id INTEGER NOT NULL REFERENCES policies(id) ON DELETE CASCADE, target_path TEXT NOT NULL,
    PRIMARY KEY (server_id, policy_id, target_path)
  ) WITHOUT ROWID;
  -- A deviation from the gold master accepted for one server only ("present = 0": accepted as absent).
  CREATE TABLE server_accepts (
    server_id INTEGER NOT NULL REFERENCES servers(id) ON DELETE CASCADE,
    policy_id INTEGER NOT NULL REFERENCES policies(id) ON DELETE CASCADE, path BLOB NOT NULL,
    present INTEGER NOT NULL, entry_json TEXT, accepted_by TEXT NOT NULL, accepted_at TEXT NOT NULL, note TEXT NOT NULL,
    PRIMARY KEY (server_id, policy_id, path)
  ) WITHOUT ROWID;
  CREATE TABLE events (
    id INTEGER PRIMARY KEY, server_id INTEGER NOT NULL REFERENCES servers(id) ON DELETE CASCADE,
    policy_id INTEGER REFERENCES policies(id) ON DELETE SET NULL, policy_name TEXT NOT NULL,
    path BLOB NOT NULL, change TEXT NOT NULL, compare TEXT NOT NULL, critical INTEGER NOT NULL, alert INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'resolved', 'accepted')),
    first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, first_scan_id INTEGER, last_scan_id INTEGER,
    attributes_json TEXT NOT NULL, baseline_json TEXT, current_json TEXT, error TEXT,
    accepted_by TEXT, accepted_at TEXT, note TEXT, accept_scope TEXT, resolved_at TEXT
  );
  CREATE UNIQUE INDEX events_one_open ON events (server_id, policy_id, path) WHERE status = 'open';
  CREATE INDEX events_by_status ON events (status, last_seen);
  `,
  // 2: automatic scans (schedules, leases), alerting (profiles, notified events, outbox), settings,
  // and the compliance reference of a target.
  `
  CREATE TABLE schedules (
    group_id INTEGER PRIMARY KEY REFERENCES groups(id) ON DELETE CASCADE,
    every TEXT, cron TEXT NOT NULL, on_start INTEGER NOT NULL,
    next_run TEXT, last_run TEXT, last_finished TEXT, last_status TEXT, last_message TEXT, updated_at TEXT NOT NULL
  );
  -- Leases shared by every process on this store (a scheduled run of a group, a scan of a server).
  CREATE TABLE locks (
    name TEXT PRIMARY KEY, owner TEXT NOT NULL, acquired_at TEXT NOT NULL, expires_at TEXT NOT NULL
  );
  CREATE TABLE settings (key TEXT PRIMARY KEY, value_json TEXT NOT NULL);
  CREATE TABLE alert_profiles (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
    events TEXT NOT NULL CHECK (events IN ('critical', 'non-critical', 'both')),
    emails_json TEXT NOT NULL, webhook TEXT, jsonl TEXT, syslog TEXT, is_default INTEGER NOT NULL, created_at TEXT NOT NULL
  );
  CREATE TABLE group_alert_profiles (
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    profile_id INTEGER NOT NULL REFERENCES alert_profiles(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, profile_id)
  );
  -- Which events each profile has been told about: an open event that persists is not sent again.
  CREATE TABLE alert_notified (
    profile_id INTEGER NOT NULL REFERENCES alert_profiles(id) ON DELETE CASCADE,
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE, notified_at TEXT NOT NULL,
    PRIMARY KEY (profile_id, event_id)
  ) WITHOUT ROWID;
  -- Notifications waiting to be delivered (or delivered): written with the notified marks, so none is lost.
  CREATE TABLE alert_outbox (
    id INTEGER PRIMARY KEY, profile_name TEXT NOT NULL, channel TEXT NOT NULL, destination TEXT NOT NULL,
    kind TEXT NOT NULL, created_at TEXT NOT NULL, payload_json TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent')), attempts INTEGER NOT NULL, next_attempt_at TEXT NOT NULL,
    last_attempt_at TEXT, last_error TEXT, sent_at TEXT, lease_owner TEXT, lease_until TEXT
  );
  CREATE INDEX alert_outbox_pending ON alert_outbox (status, next_attempt_at);
  ALTER TABLE targets ADD COLUMN reference TEXT NOT NULL DEFAULT '';
  `,
  // 3: scanner fidelity: which mode each scan ran (full or quick), what each server's host offers
  // (pre-flight) and how it is scanned, the entries of its last full scan (what a quick scan
  // reuses), and targets that keep the content of small files.
  `
  ALTER TABLE scans ADD COLUMN mode TEXT;
  CREATE TABLE server_preflight (
    server_id INTEGER PRIMARY KEY REFERENCES servers(id) ON DELETE CASCADE, at TEXT NOT NULL, facts_json TEXT NOT NULL
  );
  CREATE TABLE server_scan_settings (
    server_id INTEGER PRIMARY KEY REFERENCES servers(id) ON DELETE CASCADE,
    jobs INTEGER NOT NULL, nice INTEGER NOT NULL, full_every INTEGER NOT NULL, full_every_days REAL NOT NULL
  );
  CREATE TABLE server_full_entries (
    server_id INTEGER NOT NULL REFERENCES servers(id) ON DELETE CASCADE, path BLOB NOT NULL,
    type TEXT NOT NULL, size INTEGER NOT NULL, mtime TEXT NOT NULL, ctime TEXT NOT NULL, inode TEXT NOT NULL,
    sha256 TEXT, content_json TEXT,
    PRIMARY KEY (server_id, path)
  ) WITHOUT ROWID;
  -- The last full scan those entries come from, with the host's clock when it started.
  CREATE TABLE server_full_scans (
    server_id INTEGER PRIMARY KEY REFERENCES servers(id) ON DELETE CASCADE,
    scan_id INTEGER REFERENCES scans(id) ON DELETE SET NULL, at TEXT NOT NULL, host_time TEXT
  );
  ALTER TABLE targets ADD COLUMN content_limit INTEGER;
  ALTER TABLE targets ADD COLUMN content_secrets_json TEXT;
  `,
  // 4: events lists and counts that never read event rows. events_page (by status) and
  // events_page_all (any status) hold every column a list filter tests, in id order, so a page at
  // any offset and its total are read from the index alone; events_open_counts answers the open
  // critical / other counts per server (servers list, dashboard) in one pass.
  `
  CREATE INDEX events_page ON events (status, id, critical, server_id, policy_name, first_seen, last_seen);
  CREATE INDEX events_page_all ON events (id, status, critical, server_id, policy_name, first_seen, last_seen);
  CREATE INDEX events_open_counts ON events (status, server_id, critical);
  `,
  // 5: a quick scan also reuses the device numbers and the attributes beyond stat(2) of entries
  // whose ctime and inode did not move since the last full scan (any change to them moves ctime).
  `
  ALTER TABLE server_full_entries ADD COLUMN device TEXT;
  ALTER TABLE server_full_entries ADD COLUMN ext_json TEXT;
  `,
  // 6: a gold-master baseline scan is not written twice: its entries stay in baseline_entries and
  // the server's quick-scan reference names the baseline (read over server_full_entries, in id order).
  `
  CREATE TABLE server_full_baselines (
    server_id INTEGER NOT NULL REFERENCES servers(id) ON DELETE CASCADE,
    baseline_id INTEGER NOT NULL REFERENCES baselines(id) ON DELETE CASCADE,
    PRIMARY KEY (server_id, baseline_id)
  ) WITHOUT ROWID;
  `,
  // 7: entries in packs (store/packs): a baseline's entries, a server's self state and its last
  // full scan, as BLOBs of up to 4,096 entries in path order instead of one row per entry.
  // Baselines and self states are re-encoded here; the quick-scan reference is dropped (its rows
  // lack what a pack holds), so each server's next scan is a full one, which writes it anew.
  (db) => {
    db.exec(`
    CREATE TABLE baseline_packs (
      baseline_id INTEGER NOT NULL REFERENCES baselines(id) ON DELETE CASCADE,
      first_path BLOB NOT NULL, entries INTEGER NOT NULL, data BLOB NOT NULL,
      PRIMARY KEY (baseline_id, first_path)
    );
    CREATE TABLE server_full_packs (
      server_id INTEGER NOT NULL REFERENCES servers(id) ON DELETE CASCADE,
      first_path BLOB NOT NULL, entries INTEGER NOT NULL, data BLOB NOT NULL,
      PRIMARY KEY (server_id, first_path)
    );
    CREATE TABLE self_packs (
      server_id INTEGER NOT NULL REFERENCES servers(id) ON DELETE CASCADE,
      policy_id INTEGER NOT NULL REFERENCES policies(id) ON DELETE CASCADE,
      first_path BLOB NOT NULL, entries INTEGER NOT NULL, data BLOB NOT NULL,
      PRIMARY KEY (server_id, policy_id, first_path)
    );
    `);
    for (const id of db.prepare('SELECT id FROM baselines ORDER BY id').pluck().all() as number[]) {
      const entries = repackRows(db, { from: 'baseline_entries', to: 'baseline_packs', owner: ['baseline_id'], ids: [id] });
      db.prepare('UPDATE baselines SET entries = ? WHERE id = ?').run(entries, id);
    }
    for (const s of db.prepare('SELECT DISTINCT server_id, policy_id FROM self_entries').all() as { server_id: number; policy_id: number }[]) {
      repackRows(db, { from: 'self_entries', to: 'self_packs', owner: ['server_id', 'policy_id'], ids: [s.server_id, s.policy_id] });
    }
    db.exec(`
    DROP TABLE baseline_entries;
    DROP TABLE self_entries;
    DROP TABLE server_full_entries;
    DELETE FROM server_full_baselines;
    DELETE FROM server_full_scans;
    `);
  },
  // 8: verdicts that say what was compared. Each scan records every policy's outcome (compared or
  // not, and why); a baseline can be superseded by a later one of the same server (kept, no longer
  // compared with); and monitoring is dated: when a server joined its group and when a group's
  // policy was assigned (set by triggers, so every writer of those rows keeps them). A profile
  // told that a server is not compared (and why) is not told again until that changes.
  `
  CREATE TABLE alert_not_compared (
    profile_id INTEGER NOT NULL REFERENCES alert_profiles(id) ON DELETE CASCADE,
    server_id INTEGER NOT NULL REFERENCES servers(id) ON DELETE CASCADE,
    reason TEXT NOT NULL, notified_at TEXT NOT NULL,
    PRIMARY KEY (profile_id, server_id)
  ) WITHOUT ROWID;
  ALTER TABLE scans ADD COLUMN policies_json TEXT;
  ALTER TABLE baselines ADD COLUMN superseded_at TEXT;
  ALTER TABLE baselines ADD COLUMN superseded_by INTEGER REFERENCES baselines(id) ON DELETE SET NULL;
  ALTER TABLE servers ADD COLUMN group_since TEXT;
  ALTER TABLE group_policies ADD COLUMN assigned_at TEXT;
  CREATE TRIGGER servers_group_since AFTER UPDATE OF group_id ON servers WHEN OLD.group_id IS NOT NEW.group_id
  BEGIN
    UPDATE servers SET group_since = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id;
  END;
  CREATE TRIGGER group_policies_assigned_at AFTER INSERT ON group_policies
  BEGIN
    UPDATE group_policies SET assigned_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE group_id = NEW.group_id AND policy_id = NEW.policy_id;
  END;
  `,
  // 9: no event is left in a state nobody can change, and trust changes are on record.
  // Events gain the status 'retired' (closed because what they were about was removed, with the
  // reason) and outlive their server (server_id SET NULL; the names are kept in former_*). SQLite
  // cannot alter a CHECK, so the table is rebuilt; alert_notified's rows (which a DROP would
  // cascade away) are carried over. Open events already stuck (their policy removed, or no longer
  // assigned to their server's group) are retired with that reason.
  (db) => {
    const COLUMNS = `id, server_id, policy_id, policy_name, path, change, compare, critical, alert, status, first_seen, last_seen,
      first_scan_id, last_scan_id, attributes_json, baseline_json, current_json, error, accepted_by, accepted_at, note, accept_scope, resolved_at`;
    db.exec(`
    CREATE TABLE events_v9 (
      id INTEGER PRIMARY KEY, server_id INTEGER REFERENCES servers(id) ON DELETE SET NULL,
      policy_id INTEGER REFERENCES policies(id) ON DELETE SET NULL, policy_name TEXT NOT NULL,
      path BLOB NOT NULL, change TEXT NOT NULL, compare TEXT NOT NULL, critical INTEGER NOT NULL, alert INTEGER NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('open', 'resolved', 'accepted', 'retired')),
      first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, first_scan_id INTEGER, last_scan_id INTEGER,
      attributes_json TEXT NOT NULL, baseline_json TEXT, current_json TEXT, error TEXT,
      accepted_by TEXT, accepted_at TEXT, note TEXT, accept_scope TEXT, resolved_at TEXT,
      retired_at TEXT, retired_reason TEXT, former_server TEXT, former_group TEXT
    );
    INSERT INTO events_v9 (${COLUMNS}) SELECT ${COLUMNS} FROM events;
    CREATE TEMP TABLE notified_v9 AS SELECT * FROM alert_notified;
    DROP TABLE events;
    ALTER TABLE events_v9 RENAME TO events;
    INSERT INTO alert_notified SELECT * FROM temp.notified_v9;
    DROP TABLE temp.notified_v9;
    CREATE UNIQUE INDEX events_one_open ON events (server_id, policy_id, path) WHERE status = 'open';
    CREATE INDEX events_by_status ON events (status, last_seen);
    CREATE INDEX events_page ON events (status, id, critical, server_id, policy_name, first_seen, last_seen);
    CREATE INDEX events_page_all ON events (id, status, critical, server_id, policy_name, first_seen, last_seen);
    CREATE INDEX events_open_counts ON events (status, server_id, critical);
    -- The events of removed servers, found by the name they keep (a server filter's second half).
    CREATE INDEX events_former ON events (former_server) WHERE server_id IS NULL;
    -- Every change of a server's pinned host key: who (OS user), when, old and new, and how.
    CREATE TABLE trust_changes (
      id INTEGER PRIMARY KEY, server_id INTEGER REFERENCES servers(id) ON DELETE SET NULL, server_name TEXT NOT NULL,
      at TEXT NOT NULL, by TEXT NOT NULL, old_key TEXT, new_key TEXT, how TEXT NOT NULL
    );
    CREATE INDEX trust_changes_by_server ON trust_changes (server_id, id);
    `);
    const at = new Date().toISOString();
    db.prepare(
      `UPDATE events SET status = 'retired', retired_at = ?, retired_reason = 'its policy was removed' WHERE status = 'open' AND change != 'host_key_mismatch' AND policy_id IS NULL`,
    ).run(at);
    db.prepare(
      `UPDATE events SET status = 'retired', retired_at = ?, retired_reason = 'its policy no longer applies to this server' WHERE status = 'open' AND change != 'host_key_mismatch'
       AND NOT EXISTS (SELECT 1 FROM servers s JOIN group_policies gp ON gp.group_id = s.group_id WHERE s.id = events.server_id AND gp.policy_id = events.policy_id)`,
    ).run(at);
  },
  // 10: how many entries one scan of a server may hold (a host that sends more fails its scan).
  `ALTER TABLE server_scan_settings ADD COLUMN max_entries INTEGER NOT NULL DEFAULT 2000000;`,
];
