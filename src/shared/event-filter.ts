// The one filter vocabulary of events: the `events` and `report` commands, the Events and Reports
// screens and the API take the same fields, and the engine validates them here, once. Pure (no
// Node, no DOM), so the console resolves relative times exactly as the engine does.
import { ApiError, type EventFilter } from './api.js';

export const EVENT_STATUSES = ['open', 'accepted', 'resolved', 'retired', 'all'] as const;
export type EventStatusFilter = (typeof EVENT_STATUSES)[number];

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;

/** What a time filter takes, for messages and help. */
export const TIME_FORMS = 'a date or time (ISO 8601) or a time ago (30m, 24h, 7d, 2w)';

/**
 * A time as the filters take it, as an ISO instant: ISO 8601 (a date alone is the start of that day,
 * UTC), or relative to `now`: N minutes, hours, days or weeks ago (`30m`, `24h`, `7d`, `2w`).
 * null when the text is neither.
 */
export function parseTime(text: string, now: number = Date.now()): string | null {
  const t = text.trim();
  const relative = /^(\d{1,7})\s*([mhdw])$/i.exec(t);
  if (relative) return new Date(now - Number(relative[1]) * UNIT_MS[relative[2]!.toLowerCase() as keyof typeof UNIT_MS]).toISOString();
  // Date.parse alone takes odd things ("1", "March 7"): a filter time starts with a full date.
  if (!/^\d{4}-\d{2}-\d{2}(?:$|[T ])/.test(t)) return null;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** A path filter with one of * ? [ is a glob over the whole path (`*` also matches `/`); anything else is a substring. */
export function isPathGlob(path: string): boolean {
  return /[*?[]/.test(path);
}

function names(value: unknown, field: string): string[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || !list.every((v) => typeof v === 'string' && v !== '')) {
    throw new ApiError('invalid_input', `${field} takes a list of names, got ${JSON.stringify(value)}`);
  }
  return list.length ? (list as string[]) : undefined;
}

function time(value: unknown, field: string, now: number): string | undefined {
  if (value === undefined || value === '') return undefined;
  const iso = typeof value === 'string' ? parseTime(value, now) : null;
  if (iso === null) throw new ApiError('invalid_input', `${field} takes ${TIME_FORMS}, got ${JSON.stringify(value)}`);
  return iso;
}

/**
 * The filter checked and made canonical: names as lists, times as ISO instants, status defaulted
 * (`open` unless told otherwise). Throws invalid_input naming the field that is wrong. Paging and
 * order pass through untouched (the list checks them).
 */
export function normalizeEventFilter(filter: EventFilter | undefined, options: { now?: number; status?: EventStatusFilter } = {}): EventFilter {
  const f = (filter ?? {}) as Record<string, unknown>;
  const now = options.now ?? Date.now();
  const out: EventFilter = {};
  for (const field of ['server', 'group', 'policy'] as const) {
    const list = names(f[field], field);
    if (list) out[field] = list;
  }
  const status = f.status ?? options.status ?? 'open';
  if (!EVENT_STATUSES.includes(status as EventStatusFilter)) throw new ApiError('invalid_input', `status is one of ${EVENT_STATUSES.join(', ')}, got ${JSON.stringify(status)}`);
  out.status = status as EventStatusFilter;
  if (f.critical !== undefined) {
    if (typeof f.critical !== 'boolean') throw new ApiError('invalid_input', `critical is true or false, got ${JSON.stringify(f.critical)}`);
    out.critical = f.critical;
  }
  const since = time(f.since, 'since', now);
  const until = time(f.until, 'until', now);
  if (since && until && since > until) throw new ApiError('invalid_input', `since (${since}) is after until (${until})`);
  if (since) out.since = since;
  if (until) out.until = until;
  if (f.path !== undefined && f.path !== '') {
    if (typeof f.path !== 'string') throw new ApiError('invalid_input', `path takes a text or a glob, got ${JSON.stringify(f.path)}`);
    out.path = f.path;
  }
  for (const field of ['order', 'offset', 'limit'] as const) if (f[field] !== undefined) (out as Record<string, unknown>)[field] = f[field];
  return out;
}

/** A filter in words, for the head of an export: "open; server web-1, web-2; path *.conf". */
export function describeEventFilter(filter: EventFilter): string {
  const parts = [`status ${filter.status ?? 'open'}`];
  for (const field of ['server', 'group', 'policy'] as const) if (filter[field]?.length) parts.push(`${field} ${filter[field]!.join(', ')}`);
  if (filter.critical !== undefined) parts.push(filter.critical ? 'critical' : 'non-critical');
  if (filter.path) parts.push(`path ${isPathGlob(filter.path) ? 'matching' : 'containing'} ${filter.path}`);
  if (filter.since) parts.push(`seen since ${filter.since}`);
  if (filter.until) parts.push(`first seen until ${filter.until}`);
  return parts.join('; ');
}
