// Human output of the CLI: plain aligned tables and an event's side-by-side view.
import type { BaselineReport, FimEvent, ServerScanResult } from '../../shared/domain.js';

export function table(rows: string[][], header: string[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

/** Names are shown with control characters made visible, so a hostile name cannot fake output. */
export function visible(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

export function eventLine(e: FimEvent): string[] {
  return [String(e.id), e.server, e.change, e.critical ? 'critical' : '', e.status, visible(e.path), e.attributes.map((a) => a.name).join(',')];
}

export const EVENT_HEADER = ['ID', 'SERVER', 'CHANGE', 'CRITICAL', 'STATUS', 'PATH', 'ATTRIBUTES'];

export function eventDetails(e: FimEvent): string {
  const lines = [
    `Event ${e.id}: ${e.change} ${visible(e.path)}${e.pathEscaped ? '  (name is not UTF-8; \\xHH bytes)' : ''}`,
    `  server ${e.server} (group ${e.group}), policy ${e.policy}, ${e.critical ? 'critical' : 'not critical'}, ${e.alert ? 'alert' : 'no alert'}`,
    `  status ${e.status}; first seen ${e.firstSeen}, last seen ${e.lastSeen}${e.resolvedAt ? `, resolved ${e.resolvedAt}` : ''}`,
  ];
  if (e.accepted) lines.push(`  accepted by ${e.accepted.by} at ${e.accepted.at} (${e.accepted.scope === 'baseline' ? 'into the baseline' : 'for this server'}): ${e.accepted.note}`);
  if (e.error) lines.push(`  error: ${e.error}`);
  const changed = new Set(e.attributes.map((a) => a.name));
  const b = e.baselineEntry as Record<string, unknown> | null;
  const c = e.currentEntry as Record<string, unknown> | null;
  const names = ['type', 'mode', 'uid', 'gid', 'owner', 'group', 'size', 'mtime', 'ctime', 'inode', 'nlink', 'device', 'target', 'sha256'];
  const show = (v: unknown) => (v === null || v === undefined ? '-' : visible(String(v)));
  const rows = names.filter((n) => (b && b[n] !== null && b[n] !== undefined) || (c && c[n] !== null && c[n] !== undefined)).map((n) => [changed.has(n as never) ? `* ${n}` : `  ${n}`, b ? show(b[n]) : '(absent)', c ? show(c[n]) : '(absent)']);
  lines.push('', table(rows, ['  ATTRIBUTE', 'BASELINE', 'CURRENT']), '', '(* = changed)');
  return lines.join('\n');
}

export function scanLine(s: ServerScanResult): string[] {
  const counts = s.counts ? `${s.counts.entries} entries, +${s.counts.added} -${s.counts.removed} ~${s.counts.modified}` : '';
  return [s.name, s.status, counts, s.openEvents === undefined ? '' : String(s.openEvents), s.reason ?? ''];
}

export const SCAN_HEADER = ['SERVER', 'STATUS', 'CHANGES', 'OPEN EVENTS', 'REASON'];

export function baselineReportText(r: BaselineReport): string {
  const b = r.baseline;
  const head = `Baseline #${b.id} of policy ${b.policy} from ${b.server}: ${b.entries} entries${b.expiresAt ? `, expires ${b.expiresAt.slice(0, 10)}` : ''}${b.comment ? ` — ${b.comment}` : ''}`;
  const rows = r.targets.map((t) => [t.path, t.state, String(t.entries), String(t.unreadable.length)]);
  const unreadable = r.targets.flatMap((t) => t.unreadable.map((u) => `  unreadable: ${visible(u)}`));
  return [head, table(rows, ['TARGET', 'STATE', 'ENTRIES', 'UNREADABLE']), ...unreadable].join('\n');
}
