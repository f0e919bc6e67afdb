// Reports from a real store: the events and coverage CSV (parsed back), and the PDF compliance
// report checked with pdftotext: PCI DSS 11.5.2 summary, critical files, events with who accepted
// them, servers not compared in the last 7 days, baseline ages, page numbers and timestamp.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine } from '../../../src/main/engine/engine.js';
import { call, cleanup, cliOn, setupLocal, tempDir, type Setup } from '../alert/helpers.js';
import { parseCsv } from '../../support/csv-reader.js';

let s: Setup;
let out: string;
const DAY = 86_400_000;

const cli = (...argv: string[]) => cliOn(s.home, ...argv);

function pdfText(file: string): string {
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
}

beforeAll(async () => {
  s = await setupLocal('report');
  out = tempDir('report-out');
  const { engine, tree } = s;
  // A second group: one server compared every few days, one never compared.
  await call(engine, 'policies/add', { name: 'Web' });
  await call(engine, 'policies/addTarget', { policy: 'Web', target: { path: path.join(tree, 'quiet'), depth: null, critical: true, alert: true, reference: 'PCI DSS 11.5.2; CIS 6.1.x' } });
  await call(engine, 'groups/add', { name: 'Web', policies: ['Web'] });
  await call(engine, 'servers/add', { name: 'web-1', local: true, group: 'Web' });
  await call(engine, 'servers/add', { name: 'web-2', local: true, group: 'Web' });
  await call(engine, 'baselines/create', { policy: 'Web', servers: ['web-1'], expires: new Date(Date.now() + 10 * DAY).toISOString().slice(0, 10) });
  // web-1: completed comparisons every 5 days over the last 30 (history written as scans would have),
  // so every server and policy assignment dates from before the period.
  const id = (n: string) => (engine.db.prepare('SELECT id FROM servers WHERE name = ?').get(n) as { id: number }).id;
  const longAgo = new Date(Date.now() - 40 * DAY).toISOString();
  engine.db.prepare('UPDATE servers SET created_at = ?').run(longAgo);
  engine.db.prepare('UPDATE group_policies SET assigned_at = ?').run(longAgo);
  const insert = engine.db.prepare("INSERT INTO scans (server_id, kind, status, started_at, finished_at, counts_json, warnings_json) VALUES (?, 'scan', 'completed_clean', ?, ?, '{}', '[]')");
  for (let d = 29; d >= 1; d -= 5) {
    const t = new Date(Date.now() - d * DAY).toISOString();
    insert.run(id('web-1'), t, t);
  }
  // Events: a formula-like name, one accepted with a note, one resolved.
  fs.writeFileSync(path.join(tree, 'alert', '=HYPERLINK("evil","x")'), 'x\n');
  fs.writeFileSync(path.join(tree, 'alert', 'a.conf'), 'changed\n');
  fs.writeFileSync(path.join(tree, 'quiet', 'a.conf'), 'changed\n');
  fs.writeFileSync(path.join(tree, 'silent', 'tmp'), 'y\n');
  await engine.scan({ servers: ['s1', 'web-1'] });
  const open = (await call(engine, 'events/list', { status: 'open' })).events;
  const quiet = open.find((e) => e.server === 's1' && e.path === path.join(tree, 'quiet', 'a.conf'))!;
  await call(engine, 'events/accept', { ids: [quiet.id], note: 'approved change CHG-1234, "routine"' });
  const conf = open.find((e) => e.server === 's1' && e.path === path.join(tree, 'alert', 'a.conf'))!;
  await call(engine, 'events/accept', { ids: [conf.id], note: '=1+2 @risky' });
  fs.rmSync(path.join(tree, 'silent', 'tmp'));
  await engine.scan({ servers: ['s1'] });
  // Many events, so the report runs over several pages.
  for (let i = 0; i < 70; i++) fs.writeFileSync(path.join(tree, 'alert', `bulk-${String(i).padStart(2, '0')}`), `${i}\n`);
  await engine.scan({ servers: ['s1'] });
  engine.close();
});

afterAll(() => {
  s.engine.close();
  cleanup(s.home, s.tree, out);
});

describe('CSV reports', () => {
  it('exports events with the events filters, quoted and formula-safe', async () => {
    const file = path.join(out, 'events.csv');
    const r = await cli('report', '--format', 'csv', '--out', file, '--status', 'all', '--server', 's1');
    expect(r).toMatchObject({ code: 0 });
    const rows = parseCsv(fs.readFileSync(file, 'utf8'));
    const [header, ...data] = rows;
    expect(header).toEqual(['id', 'server', 'group', 'policy', 'path', 'change', 'critical', 'alert', 'status', 'first_seen', 'last_seen', 'resolved_at', 'changed_attributes', 'accepted_by', 'accepted_at', 'accept_scope', 'accept_note', 'error', 'resolution', 'retired_at', 'retired_reason']);
    expect(r.out).toBe(`wrote ${data.length} events rows to ${file}`);
    const by = (p: string) => data.find((d) => d[4] === path.join(s.tree, p))!;
    expect(data.every((d) => d[1] === 's1')).toBe(true);
    // The name that looks like a formula gets a leading apostrophe only where the cell starts with '='.
    expect(data.map((d) => d[4])).toContain(path.join(s.tree, 'alert', '=HYPERLINK("evil","x")'));
    expect(by('alert/a.conf')[16]).toBe("'=1+2 @risky");
    expect(by('quiet/a.conf').slice(5, 9)).toEqual(['modified', 'no', 'yes', 'accepted']);
    expect(by('quiet/a.conf')[15]).toBe('server');
    expect(by('quiet/a.conf')[16]).toBe('approved change CHG-1234, "routine"');
    expect(by('quiet/a.conf')[12]).toMatch(/^size: 14 -> 8; sha256: [0-9a-f]{64} -> [0-9a-f]{64}$/);
    expect(by('silent/tmp')[8]).toBe('resolved');
    expect(by('silent/tmp')[11]).not.toBe('');

    const critFile = path.join(out, 'critical.csv');
    expect((await cli('report', '--format', 'csv', '--kind', 'events', '--out', critFile, '--group', 'G', '--critical', '--status', 'open')).code).toBe(0);
    const crit = parseCsv(fs.readFileSync(critFile, 'utf8')).slice(1);
    expect(crit.length).toBeGreaterThan(70);
    expect(crit.every((d) => d[2] === 'G' && d[6] === 'yes' && d[8] === 'open')).toBe(true);
    const none = path.join(out, 'none.csv');
    await cli('report', '--format', 'csv', '--out', none, '--until', '2000-01-01');
    expect(parseCsv(fs.readFileSync(none, 'utf8'))).toHaveLength(1);
  });

  it('neutralises formulas in every cell, not only paths', async () => {
    const engine = openEngine({ home: s.home });
    try {
      const csv = (await call(engine, 'reports/csv', { kind: 'coverage', filter: {} })).csv;
      expect(csv).not.toMatch(/(^|,)[=+@-]/m);
      const events = await call(engine, 'reports/csv', { kind: 'events', filter: { status: 'all', since: new Date(Date.now() - DAY).toISOString() } });
      const rows = parseCsv(events.csv);
      expect(rows.length).toBe(events.rows + 1);
      for (const row of rows) for (const cell of row) expect(cell).not.toMatch(/^[=+@-]/);
      await expect(Promise.resolve().then(() => engine.handlers['reports/csv']({ kind: 'events', filter: { since: 'yesterday-ish' } }))).rejects.toThrow(/since takes a date/);
    } finally {
      engine.close();
    }
  });

  it('lists baseline coverage: server, target, found or missing', async () => {
    const file = path.join(out, 'coverage.csv');
    expect((await cli('report', '--format', 'csv', '--kind', 'coverage', '--out', file)).code).toBe(0);
    const [header, ...rows] = parseCsv(fs.readFileSync(file, 'utf8'));
    expect(header).toEqual([
      'policy', 'groups', 'baseline_id', 'server', 'target', 'state', 'entries', 'unreadable', 'baseline_created', 'baseline_expires', 'baseline_expired',
      'baseline_status', 'baseline_superseded_at', 'baseline_superseded_by',
    ]);
    expect(rows.map((r) => [r[0], r[1], r[3], r[4], r[5]]).sort()).toEqual([
      ['P', 'G', 's1', path.join(s.tree, 'alert'), 'found'],
      ['P', 'G', 's1', path.join(s.tree, 'quiet'), 'found'],
      ['P', 'G', 's1', path.join(s.tree, 'silent'), 'found'],
      ['Web', 'Web', 'web-1', path.join(s.tree, 'quiet'), 'found'],
    ]);
    const web = path.join(out, 'coverage-web.csv');
    await cli('report', '--format', 'csv', '--kind', 'coverage', '--out', web, '--group', 'Web');
    expect(parseCsv(fs.readFileSync(web, 'utf8')).slice(1).map((r) => r[3])).toEqual(['web-1']);
  });

  it('refuses bad arguments with the usage', async () => {
    expect((await cli('report', '--format', 'xls', '--out', 'x')).code).toBe(2);
    expect((await cli('report', '--format', 'csv')).err).toMatch(/--out FILE is required/);
    expect((await cli('report', '--format', 'csv', '--kind', 'nope', '--out', path.join(out, 'x'))).err).toMatch(/--kind takes events, coverage or scans/);
    expect((await cli('report', '--format', 'pdf', '--out', path.join(out, 'x'), '--since', 'soon')).err).toMatch(/--since takes a date/);
  });
});

describe('PDF compliance report', () => {
  it('covers PCI DSS 11.5.2, critical files, events, stale servers and baselines, with page numbers and a timestamp', async () => {
    const file = path.join(out, 'web.pdf');
    const r = await cli('report', '--format', 'pdf', '--out', file, '--group', 'Web');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^wrote the compliance report to .*web\.pdf \(1 page, \d+ bytes\)$/);
    expect(fs.readFileSync(file).subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(file);
    expect(text).toContain('Driftwatch compliance report');
    expect(text).toContain('Group: Web');
    expect(text).toMatch(/Period: \d{4}-\d\d-\d\d \d\d:\d\d UTC to \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(text).toMatch(/Generated: \d{4}-\d\d-\d\d \d\d:\d\d UTC \(\d{4}-\d\d-\d\dT[\d:.]+Z\)/);
    expect(text).toContain('PCI DSS 11.5.2 - change-detection comparisons');
    expect(text).toContain('Servers: 2; compared at least weekly over the period: 1 of 2.');
    // web-1: 6 older comparisons every 5 days plus today's: weekly. web-2: never compared.
    // Both monitored since before the period (40 days ago), so counted over all of it.
    const since = new Date(Date.now() - 40 * DAY).toISOString().slice(0, 10);
    expect(text).toMatch(new RegExp(`web-1 +Web +${since} +7 +.*yes`));
    expect(text).toMatch(new RegExp(`web-2 +Web +${since} +0 +never +30 +NO +none`));
    expect(text).toContain('Critical files covered');
    // A long path wraps inside its table cell, at a place that depends on the temp folder's name.
    const flat = text.replace(/\s+/g, '');
    expect(flat).toContain(`Web${path.join(s.tree, 'quiet')}recursivemasteryes`);
    expect(text).toContain('PCI DSS 11.5.2; CIS 6.1.x');
    expect(text).toContain('Servers not compared in the last 7 days');
    expect(text).toMatch(/web-2 +Web +never/);
    expect(text).toContain('Baselines: age, expiry and replacement');
    expect(text).toMatch(/Web +web-1 +\d{4}-\d\d-\d\d +0 +\d{4}-\d\d-\d\d +expires in (9|10) days/);
    expect(text).toMatch(/Page 1 of 1 +- +generated \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
  });

  it('runs over pages with the header repeated, shows who accepted what, and numbers every page', async () => {
    const file = path.join(out, 'all.pdf');
    const r = await cli('report', '--format', 'pdf', '--out', file, '--since', new Date(Date.now() - 2 * DAY).toISOString());
    expect(r.code).toBe(0);
    const pages = Number(/\((\d+) pages?,/.exec(r.out)![1]);
    expect(pages).toBeGreaterThan(1);
    const text = pdfText(file);
    for (let i = 1; i <= pages; i++) expect(text).toMatch(new RegExp(`Page ${i} of ${pages} +- +generated `));
    expect(text.split('\f').filter((p) => p.trim()).length).toBe(pages);
    expect(text).toContain('Group: all groups');
    expect(text).toMatch(new RegExp(`${os.userInfo().username} \\d{4}-\\d\\d-\\d\\d:[\\s\\S]{0,300}approved change[\\s\\S]{0,300}CHG-1234`));
    expect(text).toMatch(/bulk-69/);
    // The events table's header is repeated on the page it continues on.
    expect(text.match(/ID +Server +Path +Change +Critical +Status +First seen/g)!.length).toBeGreaterThan(1);
    expect(text).toMatch(/resolved \d{4}-\d\d-\d\d/);
  });

  it('is available through the API as base64', async () => {
    const engine = openEngine({ home: s.home });
    try {
      const r = await call(engine, 'reports/pdf', { group: 'G' });
      expect(r.filename).toMatch(/^driftwatch-compliance-G-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.pdf$/);
      const bytes = Buffer.from(r.base64, 'base64');
      expect(bytes.length).toBe(r.bytes);
      expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
      await expect(Promise.resolve().then(() => engine.handlers['reports/pdf']({ group: 'Nope' }))).rejects.toThrow(/no group named 'Nope'/);
      await expect(Promise.resolve().then(() => engine.handlers['reports/pdf']({ since: '2031-01-02', until: '2031-01-01' }))).rejects.toThrow(/period must start before it ends/);
    } finally {
      engine.close();
    }
  });
});

