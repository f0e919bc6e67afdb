// CSV reports: events (the filters of the events API) and baseline coverage. RFC 4180 quoting
// (CRLF line ends, fields with a quote, comma or line break in double quotes, quotes doubled), and
// spreadsheet formula injection neutralised: a cell starting with = + - @ (or a tab or CR, which
// some spreadsheets skip before reading a formula) gets a leading apostrophe.
import { ApiError, type CsvReport, type ReportFilter } from '../../shared/api.js';
import { visible } from '../cli/format.js';
import { listBaselines } from '../baseline/baselines.js';
import { listEvents } from '../events/events.js';
import { getGroup, listGroups } from '../inventory/inventory.js';
import type { Db } from '../store/db.js';

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

function normalizeTime(v: string | undefined, what: string): string | undefined {
  if (v === undefined || v === '') return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new ApiError('invalid_input', `${what} takes a date or time (ISO 8601), got ${JSON.stringify(v)}`);
  return new Date(t).toISOString();
}

export function normalizeFilter(filter: ReportFilter = {}): ReportFilter {
  const since = normalizeTime(filter.since, 'since');
  const until = normalizeTime(filter.until, 'until');
  return { ...filter, status: filter.status ?? 'all', ...(since ? { since } : {}), ...(until ? { until } : {}) };
}

export const EVENT_COLUMNS = [
  'id', 'server', 'group', 'policy', 'path', 'change', 'critical', 'alert', 'status', 'first_seen', 'last_seen', 'resolved_at',
  'changed_attributes', 'accepted_by', 'accepted_at', 'accept_scope', 'accept_note', 'error', 'resolution', 'retired_at', 'retired_reason',
];

export function eventsCsv(db: Db, filter: ReportFilter = {}): CsvReport {
  const page = listEvents(db, normalizeFilter(filter));
  const rows = page.events.map((e) => [
    e.id,
    e.server,
    e.group,
    e.policy,
    visible(e.path),
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

export const COVERAGE_COLUMNS = ['policy', 'groups', 'baseline_id', 'server', 'target', 'state', 'entries', 'unreadable', 'baseline_created', 'baseline_expires', 'baseline_expired'];

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
    const report = JSON.parse((db.prepare('SELECT report_json FROM baselines WHERE id = ?').get(b.id) as { report_json: string }).report_json) as {
      path: string;
      state: 'found' | 'missing';
      entries: number;
      unreadable: string[];
    }[];
    const inGroups = groups.filter((g) => g.policies.includes(b.policy)).map((g) => g.name).join('; ');
    for (const t of report) {
      rows.push([b.policy, inGroups, b.id, b.server, visible(t.path), t.state, t.entries, t.unreadable.length, b.createdAt, b.expiresAt ?? '', b.expired]);
    }
  }
  return { kind: 'coverage', csv: toCsv(COVERAGE_COLUMNS, rows), rows: rows.length, filename: `driftwatch-coverage-${stamp()}.csv` };
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
}
