// CSV reports: events (the filters of the events API), baseline coverage (with each baseline's
// status) and scans (each scan's status and per-policy outcome). RFC 4180 quoting
// (CRLF line ends, fields with a quote, comma or line break in double quotes, quotes doubled), and
// spreadsheet formula injection neutralised: a cell starting with = + - @ (or a tab or CR, which
// some spreadsheets skip before reading a formula) gets a leading apostrophe.
import type { CsvReport, ReportFilter } from '../../shared/api.js';
import type { FimEvent, PolicyOutcome } from '../../shared/domain.js';
import { normalizeEventFilter } from '../../shared/event-filter.js';
import { visible, visiblePath } from '../../shared/visible.js';
import { baselineReport, listBaselines } from '../baseline/baselines.js';
import { listEvents } from '../events/event-list.js';
import { getGroup, listGroups } from '../inventory/inventory.js';
import { everyScan } from '../scan/scans.js';
import type { Db } from '../store/db.js';
import { nextTurn } from './next-turn.js';

export type Cell = string | number | boolean | null | undefined;

export function csvCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  let s = typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: string[], rows: Cell[][]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** A report's filter, checked: as the events list's, but every status by default. */
export function normalizeFilter(filter: ReportFilter = {}): ReportFilter {
  return normalizeEventFilter(filter, { status: 'all' });
}

export const EVENT_COLUMNS = [
  'id', 'server', 'group', 'policy', 'path', 'change', 'critical', 'alert', 'status', 'first_seen', 'last_seen', 'resolved_at',
  'changed_attributes', 'accepted_by', 'accepted_at', 'accept_scope', 'accept_note', 'error', 'resolution', 'retired_at', 'retired_reason',
];

// Events read per slice of the events CSV.
const CSV_PAGE = 500;

/** The events a filter matches, read a page at a time (the total of the first page bounds it). */
async function* eventPages(db: Db, filter: ReportFilter) {
  let offset = 0;
  let total = Infinity;
  while (offset < total) {
    const page = listEvents(db, { ...filter, offset, limit: CSV_PAGE });
    total = Math.min(total, page.total);
    if (!page.events.length) return;
    yield page.events;
    offset += page.events.length;
    await nextTurn();
  }
}

export async function eventsCsv(db: Db, filter: ReportFilter = {}): Promise<CsvReport> {
  const events: FimEvent[] = [];
  for await (const page of eventPages(db, normalizeFilter(filter))) events.push(...page);
  const rows = events.map((e) => [
    e.id,
    e.server,
    e.group,
    e.policy,
    visiblePath(e.path, e.pathEscaped),
    e.change,
    e.critical,
    e.alert,
    e.status,
    e.firstSeen,
    e.lastSeen,
    e.resolvedAt ?? '',
    e.attributes.map((a) => `${a.name}: ${a.baseline ?? '-'} -> ${a.current ?? '-'}`).join('; '),
    e.accepted?.by ?? '',
    e.accepted?.at ?? '',
    e.accepted?.scope ?? '',
    e.accepted?.note ?? '',
    e.error ?? '',
    e.resolution ?? '',
    e.retired?.at ?? '',
    e.retired?.reason ?? '',
  ]);
  return { kind: 'events', csv: toCsv(EVENT_COLUMNS, rows), rows: rows.length, filename: `driftwatch-events-${stamp()}.csv` };
}

export const COVERAGE_COLUMNS = [
  'policy', 'groups', 'baseline_id', 'server', 'target', 'state', 'entries', 'unreadable', 'baseline_created', 'baseline_expires', 'baseline_expired',
  'baseline_status', 'baseline_superseded_at', 'baseline_superseded_by',
];

/** Every target of every baseline (of the group's policies, with a group filter): found or missing on its server. */
export function coverageCsv(db: Db, filter: ReportFilter = {}): CsvReport {
  const groups = listGroups(db);
  const wantedGroups = filter.group?.length ? filter.group.map((g) => getGroup(db, g)) : null;
  const policies = wantedGroups ? new Set(wantedGroups.flatMap((g) => g.policies)) : null;
  const at = new Date().toISOString();
  const rows: Cell[][] = [];
  for (const b of listBaselines(db, at)) {
    if (policies && !policies.has(b.policy)) continue;
    if (filter.policy?.length && !filter.policy.includes(b.policy)) continue;
    if (filter.server?.length && !filter.server.includes(b.server)) continue;
    const report = baselineReport(db, b.id, at).targets;
    const inGroups = groups.filter((g) => g.policies.includes(b.policy)).map((g) => g.name).join('; ');
    for (const t of report) {
      rows.push([b.policy, inGroups, b.id, b.server, visible(t.path), t.state, t.entries, t.unreadable.length, b.createdAt, b.expiresAt ?? '', b.expired, b.status, b.supersededAt ?? '', b.supersededBy ?? '']);
    }
  }
  return { kind: 'coverage', csv: toCsv(COVERAGE_COLUMNS, rows), rows: rows.length, filename: `driftwatch-coverage-${stamp()}.csv` };
}

export const SCAN_COLUMNS = ['id', 'server', 'group', 'kind', 'status', 'started_at', 'finished_at', 'mode', 'entries', 'added', 'removed', 'modified', 'unreadable', 'compared_policies', 'not_compared_policies', 'reason'];

/** Every scan record (scans, baselines, pre-flights) finished in the period: status and each policy's outcome. */
export function scansCsv(db: Db, filter: ReportFilter = {}): CsvReport {
  const f = normalizeFilter(filter);
  const rows: Cell[][] = [];
  for (const r of everyScan(db)) {
    const group = r.grp ?? 'Unassigned';
    if (f.server?.length && !f.server.includes(r.server)) continue;
    if (f.group?.length && !f.group.includes(group)) continue;
    if ((f.since && (r.finished_at ?? r.started_at) < f.since) || (f.until && r.started_at > f.until)) continue;
    const counts = JSON.parse(r.counts_json) as Partial<Record<'entries' | 'added' | 'removed' | 'modified' | 'unreadable', number>>;
    const outcomes = (r.policies_json ? JSON.parse(r.policies_json) : []) as PolicyOutcome[];
    const names = (st: PolicyOutcome['status']) => outcomes.filter((o) => o.status === st).map((o) => o.policy).join('; ');
    rows.push([r.id, r.server, group, r.kind, r.status, r.started_at, r.finished_at ?? '', r.mode ?? '', counts.entries, counts.added, counts.removed, counts.modified, counts.unreadable, names('compared'), names('not_compared'), r.reason ?? '']);
  }
  return { kind: 'scans', csv: toCsv(SCAN_COLUMNS, rows), rows: rows.length, filename: `driftwatch-scans-${stamp()}.csv` };
}

export function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
}
