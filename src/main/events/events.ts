// Events are findings with a state. A deviation stays one open event while it persists (a later
// scan updates lastSeen); it resolves by itself when the entry returns to the reference; accepting
// closes it and records who, when, why and for which scope.
import os from 'node:os';
import { ApiError, type EventFilter, type EventPage } from '../../shared/api.js';
import type { AcceptScope, Entry, FimEvent } from '../../shared/domain.js';
import { displayPath } from '../../shared/path-escape.js';
import type { EntryState } from '../diff/compare.js';
import type { Deviation } from '../diff/evaluate.js';
import type { Db } from '../store/db.js';
import { entryFromJson, entryToJson, entryValues, ENTRY_FIELDS, ENTRY_PLACEHOLDERS } from '../store/entries.js';

interface EventRow {
  id: number;
  server_id: number;
  server_name: string;
  group_name: string | null;
  policy_id: number | null;
  policy_name: string;
  path: Buffer;
  change: FimEvent['change'];
  compare: 'master' | 'self';
  critical: number;
  alert: number;
  status: FimEvent['status'];
  first_seen: string;
  last_seen: string;
  attributes_json: string;
  baseline_json: string | null;
  current_json: string | null;
  error: string | null;
  accepted_by: string | null;
  accepted_at: string | null;
  note: string | null;
  accept_scope: AcceptScope | null;
  resolved_at: string | null;
}

const EVENT_SELECT = `
  SELECT e.*, s.name AS server_name, g.name AS group_name FROM events e
  JOIN servers s ON s.id = e.server_id LEFT JOIN groups g ON g.id = s.group_id`;

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

export function toFimEvent(r: EventRow): FimEvent {
  const p = displayPath(r.path.toString('latin1'));
  const event: FimEvent = {
    id: r.id,
    server: r.server_name,
    group: r.group_name ?? 'Unassigned',
    policy: r.policy_name,
    path: p.path,
    change: r.change,
    critical: r.critical === 1,
    alert: r.alert === 1,
    status: r.status,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    attributes: JSON.parse(r.attributes_json),
    baselineEntry: publicEntry(entryFromJson(r.baseline_json)),
    currentEntry: publicEntry(entryFromJson(r.current_json)),
  };
  if (p.escaped) event.pathEscaped = true;
  if (r.error) event.error = r.error;
  if (r.status === 'accepted') event.accepted = { by: r.accepted_by ?? '', at: r.accepted_at ?? '', note: r.note ?? '', scope: r.accept_scope ?? 'server' };
  if (r.resolved_at) event.resolvedAt = r.resolved_at;
  return event;
}

function publicEntry(e: EntryState | null): Entry | null {
  if (!e) return null;
  const p = displayPath(e.path);
  const out: Entry = { ...e.attrs, path: p.path, target: e.attrs.target === null ? null : displayPath(e.attrs.target).path };
  if (p.escaped) out.pathEscaped = true;
  if (e.error) out.error = e.error;
  return out;
}

export function getEvent(db: Db, id: number): FimEvent {
  const row = db.prepare(`${EVENT_SELECT} WHERE e.id = ?`).get(id) as EventRow | undefined;
  if (!row) throw new ApiError('not_found', `no event with id ${id}`);
  return toFimEvent(row);
}

export function listEvents(db: Db, filter: EventFilter): EventPage {
  const where: string[] = [];
  const params: unknown[] = [];
  const inList = (column: string, values: string[] | undefined) => {
    if (!values?.length) return;
    where.push(`${column} IN (${values.map(() => '?').join(', ')})`);
    params.push(...values);
  };
  inList('s.name', filter.server);
  inList("COALESCE(g.name, 'Unassigned')", filter.group);
  inList('e.policy_name', filter.policy);
  const status = filter.status ?? 'open';
  if (status !== 'all') {
    where.push('e.status = ?');
    params.push(status);
  }
  if (filter.critical !== undefined) {
    where.push('e.critical = ?');
    params.push(+filter.critical);
  }
  if (filter.since) {
    where.push('e.last_seen >= ?');
    params.push(filter.since);
  }
  if (filter.until) {
    where.push('e.first_seen <= ?');
    params.push(filter.until);
  }
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM events e JOIN servers s ON s.id = e.server_id LEFT JOIN groups g ON g.id = s.group_id ${clause}`).get(...params) as { n: number }).n;
  const limit = filter.limit ?? -1;
  const rows = db.prepare(`${EVENT_SELECT} ${clause} ORDER BY e.id LIMIT ? OFFSET ?`).all(...params, limit, filter.offset ?? 0) as EventRow[];
  return { total, events: rows.map(toFimEvent) };
}

export function openEventsOfServers(db: Db, serverIds: number[]): FimEvent[] {
  if (!serverIds.length) return [];
  const rows = db.prepare(`${EVENT_SELECT} WHERE e.status = 'open' AND e.server_id IN (${serverIds.map(() => '?').join(', ')}) ORDER BY e.id`).all(...serverIds) as EventRow[];
  return rows.map(toFimEvent);
}

export function countOpen(db: Db, serverId: number): number {
  return (db.prepare("SELECT COUNT(*) AS n FROM events WHERE server_id = ? AND status = 'open'").get(serverId) as { n: number }).n;
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
  return db.transaction(() =>
    ids.map((id) => {
      const row = db.prepare(`${EVENT_SELECT} WHERE e.id = ?`).get(id) as EventRow | undefined;
      if (!row) throw new ApiError('not_found', `no event with id ${id}`);
      if (row.status !== 'open') throw new ApiError('conflict', `event ${id} is ${row.status}, not open`);
      if (row.policy_id === null) throw new ApiError('conflict', `event ${id}'s policy was removed`);
      const current = entryFromJson(row.current_json);
      const path = row.path;
      if (row.compare === 'self') {
        db.prepare('DELETE FROM self_entries WHERE server_id = ? AND policy_id = ? AND path = ?').run(row.server_id, row.policy_id, path);
        if (current) db.prepare(`INSERT INTO self_entries (server_id, policy_id, ${ENTRY_FIELDS}) VALUES (?, ?, ${ENTRY_PLACEHOLDERS})`).run(row.server_id, row.policy_id, ...entryValues(current));
      } else if (scope === 'server') {
        db.prepare(
          `INSERT OR REPLACE INTO server_accepts (server_id, policy_id, path, present, entry_json, accepted_by, accepted_at, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(row.server_id, row.policy_id, path, current ? 1 : 0, entryToJson(current), by, options.at, note);
      } else {
        const baselines = options.activeBaselineIds(row.policy_id);
        if (!baselines.length) throw new ApiError('conflict', `policy '${row.policy_name}' has no active baseline to accept event ${id} into`);
        for (const b of baselines) {
          db.prepare('DELETE FROM baseline_entries WHERE baseline_id = ? AND path = ?').run(b, path);
          if (current) db.prepare(`INSERT INTO baseline_entries (baseline_id, ${ENTRY_FIELDS}) VALUES (?, ${ENTRY_PLACEHOLDERS})`).run(b, ...entryValues(current));
          db.prepare('UPDATE baselines SET entries = (SELECT COUNT(*) FROM baseline_entries WHERE baseline_id = ?) WHERE id = ?').run(b, b);
        }
        // The same server's own exception, if any, is no longer needed.
        db.prepare('DELETE FROM server_accepts WHERE server_id = ? AND policy_id = ? AND path = ?').run(row.server_id, row.policy_id, path);
      }
      db.prepare("UPDATE events SET status = 'accepted', accepted_by = ?, accepted_at = ?, note = ?, accept_scope = ? WHERE id = ?").run(by, options.at, note, scope, id);
      return getEvent(db, id);
    }),
  )();
}
