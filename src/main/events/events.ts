// Events are findings with a state. A deviation stays one open event while it persists (a later
// scan updates lastSeen); it resolves by itself when the entry returns to the reference; accepting
// closes it and records who, when, why and for which scope. This module and event-list.ts (which
// reads them as the API shows them) own the events table.
import os from 'node:os';
import { ApiError } from '../../shared/api.js';
import type { AcceptScope, FimEvent } from '../../shared/domain.js';
import { putBaselineEntries } from '../baseline/baselines.js';
import type { EntryState } from '../model/entry.js';
import type { Deviation } from '../compare/evaluate.js';
import type { Db } from '../store/db.js';
import { entryFromJson, entryToJson } from '../store/entries.js';
import { replaceEntries, selfSet, type EntrySet } from '../store/packs/pack-store.js';
import { EVENT_SELECT, getEvent, type EventRow } from './event-list.js';

/** Records one policy's deviations from a scan; open events it no longer sees are resolved. */
export function recordDeviations(db: Db, args: { serverId: number; policyId: number; policyName: string; scanId: number; at: string; deviations: Deviation[] }): number[] {
  const { serverId, policyId, scanId, at } = args;
  const findOpen = db.prepare("SELECT id FROM events WHERE server_id = ? AND policy_id = ? AND path = ? AND status = 'open'");
  const update = db.prepare(
    `UPDATE events SET change = ?, compare = ?, critical = ?, alert = ?, last_seen = ?, last_scan_id = ?, attributes_json = ?,
     baseline_json = ?, current_json = ?, error = ? WHERE id = ?`,
  );
  const insert = db.prepare(
    `INSERT INTO events (server_id, policy_id, policy_name, path, change, compare, critical, alert, status, first_seen, last_seen,
     first_scan_id, last_scan_id, attributes_json, baseline_json, current_json, error)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const ids: number[] = [];
  for (const d of args.deviations) {
    const path = Buffer.from(d.path, 'latin1');
    const open = findOpen.get(serverId, policyId, path) as { id: number } | undefined;
    const values = [JSON.stringify(d.attributes), entryToJson(d.baseline), entryToJson(d.current), d.error];
    if (open) {
      update.run(d.change, d.target.compare, +d.target.critical, +d.target.alert, at, scanId, ...values, open.id);
      ids.push(open.id);
    } else {
      const r = insert.run(serverId, policyId, args.policyName, path, d.change, d.target.compare, +d.target.critical, +d.target.alert, at, at, scanId, scanId, ...values);
      ids.push(Number(r.lastInsertRowid));
    }
  }
  const keep = new Set(ids);
  const stillOpen = db.prepare("SELECT id FROM events WHERE server_id = ? AND policy_id = ? AND status = 'open'").all(serverId, policyId) as { id: number }[];
  const resolve = db.prepare("UPDATE events SET status = 'resolved', resolved_at = ?, last_scan_id = ? WHERE id = ?");
  for (const { id } of stillOpen) if (!keep.has(id)) resolve.run(at, scanId, id);
  return ids;
}


/** The server's accepted deviations from the gold master of a policy: path → the accepted entry (null: accepted as absent). */
export function serverAccepts(db: Db, serverId: number, policyId: number): Map<string, EntryState | null> {
  const accepts = new Map<string, EntryState | null>();
  for (const r of db.prepare('SELECT path, present, entry_json FROM server_accepts WHERE server_id = ? AND policy_id = ?').iterate(serverId, policyId) as IterableIterator<{ path: Buffer; present: number; entry_json: string | null }>) {
    accepts.set(r.path.toString('latin1'), r.present ? entryFromJson(r.entry_json) : null);
  }
  return accepts;
}

/** Whether the server has an open changed-host-key event. */
export function hasOpenHostKeyEvent(db: Db, serverId: number): boolean {
  return db.prepare("SELECT 1 FROM events WHERE server_id = ? AND change = 'host_key_mismatch' AND status = 'open'").get(serverId) !== undefined;
}

/** Whether events still name a removed server (they keep its name). */
export function eventsNameRemovedServer(db: Db, name: string): boolean {
  return db.prepare('SELECT 1 FROM events WHERE server_id IS NULL AND former_server = ? LIMIT 1').get(name) !== undefined;
}

/** Whether events name a policy (one removed since still names its events). */
export function eventsNamePolicy(db: Db, name: string): boolean {
  return db.prepare('SELECT 1 FROM events WHERE policy_name = ? LIMIT 1').get(name) !== undefined;
}

/** The open events of a server (all open events without one). */
export function countOpen(db: Db, serverId?: number): number {
  if (serverId === undefined) return (db.prepare("SELECT COUNT(*) AS n FROM events WHERE status = 'open'").get() as { n: number }).n;
  return (db.prepare("SELECT COUNT(*) AS n FROM events WHERE server_id = ? AND status = 'open'").get(serverId) as { n: number }).n;
}

/** The server's open events, critical and not. */
export function openCounts(db: Db, serverId: number): { critical: number; nonCritical: number } {
  const open = db.prepare("SELECT critical, COUNT(*) AS n FROM events WHERE server_id = ? AND status = 'open' GROUP BY critical").all(serverId) as { critical: number; n: number }[];
  return { critical: open.find((o) => o.critical === 1)?.n ?? 0, nonCritical: open.find((o) => o.critical === 0)?.n ?? 0 };
}

/**
 * Accepts open events. scope 'server': this server keeps the new state (a per-server exception to
 * the gold master, or its own accepted state for self targets). scope 'baseline': the new state
 * goes into every active baseline of the policy, so every server is held to it.
 */
export function acceptEvents(db: Db, ids: number[], options: { note?: string; scope?: AcceptScope; by?: string; at: string; activeBaselineIds: (policyId: number) => number[] }): FimEvent[] {
  const scope = options.scope ?? 'server';
  const by = options.by ?? os.userInfo().username;
  const note = options.note ?? '';
  return db.transaction(() => {
    // What goes into packed sets (a server's self state, baselines) is gathered and written once
    // per set after the events: a pack is re-encoded once however many of them fall in it.
    const selfChanges = new Map<string, { set: EntrySet; changes: Map<string, EntryState | null> }>();
    const baselineChanges = new Map<number, Map<string, EntryState | null>>();
    const accepted = ids.map((id) => {
      const row = db.prepare(`${EVENT_SELECT} WHERE e.id = ?`).get(id) as EventRow | undefined;
      if (!row) throw new ApiError('not_found', `no event with id ${id}`);
      refuseAccept(row);
      const current = entryFromJson(row.current_json);
      const path = row.path;
      if (row.compare === 'self') {
        const key = `${row.server_id}/${row.policy_id}`;
        let self = selfChanges.get(key);
        if (!self) selfChanges.set(key, (self = { set: selfSet(row.server_id, row.policy_id), changes: new Map() }));
        self.changes.set(path.toString('latin1'), current);
      } else if (scope === 'server') {
        db.prepare(
          `INSERT OR REPLACE INTO server_accepts (server_id, policy_id, path, present, entry_json, accepted_by, accepted_at, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(row.server_id, row.policy_id, path, current ? 1 : 0, entryToJson(current), by, options.at, note);
      } else {
        const baselines = options.activeBaselineIds(row.policy_id);
        if (!baselines.length) {
          throw new ApiError(
            'conflict',
            `policy '${row.policy_name}' has no active baseline to accept event ${id} into: accept it for this server (--for-server), or take a baseline first (driftwatch baseline ${row.policy_name} --server GOLD-MASTER)`,
          );
        }
        for (const b of baselines) {
          let changes = baselineChanges.get(b);
          if (!changes) baselineChanges.set(b, (changes = new Map()));
          changes.set(path.toString('latin1'), current);
        }
        // The same server's own exception, if any, is no longer needed.
        db.prepare('DELETE FROM server_accepts WHERE server_id = ? AND policy_id = ? AND path = ?').run(row.server_id, row.policy_id, path);
      }
      // A self target's reference is this server's own state, whatever scope was asked for.
      const applied: AcceptScope = row.compare === 'self' ? 'server' : scope;
      db.prepare("UPDATE events SET status = 'accepted', accepted_by = ?, accepted_at = ?, note = ?, accept_scope = ? WHERE id = ?").run(by, options.at, note, applied, id);
      return getEvent(db, id);
    });
    for (const { set, changes } of selfChanges.values()) replaceEntries(db, set, changes);
    for (const [b, changes] of baselineChanges) putBaselineEntries(db, b, changes);
    return accepted;
  })();
}

/** Why an event cannot be accepted, and what to do instead (accept only where it means something). */
function refuseAccept(row: EventRow): asserts row is EventRow & { server_id: number; policy_id: number } {
  const id = row.id;
  if (row.status === 'retired') throw new ApiError('conflict', `event ${id} is retired (${row.retired_reason ?? 'removed'}): it stays in the history and needs nothing more`);
  if (row.status !== 'open') throw new ApiError('conflict', `event ${id} is ${row.status} already: nothing to accept`);
  if (row.change === 'host_key_mismatch') {
    const presented = hostKeyOf(row).presented;
    throw new ApiError(
      'conflict',
      `event ${id} is a changed host key, not a file: accepting does not apply. If the new key ${presented} is legitimate (compare it with ssh-keygen -lf on the server's console), ` +
        `trust it: driftwatch server trust ${row.server_name} --fingerprint ${presented} --replace (this resolves the event); otherwise leave it open and investigate`,
    );
  }
  if (row.policy_id === null || row.server_id === null) throw new ApiError('conflict', `event ${id}'s ${row.policy_id === null ? 'policy' : 'server'} was removed: nothing it could be accepted into exists any more`);
}

function hostKeyOf(row: { attributes_json: string }): { pinned: string; presented: string } {
  const a = (JSON.parse(row.attributes_json) as { name: string; baseline: string; current: string }[]).find((x) => x.name === 'hostKey');
  return { pinned: a?.baseline ?? '', presented: a?.current ?? '' };
}

/** The open host-key event of an event id, with its two keys (the event action "the new key is legitimate"). */
export function hostKeyEvent(db: Db, id: number): { serverName: string; pinned: string; presented: string } {
  const row = db.prepare(`${EVENT_SELECT} WHERE e.id = ?`).get(id) as EventRow | undefined;
  if (!row) throw new ApiError('not_found', `no event with id ${id}`);
  if (row.change !== 'host_key_mismatch') throw new ApiError('conflict', `event ${id} is not a host-key event: review it and accept it (driftwatch accept ${id})`);
  if (row.status !== 'open') throw new ApiError('conflict', `event ${id} is ${row.status} already`);
  if (row.server_id === null) throw new ApiError('conflict', `event ${id}'s server was removed`);
  return { serverName: row.server_name, ...hostKeyOf(row) };
}

/**
 * Open host-key events of a server whose presented key is `fingerprint` are resolved: that key is
 * now pinned (a recorded trust change), which is what they asked for.
 */
export function resolveTrustedHostKey(db: Db, serverId: number, fingerprint: string, resolution: string, at: string): void {
  const open = db.prepare("SELECT id, attributes_json FROM events WHERE server_id = ? AND change = 'host_key_mismatch' AND status = 'open'").all(serverId) as { id: number; attributes_json: string }[];
  const resolve = db.prepare("UPDATE events SET status = 'resolved', resolved_at = ?, note = ? WHERE id = ?");
  for (const e of open) if (hostKeyOf(e).presented === fingerprint) resolve.run(at, resolution, e.id);
}

/** Closes open events as `retired` with the reason: they stay queryable and in reports, and no longer count. */
export function retireEvents(db: Db, condition: string, params: unknown[], reason: string, at: string): number {
  return db.prepare(`UPDATE events SET status = 'retired', retired_at = ?, retired_reason = ? WHERE status = 'open' AND (${condition})`).run(at, reason, ...params).changes;
}

/** Open file events whose policy no longer applies to their server (removed, or not in its group now). */
export function retireUnmonitored(db: Db, reason: string, at: string): number {
  return retireEvents(
    db,
    `change != 'host_key_mismatch' AND (policy_id IS NULL OR NOT EXISTS (
       SELECT 1 FROM servers s JOIN group_policies gp ON gp.group_id = s.group_id WHERE s.id = events.server_id AND gp.policy_id = events.policy_id))`,
    [],
    reason,
    at,
  );
}

/** A server about to be removed: its open events are retired, and every event keeps its names. */
export function detachServerEvents(db: Db, serverId: number, serverName: string, groupName: string | null, reason: string, at: string): void {
  retireEvents(db, 'server_id = ?', [serverId], reason, at);
  db.prepare('UPDATE events SET former_server = ?, former_group = ? WHERE server_id = ?').run(serverName, groupName, serverId);
}

/** Open events of a policy, as id and path (byte string), e.g. to find those a target decided. */
export function openEventPaths(db: Db, policyId: number): { id: number; path: string }[] {
  return (db.prepare("SELECT id, path FROM events WHERE policy_id = ? AND status = 'open'").all(policyId) as { id: number; path: Buffer }[]).map((r) => ({ id: r.id, path: r.path.toString('latin1') }));
}

/**
 * A changed host key is itself a critical event, one open per server while it persists. It is
 * resolved by the first scan that gets through again (after the new key was verified and trusted).
 */
export function recordHostKeyMismatch(db: Db, args: { serverId: number; scanId: number; at: string; pinned: string; presented: string; message: string }): number {
  const attributes = JSON.stringify([{ name: 'hostKey', baseline: args.pinned, current: args.presented }]);
  const open = db.prepare("SELECT id FROM events WHERE server_id = ? AND change = 'host_key_mismatch' AND status = 'open'").get(args.serverId) as { id: number } | undefined;
  if (open) {
    db.prepare('UPDATE events SET last_seen = ?, last_scan_id = ?, attributes_json = ?, error = ? WHERE id = ?').run(args.at, args.scanId, attributes, args.message, open.id);
    return open.id;
  }
  const r = db
    .prepare(
      `INSERT INTO events (server_id, policy_id, policy_name, path, change, compare, critical, alert, status, first_seen, last_seen,
       first_scan_id, last_scan_id, attributes_json, error) VALUES (?, NULL, '', ?, 'host_key_mismatch', 'master', 1, 1, 'open', ?, ?, ?, ?, ?, ?)`,
    )
    .run(args.serverId, Buffer.alloc(0), args.at, args.at, args.scanId, args.scanId, attributes, args.message);
  return Number(r.lastInsertRowid);
}

export function resolveHostKeyEvents(db: Db, serverId: number, scanId: number, at: string): void {
  db.prepare("UPDATE events SET status = 'resolved', resolved_at = ?, last_scan_id = ? WHERE server_id = ? AND change = 'host_key_mismatch' AND status = 'open'").run(at, scanId, serverId);
}
