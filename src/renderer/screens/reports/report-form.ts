// The report forms as the API's arguments. Dates are whole local days: "since" is the start of its
// day, "until" the end of its day. Pure, so it is tested on its own.
import type { EventFilter, ReportFilter } from '../../../shared/api.js';

export interface EventsReportForm {
  server: string;
  group: string;
  policy: string;
  status: NonNullable<EventFilter['status']>;
  severity: '' | 'critical' | 'non-critical';
  since: string;
  until: string;
  /** A substring of the path, or a glob (the events filter's path). */
  path?: string;
}

export const EMPTY_EVENTS_FORM: EventsReportForm = { server: '', group: '', policy: '', status: 'all', severity: '', since: '', until: '' };

export function dayStart(date: string): string {
  return new Date(`${date}T00:00:00`).toISOString();
}

export function dayEnd(date: string): string {
  return new Date(`${date}T23:59:59.999`).toISOString();
}

/** A yyyy-mm-dd for a date input, in local time. */
export function dateInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function eventsFilterOf(form: EventsReportForm): ReportFilter {
  const filter: ReportFilter = { status: form.status };
  if (form.server) filter.server = [form.server];
  if (form.group) filter.group = [form.group];
  if (form.policy) filter.policy = [form.policy];
  if (form.path?.trim()) filter.path = form.path.trim();
  if (form.severity) filter.critical = form.severity === 'critical';
  if (form.since) filter.since = dayStart(form.since);
  if (form.until) filter.until = dayEnd(form.until);
  return filter;
}

export interface PdfReportForm {
  group: string;
  since: string;
  until: string;
}

/** The last 30 days, ending today. */
export function defaultPdfForm(now: Date = new Date()): PdfReportForm {
  const from = new Date(now);
  from.setDate(from.getDate() - 30);
  return { group: '', since: dateInput(from), until: dateInput(now) };
}

/**
 * The reports/pdf arguments, or a sentence saying what is wrong with the period. A period that
 * ends today ends now (the report measures the gaps up to its end, which cannot be in the future).
 */
export function pdfArgsOf(form: PdfReportForm, now: Date = new Date()): { args: { group?: string; since?: string; until?: string } } | { problem: string } {
  if (form.since && form.until && form.since > form.until) return { problem: 'The period starts after it ends: pick a “from” date on or before the “to” date.' };
  if (form.since && dayStart(form.since) > now.toISOString()) return { problem: 'The period starts in the future: pick a “from” date up to today.' };
  const until = form.until ? dayEnd(form.until) : null;
  return {
    args: {
      ...(form.group ? { group: form.group } : {}),
      ...(form.since ? { since: dayStart(form.since) } : {}),
      ...(until && until < now.toISOString() ? { until } : {}),
    },
  };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
