// Servers and groups. A server in no group sits in "Unassigned", which has no policies.
import os from 'node:os';
import { ApiError, type ServerInput } from '../../shared/api.js';
import type { Group, Server, ServerAuth, TrustChange } from '../../shared/domain.js';
import { eventsNamePolicy, eventsNameRemovedServer } from '../events/events.js';
import { validName } from '../policy/policies.js';
import { now, type Db } from '../store/db.js';
import { checkKeyFile } from './key-file.js';

export const UNASSIGNED = 'Unassigned';

export interface StoredServer extends Server {
  id: number;
  groupId: number | null;
}

interface ServerRow {
  id: number;
  name: string;
  host: string;
  port: number;
  user: string;
  auth_json: string;
  os: 'linux' | 'windows';
  group_id: number | null;
  group_name: string | null;
  tags_json: string;
  is_local: number;
  shell: string;
  host_key: string | null;
  jump_name: string | null;
  sudo: number;
}

const SERVER_SELECT = `
  SELECT s.*, g.name AS group_name, j.name AS jump_name FROM servers s
  LEFT JOIN groups g ON g.id = s.group_id LEFT JOIN servers j ON j.id = s.jump_id`;

function serverFromRow(r: ServerRow): StoredServer {
  return {
    id: r.id,
    name: r.name,
    host: r.host,
    port: r.port,
    user: r.user,
    auth: JSON.parse(r.auth_json) as ServerAuth,
    os: r.os,
    group: r.group_name,
    groupId: r.group_id,
    tags: JSON.parse(r.tags_json) as string[],
    local: r.is_local === 1,
    shell: r.shell,
    hostKey: r.host_key,
    jump: r.jump_name,
    sudo: r.sudo === 1,
  };
}

/** A stored server as the API shows it: without the store's ids. */
export function publicServer(s: StoredServer): Server {
  const { id: _id, groupId: _g, ...server } = s;
  return server;
}

export function listServers(db: Db): StoredServer[] {
  return (db.prepare(`${SERVER_SELECT} ORDER BY s.name`).all() as ServerRow[]).map(serverFromRow);
}

export function getServer(db: Db, name: string): StoredServer {
  const server = findServer(db, name);
  if (!server) throw new ApiError('not_found', `no server named '${name}'`);
  return server;
}

/** The server of that name, if there is one. */
export function findServer(db: Db, name: string): StoredServer | undefined {
  const row = db.prepare(`${SERVER_SELECT} WHERE s.name = ?`).get(name) as ServerRow | undefined;
  return row && serverFromRow(row);
}

export function addServer(db: Db, input: ServerInput): StoredServer {
  const name = validName(input.name, 'server');
  if (db.prepare('SELECT 1 FROM servers WHERE name = ?').get(name)) {
    throw new ApiError('conflict', `a server named '${name}' exists already (change it with driftwatch server edit ${name}; check its connection with driftwatch server check ${name})`);
  }
  const s = normalizeServer(db, input);
  db.prepare(
    `INSERT INTO servers (name, host, port, user, auth_json, os, group_id, tags_json, is_local, shell, host_key, jump_id, sudo, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)`,
  ).run(name, s.host, s.port, s.user, JSON.stringify(s.auth), s.os, s.groupId, JSON.stringify(s.tags), +s.local, s.shell, s.jumpId, +s.sudo, now());
  return getServer(db, name);
}

export function updateServer(db: Db, name: string, patch: Partial<ServerInput>): StoredServer {
  const old = getServer(db, name);
  const merged: ServerInput = { ...old, ...patch, name: patch.name ?? old.name };
  const newName = validName(merged.name, 'server');
  if (newName !== name && db.prepare('SELECT 1 FROM servers WHERE name = ?').get(newName)) {
    throw new ApiError('conflict', `a server named '${newName}' exists already`);
  }
  const s = normalizeServer(db, merged);
  if (s.jumpId === old.id) throw new ApiError('invalid_input', `server '${name}' cannot be its own jump host`);
  // A new address is a new host: its key must be verified again.
  const keepKey = s.host === old.host && s.port === old.port && s.local === old.local;
  db.prepare(
    `UPDATE servers SET name = ?, host = ?, port = ?, user = ?, auth_json = ?, os = ?, group_id = ?, tags_json = ?, is_local = ?,
     shell = ?, jump_id = ?, sudo = ?, host_key = ? WHERE id = ?`,
  ).run(newName, s.host, s.port, s.user, JSON.stringify(s.auth), s.os, s.groupId, JSON.stringify(s.tags), +s.local, s.shell, s.jumpId, +s.sudo, keepKey ? old.hostKey : null, old.id);
  if (!keepKey && old.hostKey) recordTrustChange(db, old.id, newName, old.hostKey, null, `unpinned: the address changed from ${old.host}:${old.port} to ${s.host}:${s.port}`);
  return getServer(db, newName);
}

/** What looks like a mistake but may be meant (a second login to one host): said, not refused. */
export function serverWarnings(db: Db, server: StoredServer): string[] {
  const others = listServers(db).filter((o) => o.id !== server.id);
  const warnings: string[] = [];
  const sameCase = others.filter((o) => o.name.toLowerCase() === server.name.toLowerCase());
  if (sameCase.length) warnings.push(`the name ${server.name} differs only by case from ${sameCase.map((o) => o.name).join(', ')}`);
  if (!server.local) {
    const sameAddress = others.filter((o) => !o.local && o.host.toLowerCase() === server.host.toLowerCase() && o.port === server.port);
    if (sameAddress.length) warnings.push(`${server.host}:${server.port} is also the address of ${sameAddress.map((o) => o.name).join(', ')}`);
  }
  return warnings;
}

function normalizeServer(db: Db, input: ServerInput) {
  const local = input.local ?? false;
  if (!local && !input.host) throw new ApiError('invalid_input', `server '${input.name}' needs --host (or --local for this machine)`);
  const host = local ? 'localhost' : input.host!;
  if (!local && !/^[A-Za-z0-9._:[\]-]+$/.test(host)) throw new ApiError('invalid_input', `bad host name ${JSON.stringify(host)}`);
  const port = input.port ?? 22;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ApiError('invalid_input', `bad port ${JSON.stringify(input.port)}`);
  const user = input.user ?? (local ? os.userInfo().username : 'root');
  if (!/^[A-Za-z0-9._][A-Za-z0-9._-]*\$?$/.test(user)) throw new ApiError('invalid_input', `bad user name ${JSON.stringify(user)}`);
  const auth: ServerAuth = local ? { kind: 'local' } : (input.auth ?? { kind: 'agent' });
  if (!local && auth.kind === 'local') throw new ApiError('invalid_input', 'only --local servers use local access');
  if (auth.kind === 'key') checkKeyFile(auth.keyFile);
  const tags = input.tags ?? [];
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string' || !t)) throw new ApiError('invalid_input', 'tags must be non-empty words');
  const osName = input.os ?? 'linux';
  if (osName !== 'linux' && osName !== 'windows') throw new ApiError('invalid_input', `os must be linux or windows`);
  const groupId = input.group ? getGroupId(db, input.group) : null;
  const jumpId = input.jump ? getServer(db, input.jump).id : null;
  const shell = input.shell ?? 'sh';
  if (!/^[A-Za-z0-9._/-]+$/.test(shell)) throw new ApiError('invalid_input', `bad shell ${JSON.stringify(shell)}`);
  return { host, port, user, auth, tags, os: osName, groupId, jumpId, local, shell, sudo: input.sudo ?? false };
}

export function moveServers(db: Db, names: string[], group: string | null): void {
  const groupId = group && group !== UNASSIGNED ? getGroupId(db, group) : null;
  db.transaction(() => {
    for (const n of names) db.prepare('UPDATE servers SET group_id = ? WHERE id = ?').run(groupId, getServer(db, n).id);
  })();
}

/** Reaches the server through the jump host `jumpId`. */
export function setJumpHost(db: Db, serverId: number, jumpId: number): void {
  db.prepare('UPDATE servers SET jump_id = ? WHERE id = ?').run(jumpId, serverId);
}

/** The names of the servers reached through this one. */
export function jumpClients(db: Db, serverId: number): string[] {
  return db.prepare('SELECT name FROM servers WHERE jump_id = ?').pluck().all(serverId) as string[];
}

/** Deletes the server row (what hangs on it goes by its foreign keys: cascades, or kept with SET NULL). */
export function deleteServer(db: Db, id: number): void {
  db.prepare('DELETE FROM servers WHERE id = ?').run(id);
}

/** Deletes the group row (its servers become unassigned: SET NULL). */
export function deleteGroup(db: Db, id: number): void {
  db.prepare('DELETE FROM groups WHERE id = ?').run(id);
}

/** Pins (or unpins) a server's host key; a change is recorded with who, when and how. */
export function setHostKey(db: Db, name: string, fingerprint: string | null, how: string): StoredServer {
  const s = getServer(db, name);
  if (s.hostKey !== fingerprint) {
    db.transaction(() => {
      db.prepare('UPDATE servers SET host_key = ? WHERE id = ?').run(fingerprint, s.id);
      recordTrustChange(db, s.id, s.name, s.hostKey, fingerprint, how);
    })();
  }
  return getServer(db, name);
}

function recordTrustChange(db: Db, serverId: number, serverName: string, old: string | null, key: string | null, how: string): void {
  db.prepare('INSERT INTO trust_changes (server_id, server_name, at, by, old_key, new_key, how) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    serverId, serverName, now(), os.userInfo().username, old, key, how,
  );
}

/** Every change of a server's pinned host key, oldest first. */
export function trustHistory(db: Db, serverId: number): TrustChange[] {
  const rows = db.prepare('SELECT at, by, old_key, new_key, how FROM trust_changes WHERE server_id = ? ORDER BY id').all(serverId) as { at: string; by: string; old_key: string | null; new_key: string | null; how: string }[];
  return rows.map((r) => ({ at: r.at, by: r.by, old: r.old_key, new: r.new_key, how: r.how }));
}

export function listGroups(db: Db): Group[] {
  const rows = db.prepare('SELECT id, name FROM groups ORDER BY name').all() as { id: number; name: string }[];
  return rows.map((g) => ({ name: g.name, policies: groupPolicyNames(db, g.id) }));
}

function groupPolicyNames(db: Db, groupId: number): string[] {
  return (db.prepare('SELECT p.name FROM group_policies gp JOIN policies p ON p.id = gp.policy_id WHERE gp.group_id = ? ORDER BY p.name').all(groupId) as { name: string }[]).map((r) => r.name);
}

export function getGroup(db: Db, name: string): Group {
  return { name, policies: groupPolicyNames(db, getGroupId(db, name)) };
}

export function getGroupId(db: Db, name: string): number {
  const id = findGroupId(db, name);
  if (id === undefined) throw new ApiError('not_found', name === UNASSIGNED ? `'${UNASSIGNED}' holds servers with no group; it cannot be changed` : `no group named '${name}'`);
  return id;
}

/** The id of the group of that name, if there is one. */
export function findGroupId(db: Db, name: string): number | undefined {
  return db.prepare('SELECT id FROM groups WHERE name = ?').pluck().get(name) as number | undefined;
}

export function groupHasPolicy(db: Db, groupId: number): boolean {
  return db.prepare('SELECT 1 FROM group_policies WHERE group_id = ? LIMIT 1').get(groupId) !== undefined;
}

// When monitoring of a server began: what the weekly-comparison evidence and the dashboard's
// "stale" count from, so a server is never called late for a time before it was watched.
/**
 * The later of: the server was added, it joined its current group, the group's first (current)
 * policy was assigned. null while no policy applies to it (nothing is monitored). Stores older than
 * these dates count a policy from its group's creation (the earliest it can have been assigned).
 */
export function monitoringSince(db: Db, serverId: number): string | null {
  const r = db
    .prepare(
      `SELECT s.created_at, s.group_since,
        (SELECT MIN(COALESCE(gp.assigned_at, g.created_at)) FROM group_policies gp WHERE gp.group_id = s.group_id) AS policy_since
       FROM servers s LEFT JOIN groups g ON g.id = s.group_id WHERE s.id = ?`,
    )
    .get(serverId) as { created_at: string; group_since: string | null; policy_since: string | null } | undefined;
  if (!r || r.policy_since === null) return null;
  return [r.created_at, r.group_since ?? r.created_at, r.policy_since].sort().pop()!;
}

export function addGroup(db: Db, name: string, policies: string[] = []): Group {
  validName(name, 'group');
  if (name === UNASSIGNED) throw new ApiError('invalid_input', `'${UNASSIGNED}' is reserved for servers with no group`);
  if (db.prepare('SELECT 1 FROM groups WHERE name = ?').get(name)) throw new ApiError('conflict', `a group named '${name}' exists already`);
  db.transaction(() => {
    db.prepare('INSERT INTO groups (name, created_at) VALUES (?, ?)').run(name, now());
    for (const p of policies) assignPolicy(db, name, p);
  })();
  return getGroup(db, name);
}

export function assignPolicy(db: Db, group: string, policy: string): Group {
  const gid = getGroupId(db, group);
  const pid = policyId(db, policy);
  db.prepare('INSERT OR IGNORE INTO group_policies (group_id, policy_id) VALUES (?, ?)').run(gid, pid);
  return getGroup(db, group);
}

export function unassignPolicy(db: Db, group: string, policy: string): Group {
  db.prepare('DELETE FROM group_policies WHERE group_id = ? AND policy_id = ?').run(getGroupId(db, group), policyId(db, policy));
  return getGroup(db, group);
}

/**
 * Filters name things that must exist: a name that matches nothing is an error that says so, never
 * an empty answer. A policy removed since still names its events; Unassigned is a group here.
 */
export function requireNames(db: Db, names: { servers?: readonly string[]; groups?: readonly string[]; policies?: readonly string[] }): void {
  const missing = (list: readonly string[] | undefined, kind: [one: string, many: string], exists: (name: string) => unknown) => {
    const gone = [...new Set(list ?? [])].filter((n) => !exists(n));
    return gone.length ? [`no ${kind[gone.length > 1 ? 1 : 0]} named ${gone.map((n) => `'${n}'`).join(', ')}`] : [];
  };
  // A removed server still names its events (they keep its name).
  const server = db.prepare('SELECT 1 FROM servers WHERE name = ?');
  const group = db.prepare('SELECT 1 FROM groups WHERE name = ?');
  const policy = db.prepare('SELECT 1 FROM policies WHERE name = ?');
  const problems = [
    ...missing(names.servers, ['server', 'servers'], (n) => server.get(n) || eventsNameRemovedServer(db, n)),
    ...missing(names.groups, ['group', 'groups'], (n) => n === UNASSIGNED || group.get(n)),
    ...missing(names.policies, ['policy', 'policies'], (n) => policy.get(n) || eventsNamePolicy(db, n)),
  ];
  if (problems.length) throw new ApiError('not_found', problems.join('; '));
}

function policyId(db: Db, name: string): number {
  const row = db.prepare('SELECT id FROM policies WHERE name = ?').get(name) as { id: number } | undefined;
  if (!row) throw new ApiError('not_found', `no policy named '${name}'`);
  return row.id;
}

/** Policy ids assigned to the server's group (none for Unassigned). */
export function serverPolicyIds(db: Db, server: StoredServer): number[] {
  if (server.groupId === null) return [];
  return (db.prepare('SELECT policy_id FROM group_policies WHERE group_id = ? ORDER BY policy_id').all(server.groupId) as { policy_id: number }[]).map((r) => r.policy_id);
}
