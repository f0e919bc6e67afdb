// Numbered migrations. PRAGMA user_version holds the last one applied; an older store is upgraded
// in place, one migration per transaction. Never edit a shipped migration: add the next one.

// Columns of one scanned entry, shared by every table that holds entries.
const ENTRY_COLUMNS = `
  type TEXT NOT NULL, mode TEXT NOT NULL, uid INTEGER NOT NULL, gid INTEGER NOT NULL,
  owner TEXT NOT NULL, grp TEXT NOT NULL, size INTEGER NOT NULL, mtime TEXT NOT NULL, ctime TEXT NOT NULL,
  inode TEXT NOT NULL, nlink INTEGER NOT NULL, device TEXT, target BLOB, sha256 TEXT, error TEXT,
  extra_json TEXT`;

export const MIGRATIONS: readonly string[] = [
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
];
