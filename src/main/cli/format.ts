// Human output of the CLI: aligned tables (coloured on a terminal) and an event's side-by-side view.
import { attributeSpec, CORE_ATTRIBUTES, NOT_CHECKED, TOOL_ATTRIBUTES, type AttributeName } from '../../shared/attributes.js';
import type { BaselineInfo, BaselineReport, FimEvent, ServerScanResult } from '../../shared/domain.js';
import { localTime, modeChanges } from '../../shared/human-text.js';
import { visible, visiblePath } from '../../shared/visible.js';

/** What a word is, for colour: critical and failed stand out, open asks for attention. */
export type Tone = 'critical' | 'failed' | 'open';
export type Paint = (text: string, tone: Tone) => string;

export const plain: Paint = (text) => text;

const ANSI: Record<Tone, string> = { critical: '\x1b[1;31m', failed: '\x1b[1;31m', open: '\x1b[33m' };
export const ansi: Paint = (text, tone) => (text ? `${ANSI[tone]}${text}\x1b[0m` : text);

/**
 * Colour on a terminal: never with NO_COLOR set (whatever its value); FORCE_COLOR forces it even
 * when the output is not a terminal, or (0, false) turns it off.
 */
export function paintFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Paint {
  if (env.NO_COLOR !== undefined) return plain;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false' ? plain : ansi;
  return stream.isTTY ? ansi : plain;
}

/** Width on screen: colour sequences take none (data never holds ESC: `visible` escapes it). */
const width = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length;

export function table(rows: string[][], header: string[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => width(r[i] ?? ''))));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - width(c)))).join('  ')).join('\n');
}

/** A stored time (ISO, or epoch seconds from a host) as a local date with its zone; '-' for none. */
export const when = (value: string | null | undefined): string => (value ? localTime(value) : '-');

export function eventLine(e: FimEvent, paint: Paint = plain): string[] {
  return [String(e.id), e.server, e.change, e.critical ? paint('critical', 'critical') : '', e.status === 'open' ? paint('open', 'open') : e.status, visiblePath(e.path, e.pathEscaped), e.attributes.map((a) => a.name).join(',')];
}

export const EVENT_HEADER = ['ID', 'SERVER', 'CHANGE', 'CRITICAL', 'STATUS', 'PATH', 'ATTRIBUTES'];

export function eventDetails(e: FimEvent, paint: Paint = plain): string {
  if (e.change === 'host_key_mismatch') return hostKeyEventDetails(e);
  const lines = [
    `Event ${e.id}: ${e.change} ${visiblePath(e.path, e.pathEscaped)}${e.pathEscaped ? '  (name is not UTF-8; \\xHH bytes)' : ''}`,
    `  server ${e.server} (group ${e.group}), policy ${e.policy}, ${e.critical ? paint('critical', 'critical') : 'not critical'}, ${e.alert ? 'alert' : 'no alert'}`,
    `  status ${e.status === 'open' ? paint('open', 'open') : e.status}; first seen ${when(e.firstSeen)}, last seen ${when(e.lastSeen)}${e.resolvedAt ? `, resolved ${when(e.resolvedAt)}` : ''}`,
  ];
  if (e.accepted) lines.push(`  accepted by ${e.accepted.by} at ${when(e.accepted.at)} (${e.accepted.scope === 'baseline' ? 'into the baseline' : 'for this server'}): ${visible(e.accepted.note)}`);
  lines.push(...closedLines(e));
  if (e.error) lines.push(`  error: ${visible(e.error)}`);
  const changed = new Set(e.attributes.filter((a) => !a.notChecked).map((a) => a.name));
  const b = e.baselineEntry as Record<string, unknown> | null;
  const c = e.currentEntry as Record<string, unknown> | null;
  const names = CORE_ATTRIBUTES;
  // Beyond stat(2): absent from an entry when its host could not check it.
  const extended = TOOL_ATTRIBUTES;
  const show = (v: unknown) => (v === null || v === undefined ? '-' : visible(String(v)));
  // Times as local dates; the host's epoch seconds are in the JSON (docs/formats.md).
  const showValue = (n: AttributeName, v: unknown) => (attributeSpec(n).shown === 'time' && (typeof v === 'string' || typeof v === 'number') ? localTime(v) : show(v));
  const showExt = (entry: Record<string, unknown> | null, n: AttributeName) => (!entry ? '(absent)' : entry[n] === undefined ? NOT_CHECKED : show(entry[n]));
  const rows = names.filter((n) => (b && b[n] !== null && b[n] !== undefined) || (c && c[n] !== null && c[n] !== undefined)).map((n) => [changed.has(n) ? `* ${n}` : `  ${n}`, b ? showValue(n, b[n]) : '(absent)', c ? showValue(n, c[n]) : '(absent)']);
  for (const n of extended) {
    if ((b && b[n] !== null) || (c && c[n] !== null)) rows.push([changed.has(n) ? `* ${n}` : `  ${n}`, showExt(b, n), showExt(c, n)]);
  }
  lines.push('', table(rows, ['  ATTRIBUTE', 'BASELINE', 'CURRENT']), '', '(* = changed)');
  for (const a of e.attributes) {
    if (a.name === 'mode') {
      const words = modeChanges(a.baseline, a.current);
      if (words.length) lines.push(`mode ${show(a.baseline)} → ${show(a.current)}: ${words.join(', ')}`);
    }
    if (a.notChecked) lines.push(`${a.name}: not checked on ${a.notChecked === 'both' ? 'either host' : `the ${a.notChecked === 'current' ? 'current' : 'baseline'} host`}, so not known to be equal`);
    // File text may hold control characters: shown visible, line by line.
    if (a.name === 'content' && a.diff) lines.push('', 'content:', a.diff.split('\n').map(visible).join('\n'));
    else if (a.name === 'content') lines.push('', `content changed; no diff: ${a.skipped ?? 'content not kept'}`);
  }
  return lines.join('\n');
}

function closedLines(e: FimEvent): string[] {
  return [...(e.resolution ? [`  resolved: ${visible(e.resolution)}`] : []), ...(e.retired ? [`  retired at ${when(e.retired.at)}: ${visible(e.retired.reason)}`] : [])];
}

/** A changed host key: both fingerprints and the two real ways out (accepting does not apply). */
function hostKeyEventDetails(e: FimEvent): string {
  const key = e.attributes.find((a) => a.name === 'hostKey');
  const presented = String(key?.current ?? '');
  const lines = [
    `Event ${e.id}: the host key of ${e.server} changed`,
    `  server ${e.server} (group ${e.group}), critical`,
    `  status ${e.status}; first seen ${when(e.firstSeen)}, last seen ${when(e.lastSeen)}${e.resolvedAt ? `, resolved ${when(e.resolvedAt)}` : ''}`,
    ...closedLines(e),
    `  pinned:    ${String(key?.baseline ?? '-')}`,
    `  presented: ${presented}`,
  ];
  if (e.status === 'open') {
    lines.push(
      '',
      'Scans of this server are refused until this is settled. The two real actions:',
      `  the new key is legitimate: compare it with \`ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub\` run on the server's console, then`,
      `      driftwatch server trust ${e.server} --fingerprint ${presented} --replace`,
      '    (pins it, recorded as a trust change, and resolves this event)',
      '  investigate: leave the event open (someone may be posing as the server); nothing is pinned.',
    );
  }
  return lines.join('\n');
}

export function scanLine(s: ServerScanResult, paint: Paint = plain): string[] {
  const counts = s.counts ? `${s.counts.entries} entries, +${s.counts.added} -${s.counts.removed} ~${s.counts.modified}` : '';
  return [s.name, s.status === 'failed' ? paint(s.status, 'failed') : s.status, counts, s.openEvents === undefined ? '' : String(s.openEvents), visible(s.reason ?? '')];
}

export const SCAN_HEADER = ['SERVER', 'STATUS', 'CHANGES', 'OPEN EVENTS', 'REASON'];

/**
 * scan's exit code (docs/formats.md): 2 some server failed; else 3 some server was not compared
 * (a policy had nothing to compare with: its findings, if any, are in the output too); else 1 open
 * events; else 0.
 */
export function scanExitCode(results: readonly ServerScanResult[], openEvents: number): number {
  if (results.some((r) => r.status === 'failed')) return 2;
  if (results.some((r) => r.status === 'not_compared')) return 3;
  return openEvents ? 1 : 0;
}

/** A baseline's status with its date: "active", "expired 2026-01-01", "superseded 2026-…T… by #4". */
export function baselineState(b: BaselineInfo): string {
  if (b.status === 'superseded') return `superseded ${b.supersededAt} by ${b.supersededBy === null ? 'a removed baseline' : `#${b.supersededBy}`}`;
  if (b.status === 'expired') return `expired ${b.expiresAt!.slice(0, 10)}`;
  return 'active';
}

export function baselineReportText(r: BaselineReport): string {
  const b = r.baseline;
  const head = `Baseline #${b.id} of policy ${b.policy} from ${b.server}: ${b.entries} entries${b.expiresAt ? `, expires ${b.expiresAt.slice(0, 10)}` : ''}${b.comment ? ` — ${visible(b.comment)}` : ''}`;
  const rows = r.targets.map((t) => [visible(t.path), t.state, String(t.entries), String(t.unreadable.length)]);
  const unreadable = r.targets.flatMap((t) => t.unreadable.map((u) => `  unreadable: ${visible(u)}`));
  return [head, table(rows, ['TARGET', 'STATE', 'ENTRIES', 'UNREADABLE']), ...unreadable].join('\n');
}
