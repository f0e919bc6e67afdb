// Text a compromised server (or an imported policy) controls never reaches a terminal raw: every
// human surface of the CLI escapes it by the one rule (src/shared/visible.ts), and so does the PDF.
// A real store: a local server scanned for real (file names with C1 controls and a literal
// backslash), a failing scan whose shell writes escape sequences to stderr, a policy imported with
// them, and pre-flight facts, a scan reason and an event error holding them; and the alert email
// of a file named with them, through a real SMTP server on loopback.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, cleanup, cliOn, scanDelivered, setupLocal, startSmtp, tempDir, type Setup } from '../alert/helpers.js';

const HOSTILE = 'x\x1b[2J\x1b]0;pwned\x07\u009b31m\u202eevil\u2066';
const SHOWN = 'x\\x1b[2J\\x1b]0;pwned\\x07\\u009b31m\\u202eevil\\u2066';
/** Anything a terminal would act on rather than show (a newline ends a line, nothing else passes). */
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

let s: Setup;
let out: string;
const cli = async (...argv: string[]) => {
  const r = await cliOn(s.home, ...argv);
  expect(r.out + r.err).not.toMatch(RAW_CONTROL);
  return r;
};

beforeAll(async () => {
  s = await setupLocal('hostile-text');
  out = tempDir('hostile-text-out');
  const { engine, tree } = s;
  fs.writeFileSync(path.join(tree, 'alert', 'csi\u009b31mred'), 'x\n');
  fs.writeFileSync(path.join(tree, 'alert', 'back\\x41slash'), 'x\n');
  await engine.scan({ servers: ['s1'] });
  // A second local server whose shell says something hostile on stderr and fails.
  const evil = path.join(out, 'evil-sh');
  fs.writeFileSync(evil, `#!/bin/sh\nprintf '%s\\n' '${HOSTILE}' >&2\nexit 1\n`, { mode: 0o755 });
  await call(engine, 'servers/add', { name: 'evil', local: true, group: 'G', shell: evil });
  // What a hostile host reports: its pre-flight facts, a scan's reason, an entry's read error.
  const id = (engine.db.prepare("SELECT id FROM servers WHERE name = 's1'").get() as { id: number }).id;
  engine.db.prepare('INSERT OR REPLACE INTO server_preflight (server_id, at, facts_json) VALUES (?, ?, ?)').run(id, new Date().toISOString(), JSON.stringify({ shell: 'sh', kernel: HOSTILE }));
  engine.db.prepare("INSERT INTO scans (server_id, kind, status, reason, started_at, finished_at, counts_json, warnings_json) VALUES (?, 'scan', 'failed', ?, ?, ?, '{}', '[]')").run(id, HOSTILE, new Date().toISOString(), new Date().toISOString());
  engine.db.prepare("UPDATE events SET error = ? WHERE id = (SELECT MIN(id) FROM events WHERE CAST(path AS TEXT) LIKE '%back%')").run(`cannot read: ${HOSTILE}`);
  engine.close();
  fs.writeFileSync(path.join(out, 'evil.json'), JSON.stringify({ driftwatchPolicy: 1, name: 'Evil', os: 'linux', description: HOSTILE, targets: [{ path: `/srv/${HOSTILE}` }] }));
});

afterAll(() => {
  s.engine.close();
  cleanup(s.home, s.tree, out);
});

describe('every human surface escapes server-controlled text', () => {
  it('scan: the reason column shows the scanner stderr escaped', async () => {
    const r = await cli('scan', '--server', 'evil');
    expect(r.code).toBe(2);
    expect(r.out).toContain(SHOWN);
  });

  it('server show: pre-flight facts and scan history reasons', async () => {
    const r = await cli('server', 'show', 's1');
    expect(r.out).toMatch(new RegExp(`kernel +${SHOWN.replace(/[\\[\]]/g, '\\$&')}`));
    expect(r.out).toContain(`failed  `);
    expect(r.out.split('\n').filter((l) => l.includes(SHOWN))).toHaveLength(2);
  });

  it('events and event show: C1 controls in paths, a literal backslash, the error line', async () => {
    const list = await cliOn(s.home, 'events', '--json');
    const events = JSON.parse(list.out) as { id: number; path: string; error?: string }[];
    // The JSON keeps the exact name.
    const csi = events.find((e) => e.path.endsWith('csi\u009b31mred'))!;
    const back = events.find((e) => e.path.endsWith('back\\x41slash'))!;
    expect(csi && back).toBeTruthy();
    const table = await cli('events');
    expect(table.out).toContain('csi\\u009b31mred');
    expect(table.out).toContain('back\\\\x41slash');
    const show = await cli('event', 'show', String(csi.id));
    expect(show.out).toContain('csi\\u009b31mred');
    const showBack = await cli('event', 'show', String(back.id));
    expect(showBack.out).toContain('back\\\\x41slash');
    expect(showBack.out).toContain(`  error: cannot read: ${SHOWN}`);
  });

  it('policy import, show and list: description and target', async () => {
    const imported = await cli('policy', 'import', path.join(out, 'evil.json'));
    expect(imported.code).toBe(0);
    const show = await cli('policy', 'show', 'Evil');
    expect(show.out).toContain(`Evil (linux): ${SHOWN}`);
    expect(show.out).toContain(`/srv/${SHOWN}`);
    expect((await cli('policy', 'list')).out).toContain(SHOWN);
  });

  it('the PDF reports show the escapes, never the raw controls', async () => {
    for (const kind of ['events', 'compliance']) {
      // The path column wraps: its lines are joined before looking for a name.
      const file = path.join(out, `${kind}.pdf`);
      expect((await cli('report', '--format', 'pdf', '--kind', kind, '--out', file)).code).toBe(0);
      const text = execFileSync('pdftotext', ['-raw', file, '-'], { encoding: 'utf8' }).replace(/\f/g, '');
      expect(text).not.toMatch(RAW_CONTROL);
      const joined = text.replace(/\s/g, '');
      expect(joined).toContain('csi\\u009b31mred');
      expect(joined).toContain('back\\\\x41slash');
    }
  });
});

describe('alert email', () => {
  it('a file named with escape sequences and bidi controls: the email text and HTML show them escaped', async () => {
    const smtp = await startSmtp();
    const m = await setupLocal('hostile-mail');
    try {
      await call(m.engine, 'smtp/set', { host: '127.0.0.1', port: smtp.port, security: 'none', from: 'driftwatch@example.com' });
      await call(m.engine, 'alertProfiles/add', { name: 'ops', emails: ['ops@example.com'], events: 'both' });
      await call(m.engine, 'alertProfiles/assign', { group: 'G', profile: 'ops' });
      fs.writeFileSync(path.join(m.tree, 'alert', HOSTILE), 'x\n');
      await scanDelivered(m.engine, { groups: ['G'] });
      expect(smtp.messages).toHaveLength(1);
      const mail = smtp.messages[0]!;
      // (CRLF ends the lines of a MIME part: that is the transport, not the name.)
      for (const body of [mail.text, mail.html].map((b) => b.replace(/\r\n/g, '\n'))) {
        expect(body).not.toMatch(RAW_CONTROL);
        expect(body).toContain(SHOWN);
      }
    } finally {
      m.engine.close();
      cleanup(m.home, m.tree);
      await smtp.close();
    }
  });
});
