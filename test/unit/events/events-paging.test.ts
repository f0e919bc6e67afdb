// events/list paging on a real store: every page and total, with every filter, in both orders,
// equals what a plain reading of the same events gives; the total follows writes of this process
// and of another one; and the page and count queries are answered from indexes alone.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventFilter } from '../../../src/shared/api.js';
import { openEngine, type Engine } from '../../../src/main/engine/engine.js';
import { listEvents } from '../../../src/main/events/event-list.js';
import { STORE_FILE } from '../../../src/main/store/db.js';

interface Seeded {
  id: number;
  server: string;
  group: string;
  policy: string;
  status: 'open' | 'resolved' | 'accepted';
  critical: boolean;
  firstSeen: string;
  lastSeen: string;
}

const SERVERS = [
  { name: 'web-1', group: 'web' },
  { name: 'web-2', group: 'web' },
  { name: 'db-1', group: 'db' },
  { name: 'lone', group: 'Unassigned' },
];
const POLICIES = ['Linux core', 'Web config'];
const STATUSES = ['open', 'open', 'resolved', 'accepted', 'open'] as const;
const COUNT = 1237;
const START = Date.parse('2026-10-01T00:00:00Z');

let home: string;
let engine: Engine;
const seeded: Seeded[] = [];

function insertEvents(db: Database.Database, from: number, count: number): void {
  const serverId = new Map((db.prepare('SELECT id, name FROM servers').all() as { id: number; name: string }[]).map((r) => [r.name, r.id]));
  const policyId = new Map((db.prepare('SELECT id, name FROM policies').all() as { id: number; name: string }[]).map((r) => [r.name, r.id]));
  const insert = db.prepare(
    `INSERT INTO events (server_id, policy_id, policy_name, path, change, compare, critical, alert, status, first_seen, last_seen, attributes_json)
     VALUES (?, ?, ?, ?, 'modified', 'master', ?, 0, ?, ?, ?, '[]')`,
  );
  db.transaction(() => {
    for (let i = from; i < from + count; i++) {
      const s = SERVERS[i % SERVERS.length]!;
      const policy = POLICIES[Math.floor(i / 3) % POLICIES.length]!;
      const status = STATUSES[i % STATUSES.length]!;
      const critical = i % 7 < 3;
      const firstSeen = new Date(START + i * 3_600_000).toISOString();
      const lastSeen = new Date(START + i * 3_600_000 + (i % 5) * 86_400_000).toISOString();
      const r = insert.run(serverId.get(s.name), policyId.get(policy), policy, Buffer.from(`/etc/f-${i}`, 'latin1'), +critical, status, firstSeen, lastSeen);
      seeded.push({ id: Number(r.lastInsertRowid), server: s.name, group: s.group, policy, status, critical, firstSeen, lastSeen });
    }
  })();
}

/** What events/list must answer, read plainly from the seeded list. */
function expected(filter: EventFilter): { total: number; ids: number[] } {
  const status = filter.status ?? 'open';
  const rows = seeded
    .filter((e) => !filter.server?.length || filter.server.includes(e.server))
    .filter((e) => !filter.group?.length || filter.group.includes(e.group))
    .filter((e) => !filter.policy?.length || filter.policy.includes(e.policy))
    .filter((e) => status === 'all' || e.status === status)
    .filter((e) => filter.critical === undefined || e.critical === filter.critical)
    .filter((e) => !filter.since || e.lastSeen >= filter.since)
    .filter((e) => !filter.until || e.firstSeen <= filter.until)
    .map((e) => e.id)
    .sort((a, b) => (filter.order === 'desc' ? b - a : a - b));
  const offset = filter.offset ?? 0;
  return { total: rows.length, ids: filter.limit === undefined ? rows.slice(offset) : rows.slice(offset, offset + filter.limit) };
}

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'driftwatch-paging-'));
  engine = openEngine({ home });
  const h = engine.handlers;
  await h['groups/add']({ name: 'web' });
  await h['groups/add']({ name: 'db' });
  for (const p of POLICIES) await h['policies/add']({ name: p });
  for (const s of SERVERS) await h['servers/add']({ name: s.name, host: `${s.name}.example`, ...(s.group === 'Unassigned' ? {} : { group: s.group }) });
  insertEvents(engine.db, 0, COUNT);
});

afterAll(() => {
  engine?.close();
  fs.rmSync(home, { recursive: true, force: true });
});

const FILTERS: [string, EventFilter][] = [
  ['open (the default)', {}],
  ['any status', { status: 'all' }],
  ['resolved', { status: 'resolved' }],
  ['accepted, critical', { status: 'accepted', critical: true }],
  ['one server', { server: ['web-2'], status: 'all' }],
  ['two servers, non-critical', { server: ['web-1', 'db-1'], critical: false }],
  ['a group', { group: ['web'] }],
  ['the Unassigned group', { group: ['Unassigned'], status: 'all' }],
  ['group and server that do not meet', { group: ['db'], server: ['web-1'] }],
  ['an unknown server', { server: ['nope'] }],
  ['a policy', { policy: ['Web config'], status: 'all' }],
  ['a time window', { status: 'all', since: '2026-10-10T00:00:00.000Z', until: '2026-10-30T00:00:00.000Z' }],
  ['everything at once', { status: 'open', group: ['web'], policy: ['Linux core'], critical: true, since: '2026-10-05T00:00:00.000Z' }],
];

describe('events/list paging', () => {
  for (const [name, filter] of FILTERS) {
    for (const order of ['asc', 'desc'] as const) {
      it(`${name}, ${order}: every page and the total`, () => {
        const want = expected({ ...filter, order });
        const got: number[] = [];
        const limit = 50;
        for (let offset = 0; offset < want.total + limit; offset += limit) {
          const page = listEvents(engine.db, { ...filter, order, offset, limit });
          expect(page.total).toBe(want.total);
          expect(page.events.map((e) => e.id)).toEqual(expected({ ...filter, order, offset, limit }).ids);
          got.push(...page.events.map((e) => e.id));
        }
        expect(got).toEqual(want.ids);
      });
    }
  }

  it('keeps the oldest first when no order is given (the CLI)', async () => {
    const page = await engine.handlers['events/list']({ status: 'all', limit: 3 });
    expect(page.events.map((e) => e.id)).toEqual(seeded.slice(0, 3).map((e) => e.id));
  });

  it('returns whole events: server, group and policy names', () => {
    const [first] = listEvents(engine.db, { status: 'all', order: 'desc', limit: 1 }).events;
    const seed = seeded.find((s) => s.id === first!.id)!;
    expect(first).toMatchObject({ server: seed.server, group: seed.group, policy: seed.policy, status: seed.status, critical: seed.critical });
  });

  it('without a limit returns everything after the offset', () => {
    const page = listEvents(engine.db, { status: 'all', offset: COUNT - 5 });
    expect(page.events.map((e) => e.id)).toEqual(expected({ status: 'all', offset: COUNT - 5 }).ids);
  });

  it('answers an offset past the end with no rows and the true total', () => {
    const page = listEvents(engine.db, { status: 'all', offset: COUNT + 10, limit: 50 });
    expect(page).toEqual({ total: COUNT, events: [] });
    expect(listEvents(engine.db, { status: 'all', limit: 0 })).toEqual({ total: COUNT, events: [] });
  });

  it('refuses a bad order, offset or limit in words', () => {
    expect(() => listEvents(engine.db, { order: 'sideways' as 'asc' })).toThrow(/order is 'asc' or 'desc'/);
    expect(() => listEvents(engine.db, { offset: -1 })).toThrow(/offset/);
    expect(() => listEvents(engine.db, { limit: 1.5 })).toThrow(/limit/);
  });

  it('counts again after a write by this process', () => {
    const before = listEvents(engine.db, { status: 'all', limit: 1 }).total;
    insertEvents(engine.db, COUNT, 3);
    expect(listEvents(engine.db, { status: 'all', limit: 1 }).total).toBe(before + 3);
    engine.db.prepare("UPDATE events SET status = 'resolved' WHERE id = ?").run(seeded.find((e) => e.status === 'open')!.id);
    seeded.find((e) => e.status === 'open')!.status = 'resolved';
    expect(listEvents(engine.db, { limit: 1 }).total).toBe(expected({}).total);
  });

  it('counts again after a write by another process on the same store', () => {
    const before = listEvents(engine.db, { status: 'all', limit: 1 }).total;
    const other = new Database(path.join(home, STORE_FILE));
    try {
      other.pragma('busy_timeout = 10000');
      insertEvents(other, COUNT + 3, 2);
    } finally {
      other.close();
    }
    expect(listEvents(engine.db, { status: 'all', limit: 1 }).total).toBe(before + 2);
  });

  it('reads pages and totals from the covering indexes, not the event rows', () => {
    const plan = (sql: string, ...params: unknown[]) =>
      (engine.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join(' | ');
    for (const where of ["WHERE e.status = 'open'", "WHERE e.status = 'open' AND e.critical = 1", 'WHERE e.critical = 0', '']) {
      expect(plan(`SELECT e.id FROM events e ${where} ORDER BY e.id DESC LIMIT 200 OFFSET 5000`)).toMatch(/COVERING INDEX events_page/);
    }
    expect(plan("SELECT COUNT(*) FROM events e WHERE e.status = 'open' AND e.critical = 1")).toMatch(/COVERING INDEX/);
    expect(plan("SELECT critical, COUNT(*) FROM events WHERE server_id = ? AND status = 'open' GROUP BY critical", 1)).toMatch(/COVERING INDEX events_open_counts/);
  });
});
