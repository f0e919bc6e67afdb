// What an alert says, per channel: one email per scan and profile (text and HTML), one webhook POST
// (JSON), one JSON line and one syslog message per event.
import os from 'node:os';
import type { AttributeChange, FimEvent } from '../../shared/domain.js';
import { modeChanges } from '../../shared/human-text.js';
import { visible, visiblePath } from '../../shared/visible.js';
import { SEVERITY, formatSyslog } from './syslog.js';

/** The part of an event an alert carries (a snapshot taken when the alert was queued). */
export interface AlertEvent {
  id: number;
  server: string;
  group: string;
  policy: string;
  path: string;
  pathEscaped?: true;
  change: FimEvent['change'];
  critical: boolean;
  status: FimEvent['status'];
  firstSeen: string;
  lastSeen: string;
  attributes: AttributeChange[];
  error?: string;
  /** Unified diff of the content, when the scan captured content (already truncated if long). */
  contentDiff?: string;
}

export type NotificationKind = 'events' | 'host_key_mismatch' | 'scan_failed' | 'not_compared';

export interface Notification {
  kind: NotificationKind;
  profile: string;
  server: string;
  group: string;
  scanId: number | null;
  at: string;
  scheduled: boolean;
  /** Why the scan failed (scan_failed, host_key_mismatch without an event). */
  reason?: string;
  events: AlertEvent[];
}

export const DIFF_MAX_LINES = 60;
export const DIFF_MAX_CHARS = 4000;
export const VALUE_MAX_CHARS = 200;
/** Events shown in full in one email; the rest are listed one line each. */
export const EMAIL_DETAILED_EVENTS = 100;

export function truncateText(text: string, maxLines = DIFF_MAX_LINES, maxChars = DIFF_MAX_CHARS): string {
  const lines = text.split('\n');
  let out = '';
  let shown = 0;
  for (const line of lines) {
    if (shown >= maxLines || out.length + line.length + 1 > maxChars) break;
    out += line + '\n';
    shown++;
  }
  if (shown < lines.length) out += `[… diff truncated: ${lines.length - shown} more line${lines.length - shown === 1 ? '' : 's'} not shown …]\n`;
  return out.replace(/\n$/, '');
}

/**
 * The content diff of an event, if it has one: the `diff` its `content` change carries (made by the
 * engine when it recorded the change), or why there is none (binary, too large, masked…).
 */
export function contentDiffOf(e: FimEvent): string | undefined {
  const given = (e as FimEvent & { contentDiff?: unknown }).contentDiff;
  if (typeof given === 'string' && given) return truncateText(given);
  const c = e.attributes.find((a) => a.name === 'content');
  if (!c) return undefined;
  if (typeof c.diff === 'string' && c.diff) return truncateText(c.diff);
  if (typeof c.skipped === 'string' && c.skipped) return `(no content diff: ${c.skipped})`;
  return undefined;
}

export function snapshot(e: FimEvent): AlertEvent {
  const diff = contentDiffOf(e);
  return {
    id: e.id,
    server: e.server,
    group: e.group,
    policy: e.policy,
    path: e.path,
    ...(e.pathEscaped ? { pathEscaped: true as const } : {}),
    change: e.change,
    critical: e.critical,
    status: e.status,
    firstSeen: e.firstSeen,
    lastSeen: e.lastSeen,
    // The content itself travels as the diff, not twice.
    attributes: e.attributes.filter((a) => a.name !== 'content'),
    ...(e.error ? { error: e.error } : {}),
    ...(diff ? { contentDiff: diff } : {}),
  };
}

function short(v: string | number | null): string {
  if (v === null) return '-';
  const s = visible(String(v));
  return s.length > VALUE_MAX_CHARS ? `${s.slice(0, VALUE_MAX_CHARS)}…` : s;
}

function changeWord(e: AlertEvent): string {
  return e.change === 'host_key_mismatch' ? 'HOST KEY CHANGED' : e.change;
}

export function subjectOf(n: Notification): string {
  if (n.kind === 'scan_failed') return `[Driftwatch] ${n.scheduled ? 'scheduled ' : ''}scan of ${n.server || `group ${n.group}`} failed`;
  if (n.kind === 'host_key_mismatch') return `[Driftwatch] CRITICAL: host key of ${n.server} has changed`;
  if (n.kind === 'not_compared') return `[Driftwatch] ${n.scheduled ? 'scheduled ' : ''}scan of ${n.server} compared nothing for some policy`;
  const critical = n.events.filter((e) => e.critical).length;
  return `[Driftwatch] ${n.server}: ${n.events.length} new event${n.events.length === 1 ? '' : 's'}${critical ? ` (${critical} critical)` : ''}${n.scanId !== null ? ` in scan #${n.scanId}` : ''}`;
}

function intro(n: Notification): string[] {
  const where = n.server ? `server ${n.server} (group ${n.group})` : `group ${n.group}`;
  if (n.kind === 'scan_failed') return [`A ${n.scheduled ? 'scheduled ' : ''}scan of ${where} failed at ${n.at}.`, `Reason: ${visible(n.reason ?? 'unknown')}`];
  if (n.kind === 'not_compared') {
    return [`A ${n.scheduled ? 'scheduled ' : ''}scan of ${where} ran at ${n.at} but did not compare every policy: it is not clean.`, `Reason: ${visible(n.reason ?? 'unknown')}`];
  }
  if (n.kind === 'host_key_mismatch' && !n.events.length) {
    return [`The SSH host key of ${where} has changed; nothing was scanned (${n.at}).`, `Reason: ${visible(n.reason ?? '')}`, 'This may be an attack. Verify the new key out of band before trusting it.'];
  }
  return [`Driftwatch found ${n.events.length} new event${n.events.length === 1 ? '' : 's'} on ${where}${n.scanId !== null ? ` in scan #${n.scanId}` : ''} at ${n.at}.`];
}

export function emailText(n: Notification): string {
  const lines = [...intro(n), `Alert profile: ${n.profile}`, ''];
  const detailed = n.events.slice(0, EMAIL_DETAILED_EVENTS);
  for (const e of detailed) {
    lines.push(`Event ${e.id}: ${e.critical ? 'CRITICAL ' : ''}${changeWord(e)} ${visiblePath(e.path, e.pathEscaped)}`);
    lines.push(`  server:   ${e.server}`);
    lines.push(`  path:     ${visiblePath(e.path, e.pathEscaped)}${e.pathEscaped ? ' (name is not UTF-8; \\xHH bytes)' : ''}`);
    lines.push(`  change:   ${changeWord(e)}`);
    lines.push(`  critical: ${e.critical ? 'yes' : 'no'}`);
    if (e.policy) lines.push(`  policy:   ${e.policy}`);
    if (e.error) lines.push(`  error:    ${visible(e.error)}`);
    if (e.attributes.length) {
      lines.push('  changed attributes (baseline → current):');
      for (const a of e.attributes) lines.push(`    ${a.name}: ${short(a.baseline)} → ${short(a.current)}${modeWords(a)}`);
    }
    if (e.contentDiff) {
      lines.push('  content diff:');
      for (const l of e.contentDiff.split('\n')) lines.push(`    ${visible(l)}`);
    }
    lines.push('');
  }
  const rest = n.events.slice(EMAIL_DETAILED_EVENTS);
  if (rest.length) {
    lines.push(`… and ${rest.length} more event${rest.length === 1 ? '' : 's'}:`);
    for (const e of rest) lines.push(`  ${e.id} ${e.critical ? 'critical ' : ''}${changeWord(e)} ${visiblePath(e.path, e.pathEscaped)}`);
    lines.push('');
  }
  lines.push(`— Driftwatch on ${os.hostname()}`);
  return lines.join('\n') + '\n';
}

/** " (setuid added, …)" after a mode change, so a reader need not decode octal. */
function modeWords(a: { name: string; baseline: unknown; current: unknown }): string {
  const words = a.name === 'mode' ? modeChanges(a.baseline, a.current) : [];
  return words.length ? ` (${words.join(', ')})` : '';
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function emailHtml(n: Notification): string {
  const parts = [`<div style="font-family: sans-serif">`, ...intro(n).map((l) => `<p>${esc(l)}</p>`), `<p>Alert profile: ${esc(n.profile)}</p>`];
  for (const e of n.events.slice(0, EMAIL_DETAILED_EVENTS)) {
    parts.push(`<h3 style="margin-bottom: 4px">${e.critical ? '<span style="color: #b00">CRITICAL</span> ' : ''}${esc(changeWord(e))} <code>${esc(visiblePath(e.path, e.pathEscaped))}</code></h3>`);
    parts.push('<table cellpadding="3" style="border-collapse: collapse">');
    for (const [k, v] of [['event', String(e.id)], ['server', e.server], ['change', changeWord(e)], ['critical', e.critical ? 'yes' : 'no'], ['policy', e.policy]] as const) {
      if (v) parts.push(`<tr><th align="left">${k}</th><td>${esc(v)}</td></tr>`);
    }
    parts.push('</table>');
    if (e.attributes.length) {
      parts.push('<table border="1" cellpadding="3" style="border-collapse: collapse"><tr><th>attribute</th><th>baseline</th><th>current</th></tr>');
      for (const a of e.attributes) parts.push(`<tr><td>${esc(a.name)}</td><td><code>${esc(short(a.baseline))}</code></td><td><code>${esc(short(a.current))}</code>${esc(modeWords(a))}</td></tr>`);
      parts.push('</table>');
    }
    if (e.contentDiff) parts.push(`<pre style="background: #f4f4f4; padding: 6px">${esc(e.contentDiff)}</pre>`);
  }
  const rest = n.events.length - EMAIL_DETAILED_EVENTS;
  if (rest > 0) parts.push(`<p>… and ${rest} more events (see the Driftwatch console).</p>`);
  parts.push('</div>');
  return parts.join('\n');
}

/** The webhook body: the whole notification as JSON. */
export function webhookBody(n: Notification): string {
  return JSON.stringify({ driftwatch: 1, ...n });
}

/** One JSON object per event (or one for a failure), for a SIEM reading a file. */
export function jsonLines(n: Notification): string[] {
  const base = { source: 'driftwatch', kind: n.kind, profile: n.profile, server: n.server, group: n.group, scanId: n.scanId, at: n.at, scheduled: n.scheduled };
  if (!n.events.length) return [JSON.stringify({ ...base, reason: n.reason ?? null })];
  return n.events.map((e) => JSON.stringify({ ...base, event: e }));
}

export function syslogMessages(n: Notification, hostname?: string): string[] {
  if (!n.events.length) {
    return [
      formatSyslog(
        {
          severity: n.kind === 'host_key_mismatch' ? 'alert' : 'error',
          msgId: n.kind,
          params: { server: n.server, group: n.group, profile: n.profile, scheduled: n.scheduled },
          text: `${n.kind === 'host_key_mismatch' ? 'host key changed' : n.kind === 'not_compared' ? 'not compared' : 'scan failed'} on ${n.server}: ${visible(n.reason ?? '')}`,
          at: n.at,
        },
        hostname,
      ),
    ];
  }
  return n.events.map((e) =>
    formatSyslog(
      {
        severity: e.change === 'host_key_mismatch' ? 'alert' : e.critical ? 'critical' : 'warning',
        msgId: e.change === 'host_key_mismatch' ? 'host_key_mismatch' : 'fim_event',
        params: {
          event: e.id,
          server: e.server,
          group: e.group,
          policy: e.policy,
          path: visiblePath(e.path, e.pathEscaped),
          change: e.change,
          critical: e.critical,
          ...(n.scanId !== null ? { scan: n.scanId } : {}),
          attributes: e.attributes.map((a) => a.name).join(','),
        },
        text: `${e.critical ? 'critical ' : ''}${changeWord(e)} ${visiblePath(e.path, e.pathEscaped)} on ${e.server}${e.attributes.length ? ` (${e.attributes.map((a) => a.name).join(', ')})` : ''}`,
        at: n.at,
      },
      hostname,
    ),
  );
}

export { SEVERITY };
