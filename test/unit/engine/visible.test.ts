// The one escaping rule for human surfaces (src/shared/visible.ts): every control, bidi override
// and invalid byte escaped, the backslash too, so what is shown reads back to one input only; and
// the alert texts (email text and HTML, syslog) that use it.
import { describe, expect, it } from 'vitest';
import { visible, visibleBytes, visiblePath } from '../../../src/shared/visible.js';
import { displayPath } from '../../../src/shared/path-escape.js';
import { emailHtml, emailText, snapshot, syslogMessages, type Notification } from '../../../src/main/alert/render.js';
import type { FimEvent } from '../../../src/shared/domain.js';

/** Anything a terminal, a PDF viewer or a mail reader would act on rather than show. */
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

describe('visible', () => {
  it('escapes C0, DEL, C1, bidi controls and separators; keeps every script as it is', () => {
    expect(visible('a\x1b[2Jb\x07\x00\x7f')).toBe('a\\x1b[2Jb\\x07\\x00\\x7f');
    expect(visible('csi\u009b31m nel\u0085')).toBe('csi\\u009b31m nel\\u0085');
    expect(visible('\u202eevil\u202c \u2066x\u2069 \u200f\u061c\u2028')).toBe('\\u202eevil\\u202c \\u2066x\\u2069 \\u200f\\u061c\\u2028');
    expect(visible('line\nnext\ttab\rcr')).toBe('line\\nnext\\ttab\\rcr');
    expect(visible('café 日本 😀 ÿ')).toBe('café 日本 😀 ÿ');
  });

  it('escapes a literal backslash, so an escape in a name never looks like an escaped byte', () => {
    expect(visible('back\\x41slash')).toBe('back\\\\x41slash');
    expect(visible('back\\x41slash')).not.toBe(visible('backAslash'));
  });

  it('escapes a lone UTF-16 surrogate but keeps a pair', () => {
    expect(visible('a\ud800b\udc00')).toBe('a\\ud800b\\udc00');
    expect(visible('\ud83d\ude00')).toBe('😀');
  });

  it('never lets a raw control through, whatever the input', () => {
    let all = '';
    for (let c = 0; c < 0x3000; c++) all += String.fromCharCode(c);
    expect(visible(all)).not.toMatch(RAW_CONTROL);
  });
});

describe('visibleBytes and visiblePath', () => {
  it('shows invalid UTF-8 as \\xHH and valid UTF-8 decoded, C1 as \\u', () => {
    expect(visibleBytes('/a\xffb\xc2\x9b\\')).toBe('/a\\xffb\\u009b\\\\');
    expect(visibleBytes('/caf\xc3\xa9')).toBe('/café');
  });

  it('shows a path the same whether the API carried it escaped or not', () => {
    for (const bytes of ['/etc/back\\x41slash', '/t/\xff\\x', '/t/\xc2\x9b31m', '/t/\x1b]0;t\x07']) {
      const d = displayPath(bytes);
      expect(visiblePath(d.path, d.escaped)).toBe(visibleBytes(bytes));
    }
    // A literal backslash-x-4-1 and a real invalid byte differ on screen.
    const literal = displayPath('/back\\x41');
    const byte = displayPath('/back\xff');
    expect(visiblePath(literal.path, literal.escaped)).toBe('/back\\\\x41');
    expect(visiblePath(byte.path, byte.escaped)).toBe('/back\\xff');
  });
});

const HOSTILE = 'x\x1b[2J\x1b]0;pwned\x07\u009b31m\u202eevil';

function hostileEvent(): FimEvent {
  return {
    id: 7, server: 'web-1', group: 'Web', policy: 'P', path: `/etc/${HOSTILE}`, change: 'modified', critical: true, alert: true, status: 'open',
    firstSeen: '2031-01-01T00:00:00.000Z', lastSeen: '2031-01-01T00:00:00.000Z', error: `read: ${HOSTILE}`,
    attributes: [{ name: 'target', baseline: HOSTILE, current: 'b' }], baselineEntry: null, currentEntry: null, acceptScopes: ['server'],
  };
}

describe('alerts use the rule', () => {
  const n: Notification = { kind: 'events', profile: 'ops', server: 'web-1', group: 'Web', scanId: 3, at: '2031-01-01T00:00:05.000Z', scheduled: false, events: [snapshot(hostileEvent())] };
  const failed: Notification = { ...n, kind: 'scan_failed', events: [], reason: `stderr: ${HOSTILE}` };

  it('email text and HTML carry no raw control, and show the escapes', () => {
    for (const text of [emailText(n), emailHtml(n), emailText(failed), emailHtml(failed)]) {
      expect(text).not.toMatch(RAW_CONTROL);
      expect(text).toContain('\\x1b[2J\\x1b]0;pwned\\x07\\u009b31m\\u202eevil');
    }
  });

  it('syslog messages carry no raw control', () => {
    for (const m of [...syslogMessages(n, 'h'), ...syslogMessages(failed, 'h')]) {
      expect(m).not.toMatch(RAW_CONTROL);
      expect(m).toContain('\\u009b31m');
    }
  });
});
