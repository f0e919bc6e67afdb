// The event filter as command-line options, shared by `events` and `report` (docs/formats.md):
// the same flags mean the same thing in both. `--open`, `--all`, `--accepted`, `--resolved` and
// `--retired` are short forms of `--status`.
import type { ReportFilter } from '../../shared/api.js';
import { EVENT_STATUSES, parseTime, TIME_FORMS, type EventStatusFilter } from '../../shared/event-filter.js';
import { UsageError, type OptionKind, type Parsed } from './args.js';

export const FILTER_OPTIONS = {
  server: 'names',
  group: 'names',
  policy: 'names',
  status: 'value',
  open: 'flag',
  all: 'flag',
  accepted: 'flag',
  resolved: 'flag',
  retired: 'flag',
  critical: 'flag',
  'non-critical': 'flag',
  since: 'value',
  until: 'value',
  path: 'value',
} as const satisfies Record<string, OptionKind>;

export const FILTER_USAGE =
  '[--server NAME...] [--group G...] [--policy P...] [--status open|accepted|resolved|retired|all] [--critical | --non-critical] [--since TIME] [--until TIME] [--path TEXT|GLOB]';

/** The statuses that have a flag of their own (`--open` for `--status open`). */
const STATUS_FLAGS = ['open', 'all', 'accepted', 'resolved', 'retired'] as const;

/** The filter the options give; the status is left out when none is given (each command has its default). */
export function filterFromArgs(p: Parsed, usage: string): ReportFilter {
  const shortForms = STATUS_FLAGS.filter((s) => p.flags.has(s));
  const status = p.values.get('status');
  if (shortForms.length + (status === undefined ? 0 : 1) > 1) throw new UsageError(`choose one of --status, ${STATUS_FLAGS.map((s) => `--${s}`).join(', ')}`, usage);
  if (status !== undefined && !EVENT_STATUSES.includes(status as EventStatusFilter)) throw new UsageError(`--status takes ${EVENT_STATUSES.join(', ')}, got '${status}'`, usage);
  if (p.flags.has('critical') && p.flags.has('non-critical')) throw new UsageError('--critical and --non-critical exclude each other', usage);
  const filter: ReportFilter = {};
  const chosen = (status ?? shortForms[0]) as EventStatusFilter | undefined;
  if (chosen) filter.status = chosen;
  for (const field of ['server', 'group', 'policy'] as const) if (p.lists.has(field)) filter[field] = p.lists.get(field)!;
  if (p.flags.has('critical') || p.flags.has('non-critical')) filter.critical = p.flags.has('critical');
  for (const field of ['since', 'until'] as const) {
    const v = p.values.get(field);
    if (v === undefined) continue;
    // Checked here for a usage message; the engine resolves it (relative times from its clock).
    if (parseTime(v) === null) throw new UsageError(`--${field} takes ${TIME_FORMS}, got '${v}'`, usage);
    filter[field] = v;
  }
  const path = p.values.get('path');
  if (path !== undefined) filter.path = path;
  return filter;
}
