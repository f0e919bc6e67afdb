// How times, counts and statuses read on screen.
import type { ScanStatus } from '../../shared/domain.js';

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}

/** "3 minutes ago", "1 hour ago", "yesterday", or ahead: "in 1 minute", "in 2 days" (singular and plural alike). */
export function timeAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return iso;
  const s = Math.round((now - t) / 1000);
  if (s < 0) return `in ${span(-s)}`;
  if (s < 45) return 'just now';
  const text = span(s);
  return text === '1 day' ? 'yesterday' : `${text} ago`;
}

/** A stretch of seconds in the largest unit that fits, at least one minute. */
function span(seconds: number): string {
  const m = Math.max(1, Math.round(seconds / 60));
  if (m < 60) return plural(m, 'minute');
  const h = Math.round(m / 60);
  if (h < 24) return plural(h, 'hour');
  return plural(Math.round(h / 24), 'day');
}

/** Unix seconds with a fraction ("1732824813.123456789") as UTC, keeping every digit of the fraction. */
export function formatEpoch(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const text = String(value);
  const m = /^(-?\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return text;
  const date = new Date(Number(m[1]) * 1000);
  if (Number.isNaN(date.getTime())) return text;
  const fraction = m[2] ? `.${m[2].slice(0, 9)}` : '';
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}${fraction} UTC`;
}

export const SCAN_STATUS_LABEL: Record<ScanStatus, string> = {
  queued: 'Queued',
  running: 'Running',
  completed_clean: 'Clean',
  completed_with_findings: 'Findings',
  not_compared: 'Not compared',
  failed: 'Failed',
};

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

export function splitList(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** An engine message as a sentence: capitalised, with a full stop. */
export function sentence(message: string): string {
  return `${message.charAt(0).toUpperCase()}${message.slice(1)}${message.endsWith('.') ? '' : '.'}`;
}
