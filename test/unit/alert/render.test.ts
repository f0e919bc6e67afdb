// What alerts say: the email text per event (attributes, content diff, truncation), RFC 5424
// syslog framing and escaping, JSON lines, and the line diff.
import { describe, expect, it } from 'vitest';
import type { FimEvent } from '../../../src/shared/domain.js';
import { unifiedDiff } from '../../../src/main/compare/text-diff.js';
import { contentDiffOf, emailHtml, emailText, jsonLines, snapshot, subjectOf, syslogMessages, truncateText, type Notification } from '../../../src/main/alert/render.js';
import { formatSyslog, parseSyslogTarget } from '../../../src/main/alert/syslog.js';

function event(over: Partial<FimEvent> = {}): FimEvent {
  return {
    id: 7,
    server: 'web-1',
    group: 'Web',
    policy: 'Linux core',
    path: '/etc/passwd',
    change: 'modified',
    critical: true,
    alert: true,
    status: 'open',
    firstSeen: '2031-01-01T00:00:00.000Z',
    lastSeen: '2031-01-01T00:00:00.000Z',
    attributes: [
      { name: 'size', baseline: 100, current: 120 },
      { name: 'mode', baseline: '0644', current: '0666' },
    ],
    baselineEntry: null,
    currentEntry: null,
    acceptScopes: ['server', 'baseline'],
    ...over,
  };
}

function note(events: FimEvent[], over: Partial<Notification> = {}): Notification {
  return { kind: 'events', profile: 'ops', server: 'web-1', group: 'Web', scanId: 3, at: '2031-01-01T00:00:05.000Z', scheduled: false, events: events.map(snapshot), ...over };
}

describe('email', () => {
  it('shows server, path, change, critical flag and each changed attribute baseline → current', () => {
    const n = note([event(), event({ id: 8, path: '/etc/motd', critical: false, change: 'added', attributes: [{ name: 'sha256', baseline: null, current: 'ab'.repeat(32) }] })]);
    expect(subjectOf(n)).toBe('[Driftwatch] web-1: 2 new events (1 critical) in scan #3');
    const text = emailText(n);
    expect(text).toContain('Driftwatch found 2 new events on server web-1 (group Web) in scan #3 at 2031-01-01T00:00:05.000Z.');
    expect(text).toContain(['Event 7: CRITICAL modified /etc/passwd', '  server:   web-1', '  path:     /etc/passwd', '  change:   modified', '  critical: yes', '  policy:   Linux core', '  changed attributes (baseline → current):', '    size: 100 → 120', '    mode: 0644 → 0666'].join('\n'));
    expect(text).toContain(['Event 8: added /etc/motd', '  server:   web-1', '  path:     /etc/motd', '  change:   added', '  critical: no'].join('\n'));
    expect(text).toContain(`    sha256: - → ${'ab'.repeat(32)}`);
    // A mode change says what it means.
    expect(text).toContain('    mode: 0644 → 0666 (group-writable added, world-writable added)\n');
    expect(emailHtml(n)).toContain('<code>0666</code> (group-writable added, world-writable added)</td>');
  });

  it('shows the content diff the engine stored, truncated with a clear mark, and escapes what a hostile name could inject', () => {
    const before = Array.from({ length: 200 }, (_, i) => `line ${i}`).join('\n') + '\n';
    const after = before.replace('line 3\n', 'line three\n').replace('line 150\n', 'changed 150\n') + Array.from({ length: 100 }, (_, i) => `extra ${i}`).join('\n') + '\n';
    const e = event({ path: '/etc/evil\nFAKE: line<b>', attributes: [{ name: 'content', baseline: null, current: null, diff: unifiedDiff(before, after) }] });
    const text = emailText(note([e]));
    expect(text).toContain('  content diff:\n    --- baseline\n    +++ current\n    @@ -1,7 +1,7 @@\n     line 0\n     line 1\n     line 2\n    -line 3\n    +line three\n');
    expect(text).toMatch(/\[… diff truncated: \d+ more lines not shown …\]/);
    expect(text).not.toContain('extra 99');
    expect(text).toContain('/etc/evil\\nFAKE: line<b>');
    expect(text).not.toMatch(/^FAKE/m);
    const html = emailHtml(note([e]));
    expect(html).toContain('line&lt;b&gt;');
    expect(html).not.toContain('line<b>');
    // The content travels once, as the diff.
    expect(snapshot(e).attributes.map((a) => a.name)).toEqual([]);
  });

  it('takes a ready-made content diff from the event when the scanner provides one', () => {
    const e = { ...event(), contentDiff: '--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y' } as FimEvent;
    expect(contentDiffOf(e)).toBe('--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y');
    expect(contentDiffOf(event())).toBeUndefined();
    // The scanner's content change carries its diff, or why there is none.
    const withDiff = event({ attributes: [{ name: 'content', baseline: null, current: null, diff: '@@ -1 +1 @@\n-PermitRootLogin no\n+PermitRootLogin yes' }] });
    expect(emailText(note([withDiff]))).toContain('  content diff:\n    @@ -1 +1 @@\n    -PermitRootLogin no\n    +PermitRootLogin yes\n');
    expect(contentDiffOf(event({ attributes: [{ name: 'content', baseline: null, current: null, skipped: 'binary' }] }))).toBe('(no content diff: binary)');
  });

  it('words failures and host-key changes', () => {
    const failed = note([], { kind: 'scan_failed', reason: 'connect ECONNREFUSED', scheduled: true, scanId: null });
    expect(subjectOf(failed)).toBe('[Driftwatch] scheduled scan of web-1 failed');
    expect(emailText(failed)).toContain('A scheduled scan of server web-1 (group Web) failed at 2031-01-01T00:00:05.000Z.\nReason: connect ECONNREFUSED');
    expect(subjectOf(note([], { kind: 'scan_failed', server: '', reason: 'x', scheduled: true }))).toBe('[Driftwatch] scheduled scan of group Web failed');
    const hk = note([event({ change: 'host_key_mismatch', path: '', attributes: [{ name: 'hostKey', baseline: 'SHA256:a', current: 'SHA256:b' }] })], { kind: 'host_key_mismatch' });
    expect(subjectOf(hk)).toBe('[Driftwatch] CRITICAL: host key of web-1 has changed');
    expect(emailText(hk)).toContain('    hostKey: SHA256:a → SHA256:b');
  });

  it('details the first 100 events and lists the rest one line each', () => {
    const many = Array.from({ length: 130 }, (_, i) => event({ id: i + 1, path: `/etc/f${i}` }));
    const text = emailText(note(many));
    expect(text.match(/^Event \d+:/gm)).toHaveLength(100);
    expect(text).toContain('… and 30 more events:\n  101 critical modified /etc/f100\n');
  });
});

describe('truncation', () => {
  it('keeps short text and marks what it cuts', () => {
    expect(truncateText('a\nb', 5)).toBe('a\nb');
    expect(truncateText('1\n2\n3\n4', 2)).toBe('1\n2\n[… diff truncated: 2 more lines not shown …]');
    expect(truncateText('x'.repeat(50) + '\n' + 'y'.repeat(50), 10, 60)).toBe(`${'x'.repeat(50)}\n[… diff truncated: 1 more line not shown …]`);
  });
});

describe('syslog', () => {
  it('parses targets', () => {
    expect(parseSyslogTarget('127.0.0.1:514')).toMatchObject({ protocol: 'udp', host: '127.0.0.1', port: 514, spec: 'udp://127.0.0.1:514' });
    expect(parseSyslogTarget('tcp://logs.example.com:6514')).toMatchObject({ protocol: 'tcp', host: 'logs.example.com', port: 6514 });
    expect(parseSyslogTarget('udp://[::1]:514')).toMatchObject({ protocol: 'udp', host: '::1', spec: 'udp://[::1]:514' });
    for (const bad of ['localhost', 'http://x:1', 'x:0', 'x:70000', 'a b:1']) expect(() => parseSyslogTarget(bad)).toThrow(/syslog takes HOST:PORT/);
  });

  it('formats RFC 5424 with structured data escaped and one line of text', () => {
    const m = formatSyslog({ severity: 'critical', msgId: 'fim_event', params: { path: '/etc/a"b]c\\d', critical: true, event: 7 }, text: 'two\nlines', at: '2031-01-01T00:00:00.000Z' }, 'host-1');
    expect(m).toBe(`<130>1 2031-01-01T00:00:00.000Z host-1 driftwatch ${process.pid} fim_event [driftwatch@32473 path="/etc/a\\"b\\]c\\\\d" critical="true" event="7"] two lines`);
  });

  it('sends one message per event, and one for a failure', () => {
    const msgs = syslogMessages(note([event(), event({ id: 8, critical: false })]), 'h');
    expect(msgs).toHaveLength(2);
    expect(msgs[0]).toMatch(/^<130>1 /);
    expect(msgs[1]).toMatch(/^<132>1 /);
    expect(syslogMessages(note([], { kind: 'scan_failed', reason: 'down' }), 'h')[0]).toMatch(/^<131>1 \S+ h driftwatch \d+ scan_failed \[driftwatch@32473 server="web-1" group="Web" profile="ops" scheduled="false"\] scan failed on web-1: down$/);
  });
});

describe('JSON lines', () => {
  it('writes one object per event', () => {
    const lines = jsonLines(note([event(), event({ id: 8 })])).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ source: 'driftwatch', kind: 'events', profile: 'ops', server: 'web-1', scanId: 3, event: { id: 7, path: '/etc/passwd', critical: true } });
    expect(jsonLines(note([], { kind: 'scan_failed', reason: 'down' })).map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ kind: 'scan_failed', reason: 'down' })]);
  });
});
