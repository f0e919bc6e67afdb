// One filter vocabulary for `events`, `report` and the API, through the real CLI on a real store:
// statuses (and their short forms), critical, server, group, policy, path (substring and glob), and
// times ISO or relative. Accepting every open event a filter matches, and the content kept for an
// added file.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine, type Engine } from '../../../src/main/engine/engine.js';
import type { FimEvent } from '../../../src/shared/domain.js';
import { parseCsv } from '../../support/csv-reader.js';
import { call, cleanup, cliOn, setupLocal, tempDir, type Setup } from '../alert/helpers.js';

let s: Setup;
let out: string;
const DAY = 86_400_000;

const cli = (...argv: string[]) => cliOn(s.home, ...argv);

async function events(...argv: string[]): Promise<FimEvent[]> {
  const r = await cli('events', '--json', ...argv);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as FimEvent[];
}

const rel = (e: FimEvent) => path.relative(s.tree, e.path);
const paths = (list: FimEvent[]) => list.map(rel).sort();

beforeAll(async () => {
  s = await setupLocal('filter');
  out = tempDir('filter-out');
  const { engine, tree } = s;
  fs.writeFileSync(path.join(tree, 'alert', 'a.conf'), 'changed\n');
  fs.writeFileSync(path.join(tree, 'alert', 'sudoers-deploy'), 'deploy ALL=(ALL) /usr/bin/systemctl restart app\napi_token = s3cr3t\n');
  fs.writeFileSync(path.join(tree, 'quiet', 'a.conf'), 'changed\n');
  fs.writeFileSync(path.join(tree, 'quiet', 'notes.txt'), 'x\n');
  fs.writeFileSync(path.join(tree, 'silent', 'tmp'), 'y\n');
  await engine.scan({ servers: ['s1'] });
  // quiet/notes.txt was first and last seen three days ago.
  const old = new Date(Date.now() - 3 * DAY).toISOString();
  engine.db.prepare('UPDATE events SET first_seen = ?, last_seen = ? WHERE path = ?').run(old, old, Buffer.from(path.join(tree, 'quiet', 'notes.txt')));
  engine.close();
});

afterAll(() => {
  cleanup(s.home, s.tree, out);
});

describe('the events command', () => {
  it('filters by path: a substring, or a glob over the whole path', async () => {
    expect(paths(await events())).toEqual(['alert/a.conf', 'alert/sudoers-deploy', 'quiet/a.conf', 'quiet/notes.txt', 'silent/tmp']);
    expect(paths(await events('--path', 'a.conf'))).toEqual(['alert/a.conf', 'quiet/a.conf']);
    expect(paths(await events('--path', 'sudoers'))).toEqual(['alert/sudoers-deploy']);
    expect(paths(await events('--path', '*/quiet/*'))).toEqual(['quiet/a.conf', 'quiet/notes.txt']);
    expect(paths(await events('--path', '*.txt'))).toEqual(['quiet/notes.txt']);
    expect(paths(await events('--path', `${s.tree}/?lert/[a-b]*`))).toEqual(['alert/a.conf']);
    // A glob matches the whole path: without a leading * it is anchored at the start.
    expect(await events('--path', 'alert/*')).toEqual([]);
  });

  it('takes relative and ISO times, and refuses what is neither', async () => {
    expect(paths(await events('--since', '24h'))).toEqual(['alert/a.conf', 'alert/sudoers-deploy', 'quiet/a.conf', 'silent/tmp']);
    expect(paths(await events('--since', '30m', '--critical'))).toEqual(['alert/a.conf', 'alert/sudoers-deploy', 'silent/tmp']);
    expect(paths(await events('--since', '1w'))).toHaveLength(5);
    expect(paths(await events('--since', '2w', '--until', '2d'))).toEqual(['quiet/notes.txt']);
    const day = new Date(Date.now() + DAY).toISOString().slice(0, 10);
    expect(await events('--since', day)).toEqual([]);
    const bad = await cli('events', '--until', 'last tuesday');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--until takes a date or time (ISO 8601) or a time ago (30m, 24h, 7d, 2w), got 'last tuesday'");
  });

  it('--status and its short forms are one vocabulary; critical, non-critical, group, policy and server combine', async () => {
    expect(paths(await events('--non-critical'))).toEqual(['quiet/a.conf', 'quiet/notes.txt']);
    expect(paths(await events('--status', 'open', '--group', 'G', '--policy', 'P', '--server', 's1', '--path', 'quiet'))).toEqual(['quiet/a.conf', 'quiet/notes.txt']);
    expect(await events('--group', 'Unassigned')).toEqual([]);
    expect(await events('--status', 'accepted')).toEqual(await events('--accepted'));
    expect((await events('--status', 'all')).length).toBe((await events('--all')).length);
    for (const [args, message] of [
      [['--status', 'closed'], "--status takes open, accepted, resolved, retired, all, got 'closed'"],
      [['--status', 'all', '--open'], 'choose one of --status, --open, --all, --accepted, --resolved, --retired'],
      [['--critical', '--non-critical'], '--critical and --non-critical exclude each other'],
    ] as const) {
      const r = await cli('events', ...args);
      expect(r.code).toBe(2);
      expect(r.err).toContain(message);
    }
  });
});

describe('the report command takes the same filter', () => {
  it('a CSV of the events a path and a time select', async () => {
    const file = path.join(out, 'conf.csv');
    const r = await cli('report', '--format', 'csv', '--out', file, '--open', '--path', '*.conf', '--since', '1d');
    expect(r.code, r.err).toBe(0);
    const [, ...rows] = parseCsv(fs.readFileSync(file, 'utf8'));
    expect(rows.map((row) => path.relative(s.tree, row[4]!)).sort()).toEqual(['alert/a.conf', 'quiet/a.conf']);
    expect(rows.every((row) => row[8] === 'open')).toBe(true);
  });

  it('a PDF of the events a filter selects, one row each, with the filter stated', async () => {
    const file = path.join(out, 'events.pdf');
    const r = await cli('report', '--format', 'pdf', '--kind', 'events', '--out', file, '--status', 'open', '--path', 'alert');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^wrote the events report to .*events\.pdf \(1 page, \d+ bytes\)$/);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('Driftwatch events');
    expect(text).toContain('Filter: status open; path containing alert');
    expect(text).toContain('Events: 2.');
    expect(text).toMatch(/ID +Server +Policy +Path +Change +Critical +Status +First seen/);
    // Cell by cell in drawing order (a long path wraps inside its cell): each row whole.
    const cells = execFileSync('pdftotext', ['-raw', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, '');
    const tree = s.tree.replace(/\s+/g, '');
    expect(cells).toMatch(new RegExp(`\\ds1P${tree}/alert/a\\.confmodifiedyesopen\\d{4}-\\d\\d-\\d\\d`));
    expect(cells).toMatch(new RegExp(`\\ds1P${tree}/alert/sudoers-deployaddedyesopen\\d{4}-\\d\\d-\\d\\d`));
    expect(text).not.toContain('quiet');
  });

  it('the compliance PDF refuses filters that are not its own', async () => {
    const r = await cli('report', '--format', 'pdf', '--out', path.join(out, 'x.pdf'), '--path', 'x');
    expect(r.code).toBe(2);
    expect(r.err).toContain('the compliance report takes --group, --since and --until only (not --path)');
    expect(fs.existsSync(path.join(out, 'x.pdf'))).toBe(false);
  });
});

describe('the API', () => {
  let engine: Engine;
  beforeAll(() => {
    engine = openEngine({ home: s.home });
  });
  afterAll(() => engine.close());

  it('validates the filter once, for lists and reports alike', async () => {
    for (const run of <(() => unknown)[]>[
      () => engine.handlers['events/list']({ status: 'closed' as never }),
      () => engine.handlers['reports/csv']({ kind: 'events', filter: { since: 'soon' } }),
      () => engine.handlers['reports/pdf']({ kind: 'events', filter: { critical: 'yes' as never } }),
    ]) {
      await expect(Promise.resolve().then(run)).rejects.toMatchObject({ code: 'invalid_input' });
    }
  });

  it('accepts every open event a filter matches with one note, only if the count is the one the user saw', async () => {
    const filter = { path: '*/quiet/*', status: 'all' as const };
    await expect(Promise.resolve().then(() => engine.handlers['events/acceptMatching']({ filter, expected: 3, note: 'x' }))).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('the filter now matches 2 open events, not 3: nothing was accepted') as unknown as string,
    });
    expect(await events('--accepted')).toEqual([]);
    const r = await call(engine, 'events/acceptMatching', { filter, expected: 2, note: 'CHG-77 quiet files', scope: 'baseline' });
    expect(r).toEqual({ accepted: 2, servers: ['s1'] });
    const accepted = await events('--accepted');
    expect(paths(accepted)).toEqual(['quiet/a.conf', 'quiet/notes.txt']);
    expect(accepted.every((e) => e.accepted?.note === 'CHG-77 quiet files' && e.accepted.scope === 'baseline')).toBe(true);
    // Into the baseline: the next scan finds them clean.
    await engine.scan({ servers: ['s1'] });
    expect(await events('--path', 'quiet')).toEqual([]);
  });

  it('keeps the content of an added file of a content target, secrets masked, in full and quick scans', async () => {
    const [added] = await events('--path', 'sudoers-deploy');
    expect(added!.change).toBe('added');
    expect(added!.currentEntry?.content).toEqual({ text: 'deploy ALL=(ALL) /usr/bin/systemctl restart app\n[masked: matches token]\n', masked: 1 });
    fs.writeFileSync(path.join(s.tree, 'alert', 'cron-job'), '*/5 * * * * root /opt/beacon\n');
    await engine.scan({ servers: ['s1'], mode: 'quick' });
    const [cron] = await events('--path', 'cron-job');
    expect(cron!.currentEntry?.content).toEqual({ text: '*/5 * * * * root /opt/beacon\n' });
    // A target that keeps no content keeps none for its added files.
    fs.writeFileSync(path.join(s.tree, 'quiet', 'new'), 'z\n');
    await engine.scan({ servers: ['s1'] });
    const [quiet] = await events('--path', 'quiet/new');
    expect(quiet!.currentEntry?.content).toBeUndefined();
  });
});

describe('accept --matching', () => {
  it('accepts the open events a filter matches once the count is confirmed with --expect', async () => {
    const ask = await cli('accept', '--matching', '--path', 'cron-job', '--note', 'CHG-9');
    expect(ask.code).toBe(1);
    expect(ask.err).toBe('1 open event matches this filter (driftwatch events lists them); add --expect 1 to accept them');
    const stale = await cli('accept', '--matching', '--path', 'cron-job', '--expect', '2');
    expect(stale.code).toBe(1);
    expect(stale.err).toContain('the filter now matches 1 open event, not 2: nothing was accepted');
    expect(await events('--accepted', '--path', 'cron-job')).toEqual([]);
    const ok = await cli('accept', '--matching', '--path', 'cron-job', '--expect', '1', '--note', 'CHG-9', '--for-server');
    expect(ok).toMatchObject({ code: 0, out: 'accepted 1 event for their servers (s1)' });
    const [cron] = await events('--accepted', '--path', 'cron-job');
    expect(cron!.accepted).toMatchObject({ note: 'CHG-9', scope: 'server' });
  });

  it('refuses a filter with IDs, and IDs with --matching', async () => {
    for (const [args, message] of [
      [['accept', '1', '--path', 'x'], 'filter options and --expect go with --matching'],
      [['accept', '1', '--matching'], 'give event IDs or --matching with a filter, not both'],
      [['accept'], 'missing arguments: event IDs, or --matching with a filter'],
    ] as const) {
      const r = await cli(...args);
      expect(r.code).toBe(2);
      expect(r.err).toContain(message);
    }
  });
});
