// Events as the API shows them: one by id, a filtered page, the ids a filter matches, the open events
// of servers or of one scan. Part of the events domain (events.ts records and changes them); the
// server and group names are joined in, those of a removed server kept on its events.
import { ApiError, type EventFilter, type EventPage } from '../../shared/api.js';
import type { AcceptScope, Entry, FimEvent } from '../../shared/domain.js';
import { isPathGlob, normalizeEventFilter } from '../../shared/event-filter.js';
import { displayPath } from '../../shared/path-escape.js';
import type { EntryState } from '../model/entry.js';
import type { Db } from '../store/db.js';
import { entryFromJson } from '../store/entries.js';

export interface EventRow {
  id: number;
  /** null once the server was removed (its events are retired and keep its name). */
  server_id: number | null;
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
  retired_at: string | null;
  retired_reason: string | null;
}

// An event outlives its server: then the names it had when it was removed are shown.
const EVENT_NAMES = `COALESCE(s.name, e.former_server) AS server_name, CASE WHEN s.id IS NULL THEN e.former_group ELSE g.name END AS group_name`;
const EVENT_JOINS = 'LEFT JOIN servers s ON s.id = e.server_id LEFT JOIN groups g ON g.id = s.group_id';
export const EVENT_SELECT = `SELECT e.*, ${EVENT_NAMES} FROM events e ${EVENT_JOINS}`;

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
    acceptScopes: acceptScopes(r),
  };
  if (p.escaped) event.pathEscaped = true;
  if (r.error) event.error = r.error;
  if (r.status === 'accepted') event.accepted = { by: r.accepted_by ?? '', at: r.accepted_at ?? '', note: r.note ?? '', scope: r.accept_scope ?? 'server' };
  if (r.resolved_at) event.resolvedAt = r.resolved_at;
  if (r.status === 'resolved' && r.note) event.resolution = r.note;
  if (r.status === 'retired') event.retired = { at: r.retired_at ?? '', reason: r.retired_reason ?? '' };
  return event;
}

/** Where accept means something: an open file event of a policy that still exists (a self target keeps its own state). */
function acceptScopes(r: EventRow): AcceptScope[] {
  if (r.status !== 'open' || r.change === 'host_key_mismatch' || r.policy_id === null) return [];
  return r.compare === 'self' ? ['server'] : ['server', 'baseline'];
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

/**
 * The SQL condition of a filter (already normalized). Every condition is on the events table alone
 * (servers and groups become a list of server ids), so the covering indexes of migration 4 answer
 * the count and a page's ids without reading event rows; a path filter reads the path column only.
 */
function whereOf(filter: EventFilter): { clause: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const placeholders = (values: unknown[]) => values.map(() => '?').join(', ');
  const servers: string[] = [];
  if (filter.server?.length) {
    servers.push(`s.name IN (${placeholders(filter.server)})`);
    params.push(...filter.server);
  }
  if (filter.group?.length) {
    servers.push(`COALESCE(g.name, 'Unassigned') IN (${placeholders(filter.group)})`);
    params.push(...filter.group);
  }
  if (servers.length) {
    // A removed server's events are found by the names they keep, as ids (so the covering indexes
    // still answer the page: only columns they hold are tested).
    const former = servers.map((c) => c.replace('s.name', 'x.former_server').replace('g.name', 'x.former_group'));
    where.push(
      `(e.server_id IN (SELECT s.id FROM servers s LEFT JOIN groups g ON g.id = s.group_id WHERE ${servers.join(' AND ')})
        OR e.id IN (SELECT x.id FROM events x WHERE x.server_id IS NULL AND ${former.join(' AND ')}))`,
    );
    params.push(...params.slice()); // the same names again, for the second condition (nothing was pushed before them)
  }
  if (filter.policy?.length) {
    where.push(`e.policy_name IN (${placeholders(filter.policy)})`);
    params.push(...filter.policy);
  }
  if (filter.status !== 'all') {
    where.push('e.status = ?');
    params.push(filter.status ?? 'open');
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
  if (filter.path) {
    // Paths are stored as bytes: a substring is searched byte for byte; SQLite's GLOB has the
    // semantics of a path glob here (* ? [...], case-sensitive, * also matching /).
    if (isPathGlob(filter.path)) {
      where.push('CAST(e.path AS TEXT) GLOB ?');
      params.push(filter.path);
    } else {
      where.push('instr(e.path, ?) > 0');
      params.push(Buffer.from(filter.path, 'utf8'));
    }
  }
  return { clause: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}

/** One page of events (the filter of docs/formats.md, checked here); only the page's own rows are read and joined. */
export function listEvents(db: Db, raw: EventFilter): EventPage {
  const filter = normalizeEventFilter(raw);
  const { clause, params } = whereOf(filter);
  const order = filter.order ?? 'asc';
  if (order !== 'asc' && order !== 'desc') throw new ApiError('invalid_input', `order is 'asc' or 'desc', got ${JSON.stringify(filter.order)}`);
  const offset = filter.offset ?? 0;
  const limit = filter.limit ?? -1;
  if (!Number.isInteger(offset) || offset < 0) throw new ApiError('invalid_input', `offset must be a whole number ≥ 0, got ${JSON.stringify(filter.offset)}`);
  if (!Number.isInteger(limit) || limit < -1) throw new ApiError('invalid_input', `limit must be a whole number ≥ 0, got ${JSON.stringify(filter.limit)}`);
  const total = countEvents(db, clause, params);
  const dir = order === 'desc' ? 'DESC' : 'ASC';
  const rows = (limit === 0 || offset >= total
    ? []
    : db
        .prepare(
          `SELECT e.*, ${EVENT_NAMES}
           FROM (SELECT e.id FROM events e ${clause} ORDER BY e.id ${dir} LIMIT ? OFFSET ?) AS page
           JOIN events e ON e.id = page.id ${EVENT_JOINS}
           ORDER BY e.id ${dir}`,
        )
        .all(...params, limit, offset)) as EventRow[];
  return { total, events: rows.map(toFimEvent) };
}

/**
 * The number of events matching a filter, counted once per filter and store version: a list
 * paged through 500 times counts once, and any write (by this connection: total_changes; by
 * another process: data_version) starts a new count.
 */
const totals = new WeakMap<Db, Map<string, number>>();
function countEvents(db: Db, clause: string, params: unknown[]): number {
  const version = db.prepare('SELECT total_changes() AS changes').get() as { changes: number };
  const key = JSON.stringify([db.pragma('data_version', { simple: true }), version.changes, clause, params]);
  let cache = totals.get(db);
  if (!cache) totals.set(db, (cache = new Map()));
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const n = (db.prepare(`SELECT COUNT(*) AS n FROM events e ${clause}`).get(...params) as { n: number }).n;
  if (cache.size >= 32) cache.clear();
  cache.set(key, n);
  return n;
}

/** The ids of every event a filter matches, oldest first. */
export function matchingEventIds(db: Db, raw: EventFilter): number[] {
  const { clause, params } = whereOf(normalizeEventFilter(raw));
  return (db.prepare(`SELECT e.id FROM events e ${clause} ORDER BY e.id`).pluck().all(...params) as number[]);
}

export function openEventsOfServers(db: Db, serverIds: number[]): FimEvent[] {
  if (!serverIds.length) return [];
  const rows = db.prepare(`${EVENT_SELECT} WHERE e.status = 'open' AND e.server_id IN (${serverIds.map(() => '?').join(', ')}) ORDER BY e.id`).all(...serverIds) as EventRow[];
  return rows.map(toFimEvent);
}

/** The open events to alert about that a scan of the server opened or saw again, in id order. */
export function openAlertEventsOfScan(db: Db, serverId: number, scanId: number): FimEvent[] {
  return (db.prepare("SELECT id FROM events WHERE server_id = ? AND last_scan_id = ? AND status = 'open' AND alert = 1 ORDER BY id").all(serverId, scanId) as { id: number }[]).map((x) => getEvent(db, x.id));
}
