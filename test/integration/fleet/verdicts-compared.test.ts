// Verdicts an auditor can sign, on real hosts through the CLI contract (issue 13, cases 1, 5, 6):
// a scan says what it compared (not_compared, exit 3, per-policy outcomes), a new baseline of a
// server supersedes its older one (kept, listed, never compared with; --add keeps both;
// baseline show / remove), and monitoring is dated from when a server was added, so a server added
// minutes ago is "never scanned" and "not due", never "stale" or failing the weekly check.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/main/cli/main.js';
import { openEngine } from '../../../src/main/engine/engine.js';
import type { DashboardSummary } from '../../../src/shared/api.js';
import type { BaselineInfo, ScanRecord } from '../../../src/shared/domain.js';
import { parseCsv } from '../../support/csv-reader.js';
import { startFleet, type Fleet, type Host } from '../../fleet/fleet.js';
import { addServer, cli, makeAppTree, newHome, ok, removeHomes, resultOf, scanJson, scratchDir, statuses } from './helpers.js';

let fleet: Fleet;
let gold: Host;
let web: Host;
let other: Host;
const DAY = 86_400_000;

beforeAll(async () => {
  fleet = await startFleet({ hosts: 3 });
  [gold, web, other] = fleet.hosts as [Host, Host, Host];
  for (const h of fleet.hosts) {
    await makeAppTree(h);
    await makeAppTree(h, '/srv/extra');
  }
});
afterAll(async () => {
  await fleet?.stop();
  removeHomes();
});

async function dashboard(home: string): Promise<DashboardSummary> {
  const engine = openEngine({ home });
  try {
    return await engine.handlers['dashboard/summary']();
  } finally {
    engine.close();
  }
}

async function baselines(home: string): Promise<BaselineInfo[]> {
  return JSON.parse(await ok(home, 'baselines', '--json')) as BaselineInfo[];
}

function pdfText(file: string): string {
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
}

/** Sets a store value the API never lets a user set (a past expiry, a server added long ago). */
async function inStore(home: string, sql: string, ...params: unknown[]): Promise<void> {
  const engine = openEngine({ home });
  try {
    engine.db.prepare(sql).run(...params);
  } finally {
    engine.close();
  }
}

describe('a scan says what was compared', () => {
  let home: string;
  const noBaseline = "policy 'extra' not compared: no baseline taken yet, so its master targets were not compared (take one: driftwatch baseline extra --server GOLD-MASTER)";

  beforeAll(async () => {
    home = newHome();
    await ok(home, 'policy', 'add', 'core');
    await ok(home, 'policy', 'target', 'add', 'core', '/srv/app', '--recursive', '--critical');
    await ok(home, 'policy', 'add', 'extra');
    await ok(home, 'policy', 'target', 'add', 'extra', '/srv/extra', '--recursive');
    await ok(home, 'group', 'add', 'appgrp', '--policy', 'extra');
    await ok(home, 'group', 'add', 'web', '--policy', 'core', '--policy', 'extra');
    await addServer(home, fleet, gold);
    await addServer(home, fleet, web, { group: 'web' });
    await addServer(home, fleet, other, { group: 'appgrp' });
    await ok(home, 'baseline', 'core', '--server', gold.name);
  });

  it('a group whose policy has no baseline is not_compared, exit 3, with the reason (human and JSON)', async () => {
    const { code, json } = await scanJson(home, '--group', 'appgrp');
    expect(code).toBe(3);
    expect(resultOf(json, other.name)).toMatchObject({ status: 'not_compared', reason: noBaseline, openEvents: 0 });
    expect(resultOf(json, other.name).policies).toEqual([{ policy: 'extra', status: 'not_compared', reason: noBaseline.slice("policy 'extra' not compared: ".length) }]);
    const human = await cli(home, 'scan', '--group', 'appgrp');
    expect(human.code).toBe(3);
    expect(human.out).toMatch(new RegExp(`${other.name}\\s+not_compared\\s+14 entries, \\+0 -0 ~0\\s+0\\s+policy 'extra' not compared: no baseline taken yet`));
    expect(human.out).not.toMatch(/completed_clean/);
  });

  it('a server whose scan compared only some policies says which, and its findings still show (3 wins over 1)', async () => {
    await web.sh("printf 'mode=evil\\n' >> /srv/app/etc/app.conf");
    const { code, json } = await scanJson(home, '--server', web.name);
    expect(code).toBe(3);
    const r = resultOf(json, web.name);
    expect(r).toMatchObject({ status: 'not_compared', openEvents: 1, reason: `${noBaseline}; compared: 'core'` });
    expect(r.policies!.map((p) => [p.policy, p.status])).toEqual([
      ['core', 'compared'],
      ['extra', 'not_compared'],
    ]);
    expect(json.events.map((e) => [e.policy, e.change, e.path])).toEqual([['core', 'modified', '/srv/app/etc/app.conf']]);
    // The scan history keeps each policy's outcome.
    const show = JSON.parse(await ok(home, 'server', 'show', web.name, '--json')) as { scans: ScanRecord[] };
    expect(show.scans[0]).toMatchObject({ status: 'not_compared', reason: `${noBaseline}; compared: 'core'` });
    expect(show.scans[0]!.policies).toEqual(r.policies);
    expect(await ok(home, 'server', 'show', web.name)).toMatch(/scan\s+full\s+not_compared\s+\S+\s+policy 'extra' not compared/);
  });

  it('a failure wins over not compared (2); once every policy has a baseline: findings 1, clean 0', async () => {
    await other.stopSshd();
    try {
      const { code, json } = await scanJson(home, '--group', 'web', '--group', 'appgrp');
      expect(statuses(json)).toEqual({ [web.name]: 'not_compared', [other.name]: 'failed' });
      expect(code).toBe(2);
    } finally {
      await other.startSshd();
    }
    await ok(home, 'baseline', 'extra', '--server', gold.name);
    const findings = await scanJson(home, '--group', 'web', '--group', 'appgrp');
    expect(statuses(findings.json)).toEqual({ [web.name]: 'completed_with_findings', [other.name]: 'completed_clean' });
    expect(resultOf(findings.json, web.name).policies).toEqual([
      { policy: 'core', status: 'compared' },
      { policy: 'extra', status: 'compared' },
    ]);
    expect(findings.code).toBe(1);
    await web.sh("printf 'listen=8080\\nmode=prod\\n' > /srv/app/etc/app.conf");
    const clean = await scanJson(home, '--group', 'web', '--group', 'appgrp');
    expect(statuses(clean.json)).toEqual({ [web.name]: 'completed_clean', [other.name]: 'completed_clean' });
    expect(clean.code).toBe(0);
  });

  it('every baseline expired: not_compared again, and the dashboard counts the server', async () => {
    await inStore(home, "UPDATE baselines SET expires_at = '2020-01-01T00:00:00.000Z' WHERE policy_id = (SELECT id FROM policies WHERE name = 'extra')");
    const { code, json } = await scanJson(home, '--group', 'appgrp');
    expect(code).toBe(3);
    expect(resultOf(json, other.name).reason).toBe(
      "policy 'extra' not compared: every baseline has expired (1, the last on 2020-01-01), so its master targets were not compared (take one: driftwatch baseline extra --server GOLD-MASTER)",
    );
    const d = await dashboard(home);
    expect(d.notCompared).toEqual([other.name]);
    const servers = d.groups.flatMap((g) => g.servers);
    expect(servers.find((s) => s.name === other.name)!.lastScan!.status).toBe('not_compared');
    expect(servers.find((s) => s.name === web.name)!.lastScan!.status).toBe('completed_clean');
  });

  it('a self-only policy: the first scan records the state (not_compared), the next compares (clean)', async () => {
    const selfHome = newHome();
    await ok(selfHome, 'policy', 'add', 'own');
    await ok(selfHome, 'policy', 'target', 'add', 'own', '/srv/app', '--recursive', '--compare', 'self');
    await ok(selfHome, 'policy', 'target', 'add', 'own', '/srv/not-there', '--compare', 'self');
    await ok(selfHome, 'group', 'add', 'g', '--policy', 'own');
    await addServer(selfHome, fleet, other, { group: 'g' });
    const first = await scanJson(selfHome);
    expect(first.code).toBe(3);
    expect(resultOf(first.json, other.name).reason).toBe(
      "policy 'own' not compared: first scan of self targets /srv/app, /srv/not-there: this scan recorded the state the next scans compare with",
    );
    const second = await scanJson(selfHome);
    expect(resultOf(second.json, other.name)).toMatchObject({ status: 'completed_clean', policies: [{ policy: 'own', status: 'compared' }] });
    expect(second.code).toBe(0);
    // The missing target's absence was recorded too: a file appearing there is an event, not adopted.
    await other.sh("echo planted > /srv/not-there");
    const third = await scanJson(selfHome);
    expect(third.code).toBe(1);
    expect(third.json.events.map((e) => [e.change, e.path])).toEqual([['added', '/srv/not-there']]);
    await other.sh('rm /srv/not-there');
  });
});

describe('baselines are managed', () => {
  let home: string;

  beforeAll(async () => {
    home = newHome();
    await ok(home, 'policy', 'add', 'core');
    await ok(home, 'policy', 'target', 'add', 'core', '/srv/app', '--recursive');
    await ok(home, 'group', 'add', 'web', '--policy', 'core');
    await addServer(home, fleet, gold);
    await addServer(home, fleet, web, { group: 'web' });
  });
  afterAll(async () => {
    await gold.sh("printf 'lib v1\\n' > /srv/app/lib/libapp.so");
  });

  it('a second baseline of the same server supersedes the first: kept, listed, no longer compared with', async () => {
    await ok(home, 'baseline', 'core', '--server', gold.name);
    expect((await scanJson(home, '--group', 'web')).code).toBe(0);
    // The gold master moves on (a new release); its new baseline replaces the old one.
    await gold.sh("printf 'lib v2\\n' > /srv/app/lib/libapp.so");
    const out = await ok(home, 'baseline', 'core', '--server', gold.name, '--comment', 'release 2');
    expect(out).toMatch(new RegExp(`superseded baseline #1 from ${gold.name} \\(taken \\S+\\) by #2`));
    const list = await baselines(home);
    expect(list.map((b) => [b.id, b.status, b.supersededBy])).toEqual([
      [1, 'superseded', 2],
      [2, 'active', null],
    ]);
    expect(list[0]!.supersededAt).toBe(list[1]!.createdAt);
    // web still holds release 1: only the active baseline (release 2) judges it now.
    const { code, json } = await scanJson(home, '--group', 'web');
    expect(code).toBe(1);
    expect(json.events.map((e) => [e.change, e.path])).toEqual([['modified', '/srv/app/lib/libapp.so']]);
    expect(await ok(home, 'baselines')).toMatch(new RegExp(`^1\\s+core\\s+${gold.name}\\s+superseded \\S+ by #2`, 'm'));
  });

  it('--add keeps another gold master beside the active ones', async () => {
    await ok(home, 'baseline', 'core', '--server', web.name, '--add', '--comment', 'release 1 kept');
    expect((await baselines(home)).map((b) => [b.id, b.server, b.status])).toEqual([
      [1, gold.name, 'superseded'],
      [2, gold.name, 'active'],
      [3, web.name, 'active'],
    ]);
    // A baseline of another server never supersedes the gold master's, with or without --add.
    await ok(home, 'baseline', 'core', '--server', web.name);
    expect((await baselines(home)).map((b) => [b.id, b.status, b.supersededBy])).toEqual([
      [1, 'superseded', 2],
      [2, 'active', null],
      [3, 'superseded', 4],
      [4, 'active', null],
    ]);
    const { code } = await scanJson(home, '--group', 'web');
    expect(code).toBe(0); // web matches its own state (#4) — an entry is clean if it matches any active baseline
  });

  it('baseline show ID: the baseline, its targets and its status', async () => {
    const show = await ok(home, 'baseline', 'show', '1');
    expect(show).toMatch(new RegExp(`^Baseline #1 of policy core from ${gold.name}: 14 entries`));
    expect(show).toMatch(/\/srv\/app\s+found\s+14\s+0/);
    expect(show).toMatch(/status: superseded \S+ by #2; taken \S+/);
    const json = JSON.parse(await ok(home, 'baseline', 'show', '1', '--json')) as { baseline: BaselineInfo; targets: unknown[] };
    expect(json.baseline).toMatchObject({ id: 1, status: 'superseded', supersededBy: 2 });
    const missing = await cli(home, 'baseline', 'show', '99');
    expect(missing.code).toBe(1);
    expect(missing.err).toBe('driftwatch: no baseline with id 99');
  });

  it('baseline remove ID: refused without a terminal unless --yes; asks on a terminal', async () => {
    const refused = await cli(home, 'baseline', 'remove', '3');
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/^driftwatch: Remove baseline #3 of policy core from host2 \(superseded .* by #4, 14 entries, taken \S+\)\? Nothing was changed: stdin is not a terminal, so pass --yes to confirm\n/);
    expect((await baselines(home)).map((b) => b.id)).toEqual([1, 2, 3, 4]);

    // On a terminal: the question, then the answer decides.
    const ask = async (answer: string) => {
      const asked: string[] = [];
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(['--home', home, 'baseline', 'remove', '2'], { out: (t) => out.push(t), err: (t) => err.push(t), ask: async (q) => (asked.push(q), answer) });
      return { code, asked, out, err };
    };
    const no = await ask('n');
    expect(no.asked).toEqual([`Remove baseline #2 of policy core from ${gold.name} (active, 14 entries, taken ${(await baselines(home))[1]!.createdAt})? Type yes to confirm: `]);
    expect(no).toMatchObject({ code: 1, err: ['nothing removed'] });
    expect((await baselines(home)).map((b) => b.id)).toEqual([1, 2, 3, 4]);
    // As every removal asks: only "yes" confirms.
    expect((await ask('y')).code).toBe(1);
    const yes = await ask('yes');
    expect(yes).toMatchObject({ code: 0, out: ['removed baseline #2 of policy core from host1'] });

    expect(await ok(home, 'baseline', 'remove', '3', '--yes')).toBe('removed baseline #3 of policy core from host2');
    // Removing the last active baseline says what that means.
    const last = await cli(home, 'baseline', 'remove', '4');
    expect(last.err).toContain('It is the last active baseline of core: its master targets will not be compared until a new one is taken.');
    expect((await baselines(home)).map((b) => [b.id, b.status])).toEqual([
      [1, 'superseded'],
      [4, 'active'],
    ]);
  });

  it('reports list superseded and expired baselines with their dates', async () => {
    await ok(home, 'baseline', 'core', '--server', gold.name, '--add', '--expires', '2999-01-01');
    await inStore(home, "UPDATE baselines SET expires_at = '2020-06-30T00:00:00.000Z' WHERE id = 5");
    const list = await baselines(home);
    expect(list.map((b) => [b.id, b.status])).toEqual([
      [1, 'superseded'],
      [4, 'active'],
      [5, 'expired'],
    ]);
    const dir = scratchDir();
    const csv = path.join(dir, 'coverage.csv');
    await ok(home, 'report', '--format', 'csv', '--kind', 'coverage', '--out', csv);
    const [header, ...rows] = parseCsv(fs.readFileSync(csv, 'utf8'));
    const col = (name: string) => header!.indexOf(name);
    expect(rows.map((r) => [r[col('baseline_id')], r[col('baseline_status')], r[col('baseline_superseded_at')], r[col('baseline_superseded_by')], r[col('baseline_expires')]])).toEqual([
      ['1', 'superseded', list[0]!.supersededAt, '', ''], // the baseline that superseded it (#2) was removed since
      ['4', 'active', '', '', ''],
      ['5', 'expired', '', '', '2020-06-30T00:00:00.000Z'],
    ]);
    const pdf = path.join(dir, 'report.pdf');
    await ok(home, 'report', '--format', 'pdf', '--out', pdf);
    const text = pdfText(pdf);
    expect(text).toContain('Baselines: 3 (1 expired, 1 superseded).');
    expect(text).toMatch(new RegExp(`1 +core +${gold.name} +.*superseded ${list[0]!.supersededAt!.slice(0, 10)}\n`));
    expect(await ok(home, 'baselines')).toMatch(/^1\s+core\s+host1\s+superseded \S+ by a removed baseline/m);
    expect(text).toMatch(/5 +core +host1 +.*EXPIRED 2020-06-30/);
  });
});

describe('monitoring starts when the server is added', () => {
  let home: string;

  beforeAll(async () => {
    home = newHome();
    await ok(home, 'policy', 'add', 'core');
    await ok(home, 'policy', 'target', 'add', 'core', '/srv/app', '--recursive', '--critical');
    await ok(home, 'group', 'add', 'web', '--policy', 'core');
    await addServer(home, fleet, gold);
    await ok(home, 'baseline', 'core', '--server', gold.name);
  });

  it('a server added minutes ago is "never scanned", not stale, also after a failed attempt', async () => {
    await addServer(home, fleet, web, { group: 'web' });
    await addServer(home, fleet, other, { group: 'web' });
    let d = await dashboard(home);
    expect(d.neverScanned).toEqual([gold.name, web.name, other.name]);
    expect(d.staleServers).toEqual([]);
    await other.stopSshd();
    try {
      expect((await scanJson(home, '--server', other.name)).code).toBe(2);
    } finally {
      await other.startSshd();
    }
    await scanJson(home, '--server', web.name);
    d = await dashboard(home);
    expect(d.neverScanned).toEqual([gold.name, other.name]); // a failed attempt is not a scan
    expect(d.staleServers).toEqual([]);
  });

  it('the PDF says when monitoring began and does not fail a server for the time before it', async () => {
    const dir = scratchDir();
    const pdf = path.join(dir, 'fresh.pdf');
    await ok(home, 'report', '--format', 'pdf', '--out', pdf, '--group', 'web');
    const text = pdfText(pdf);
    const today = new Date().toISOString().slice(0, 10);
    // web: compared today, counted from today (added today): weekly. other: never compared, not due yet.
    expect(text).toMatch(new RegExp(`${web.name} +web +${today} +1 +${today} +0 +yes`));
    expect(text).toMatch(new RegExp(`${other.name} +web +${today} +0 +never +0 +not due +none`));
    expect(text).toContain('compared at least weekly over the period: 1 of 2 (1 not due yet (monitored for 7 days or less)).');
    expect(text).not.toMatch(/\bNO\b/);
    expect(text).toMatch(/Servers not compared in the last 7 days\s+None/);
  });

  it('a server monitored for weeks without a comparison is stale, and fails the weekly check from when it began', async () => {
    const began = new Date(Date.now() - 20 * DAY).toISOString();
    await inStore(home, 'UPDATE servers SET created_at = ? WHERE name = ?', began, other.name);
    await inStore(home, "UPDATE group_policies SET assigned_at = ? WHERE group_id = (SELECT id FROM groups WHERE name = 'web')", began);
    const d = await dashboard(home);
    expect(d.neverScanned).toEqual([gold.name, other.name]);
    expect(d.staleServers).toEqual([]); // never scanned says it already; stale is for servers that were
    const pdf = path.join(scratchDir(), 'old.pdf');
    await ok(home, 'report', '--format', 'pdf', '--out', pdf, '--group', 'web');
    const text = pdfText(pdf);
    expect(text).toMatch(new RegExp(`${other.name} +web +${began.slice(0, 10)} +0 +never +20 +NO +none`));
    expect(text).toMatch(new RegExp(`Servers not compared in the last 7 days[\\s\\S]*${other.name} +web +never`));

    // Once scanned, a later week without a comparison makes it stale.
    expect((await scanJson(home, '--server', other.name)).code).toBe(0);
    await inStore(home, "UPDATE scans SET finished_at = ? WHERE server_id = (SELECT id FROM servers WHERE name = ?)", new Date(Date.now() - 10 * DAY).toISOString(), other.name);
    expect((await dashboard(home)).staleServers).toEqual([other.name]);
  });

  it('moving a server into a group starts its monitoring there', async () => {
    await ok(home, 'group', 'add', 'later', '--policy', 'core');
    await ok(home, 'server', 'move', gold.name, '--group', 'later');
    const pdf = path.join(scratchDir(), 'later.pdf');
    await ok(home, 'report', '--format', 'pdf', '--out', pdf, '--group', 'later');
    expect(pdfText(pdf)).toMatch(new RegExp(`${gold.name} +later +${new Date().toISOString().slice(0, 10)} +0 +never +0 +not due`));
  });
});
