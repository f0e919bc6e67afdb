// The console's side of "a scan says what was compared" (issue 13, case 1), against a real
// `driftwatch serve` on its own store: two servers (this machine, twice) whose policies have no
// baseline, or only some: the live progress and the Scans history show "Not compared" in its own
// colour (never the green of Clean) with each policy's outcome, the Servers list and the Dashboard
// count them, and the Baselines screen shows a superseded baseline. Screenshots in
// test-results/screenshots/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { BaselinesPage, DashboardPage, ReportsPage, ScansPage, ServersPage } from './pages/console.js';
import { csvRecords } from './support/csv.js';
import { apiClient, type ApiClient } from './support/api.js';
import { startServe, type ServeProcess } from './support/serve.js';

let serve: ServeProcess;
let api: ApiClient;
let home: string;
let tree: string;

test.beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'driftwatch-e2e-verdicts-home-'));
  tree = fs.mkdtempSync(path.join(os.tmpdir(), 'driftwatch-e2e-verdicts-tree-'));
  for (const d of ['core', 'extra']) {
    fs.mkdirSync(path.join(tree, d));
    fs.writeFileSync(path.join(tree, d, 'app.conf'), `${d}\n`);
  }
  serve = await startServe(home);
  api = apiClient(serve.url);
  // core has a gold master; extra has none. web runs both, app only extra.
  await api.call('policies/add', { name: 'core' });
  await api.call('policies/addTarget', { policy: 'core', target: { path: path.join(tree, 'core'), depth: null, critical: true } });
  await api.call('policies/add', { name: 'extra' });
  await api.call('policies/addTarget', { policy: 'extra', target: { path: path.join(tree, 'extra'), depth: null } });
  await api.call('groups/add', { name: 'web', policies: ['core', 'extra'] });
  await api.call('groups/add', { name: 'app', policies: ['extra'] });
  await api.call('servers/add', { name: 'web-local', local: true, group: 'web' });
  await api.call('servers/add', { name: 'app-local', local: true, group: 'app' });
  await api.call('baselines/create', { policy: 'core', servers: ['web-local'], comment: 'first gold master' });
});

test.afterAll(async () => {
  await serve?.stop();
  for (const dir of [home, tree]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('a scan that compared nothing is never shown as clean', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const app = new DashboardPage(page);
  const scans = new ScansPage(page);
  const servers = new ServersPage(page);
  const baselines = new BaselinesPage(page);
  const reports = new ReportsPage(page);
  await app.open(serve.url);

  await test.step('the scan: both servers not compared, live and in the history', async () => {
    await app.go('Scans');
    await scans.launchAll();
    await scans.waitFor('app-local', 'not_compared');
    await scans.waitFor('web-local', 'not_compared');
    for (const server of ['app-local', 'web-local']) {
      await expect(scans.progressRow(server).locator('.badge').filter({ hasText: 'Not compared' })).toBeVisible();
      await expect(scans.progressRow(server)).toContainText("policy 'extra' not compared: no baseline taken yet");
    }
    await expect(scans.progressRow('web-local')).toContainText("compared: 'core'");
    const history = await api.call('scans/list', { limit: 2 });
    const byServer = new Map(history.map((r) => [r.server, r.id]));
    await expect(scans.historyRow(byServer.get('web-local')!)).toHaveAttribute('data-status', 'not_compared');
    expect(await scans.policyOutcomes(byServer.get('web-local')!)).toEqual({ core: 'compared', extra: 'not_compared' });
    expect(await scans.policyOutcomes(byServer.get('app-local')!)).toEqual({ extra: 'not_compared' });
    // Its own colour: not the green of a clean scan.
    const badge = scans.historyRow(byServer.get('app-local')!).locator('.badge.uncompared').filter({ hasText: /^Not compared$/ });
    await expect(badge).toBeVisible();
    const colour = await badge.evaluate((el) => getComputedStyle(el).color);
    const clean = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--ok').trim());
    expect(colour).toBe('rgb(126, 34, 206)');
    expect(clean).toBe('#15803d');
    // The baseline record says it recorded a state; it is no clean scan either.
    await expect(page.getByRole('table', { name: 'Scan history' }).locator('tr[data-status="completed_clean"]').getByText('Recorded')).toBeVisible();
    await expect(page.getByRole('table', { name: 'Scan history' }).getByText('Clean', { exact: true })).toHaveCount(0);
    await app.screenshot('verdicts-01-scans-not-compared');
  });

  await test.step('the Servers list and the Dashboard count them', async () => {
    await app.go('Servers');
    for (const server of ['app-local', 'web-local']) await expect(servers.row(server).getByText('Not compared', { exact: true })).toBeVisible();
    await app.go('Dashboard');
    expect(await app.tileValue('Not compared at last scan')).toBe('2');
    expect(await app.tileValue('Never scanned')).toBe('0');
    expect(await app.tileValue('Not compared in 7 days')).toBe('0');
    await expect(app.attention().filter({ hasText: 'app-local' })).toContainText("The last scan of app-local did not compare every policy: policy 'extra' not compared: no baseline taken yet");
    await app.screenshot('verdicts-02-dashboard');
  });

  await test.step('the scans CSV says which scans were not compared, and why', async () => {
    await app.go('Reports');
    const form = reports.form('Scans CSV');
    const [download] = await Promise.all([page.waitForEvent('download'), form.getByRole('button', { name: 'Download scans CSV' }).click()]);
    const file = path.join(tree, download.suggestedFilename());
    await download.saveAs(file);
    const rows = csvRecords(fs.readFileSync(file, 'utf8'));
    // The two servers are scanned at once: their order in the store is not fixed.
    expect(rows.map((r) => [r.kind, r.server, r.status, r.compared_policies, r.not_compared_policies]).sort()).toEqual([
      ['baseline', 'web-local', 'completed_clean', '', ''],
      ['scan', 'app-local', 'not_compared', '', 'extra'],
      ['scan', 'web-local', 'not_compared', 'core', 'extra'],
    ]);
    expect(rows.find((r) => r.server === 'app-local')!.reason).toMatch(/^policy 'extra' not compared: no baseline taken yet/);
  });

  await test.step('with a baseline for every policy the scan is clean again', async () => {
    await api.call('baselines/create', { policy: 'extra', servers: ['app-local'] });
    await app.go('Scans');
    await scans.launchAll();
    await scans.waitFor('app-local', 'completed_clean');
    await scans.waitFor('web-local', 'completed_clean');
    await app.go('Dashboard');
    expect(await app.tileValue('Not compared at last scan')).toBe('0');
  });

  await test.step('the Baselines screen shows which baseline is superseded', async () => {
    await api.call('baselines/create', { policy: 'core', servers: ['web-local'], comment: 'second gold master' });
    await app.go('Baselines');
    const list = await api.call('baselines/list', {});
    expect(list.map((b) => [b.id, b.policy, b.status])).toEqual([
      [1, 'core', 'superseded'],
      [2, 'extra', 'active'],
      [3, 'core', 'active'],
    ]);
    await expect(baselines.row(1)).toHaveAttribute('data-status', 'superseded');
    await expect(baselines.row(1).getByText('superseded', { exact: true })).toBeVisible();
    await expect(baselines.row(3).getByText('active', { exact: true })).toBeVisible();
    await app.screenshot('verdicts-03-baselines-superseded');
    // From the console: another gold master kept beside the active one (add).
    await baselines.request('core', ['web-local'], 'third, beside the second', { add: true });
    expect((await api.call('baselines/list', { policy: 'core' })).map((b) => [b.id, b.status])).toEqual([
      [1, 'superseded'],
      [3, 'active'],
      [4, 'active'],
    ]);
    await expect(baselines.row(4).getByText('active', { exact: true })).toBeVisible();
  });

  expect(errors, 'no uncaught errors in the page').toEqual([]);
});
