// The whole console, as a security engineer would use it for the first time: monitor this
// machine, group, policy with a target on a temp directory, assign, baseline, clean scan, tamper,
// scan again, read the events side by side, accept one. Screenshots of each screen are kept in
// test-results/screenshots/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { BaselinesPage, ConsolePage, EventsPage, GroupsPage, PoliciesPage, ScansPage, ServersPage } from './pages/console.js';
import { readConsoleState } from './support/env.js';

const GROUP = 'web';
const POLICY = 'E2E web config';
const APP_CONF = 'listen 443\nworkers 4\ntls on\n';
const APPENDED = 'debug on\n';

let target = '';
test.afterEach(() => {
  if (target) fs.rmSync(target, { recursive: true, force: true });
  target = '';
});

test('monitor, baseline, scan, tamper, review and accept', async ({ page }) => {
  const consoleState = readConsoleState();
  target = fs.mkdtempSync(path.join(os.tmpdir(), 'driftwatch-e2e-target-'));
  fs.mkdirSync(path.join(target, 'conf.d'));
  fs.writeFileSync(path.join(target, 'app.conf'), APP_CONF);
  fs.writeFileSync(path.join(target, 'conf.d', 'site.conf'), 'root /srv/www\n');
  fs.writeFileSync(path.join(target, 'run.sh'), '#!/bin/sh\necho ok\n', { mode: 0o755 });
  fs.chmodSync(path.join(target, 'run.sh'), 0o755);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  const app = new ConsolePage(page);
  const servers = new ServersPage(page);
  const groups = new GroupsPage(page);
  const policies = new PoliciesPage(page);
  const baselines = new BaselinesPage(page);
  const scans = new ScansPage(page);
  const events = new EventsPage(page);

  await test.step('first start: the dashboard says what to do', async () => {
    await app.open(consoleState.url);
    await expect(page.getByText('Getting started')).toBeVisible();
    await app.screenshot('01-dashboard-empty');
  });

  await test.step('monitor this machine', async () => {
    await app.go('Servers');
    await expect(page.getByText('No servers yet')).toBeVisible();
    await app.screenshot('02-servers-empty');
    await servers.monitorThisMachine();
  });

  await test.step('create a group', async () => {
    await app.go('Groups');
    await groups.create(GROUP);
  });

  await test.step('create a policy with a target on the temp directory', async () => {
    await app.go('Policies');
    await policies.create(POLICY, 'Application configuration under test');
    await policies.addTarget(POLICY, { path: target, critical: true }, '03-target-editor');
    await app.screenshot('04-policies');
  });

  await test.step('assign the policy and move the server into the group', async () => {
    await app.go('Groups');
    await groups.assign(GROUP, POLICY);
    await app.go('Servers');
    await servers.moveToGroup('this-machine', GROUP);
    await app.screenshot('05-servers');
    await app.go('Groups');
    await expect(page.getByRole('heading', { name: `Group ${GROUP}` })).toBeVisible();
    await app.screenshot('06-groups');
  });

  await test.step('baseline', async () => {
    await app.go('Baselines');
    const report = await baselines.request(POLICY, [], 'E2E gold master');
    await expect(report.getByRole('cell', { name: target, exact: true })).toBeVisible();
    await expect(report.getByText('found', { exact: true }).first()).toBeVisible();
    await expect(report.getByText('0 missing')).toBeVisible();
    // The baseline's progress, pushed by the engine as a scan's is: entries, files and bytes hashed, time.
    const progress = baselines.progressRow('this-machine');
    await expect(progress).toHaveAttribute('data-status', 'completed_clean');
    await expect(progress).toContainText(/\d+ entries recorded, \d+ files? hashed \(\d+(\.\d)? (B|KiB)\) · \d+\.\d s/);
    await app.screenshot('07-baselines');
  });

  await test.step('scan: clean', async () => {
    await app.go('Scans');
    await scans.launchAll();
    await scans.waitFor('this-machine', 'completed_clean');
    await expect(scans.progressRow('this-machine')).toContainText(/\d+ entries recorded, \d+ files? hashed/);
    await app.screenshot('08-scan-clean');
  });

  await test.step('tamper: modify, chmod, add', async () => {
    fs.appendFileSync(path.join(target, 'app.conf'), APPENDED);
    fs.chmodSync(path.join(target, 'run.sh'), 0o777);
    fs.writeFileSync(path.join(target, 'conf.d', 'backdoor.conf'), 'proxy_pass http://203.0.113.9;\n');
  });

  await test.step('scan: findings, live', async () => {
    await scans.launchAll();
    await scans.waitFor('this-machine', 'completed_with_findings');
    await expect(page.getByRole('table', { name: 'Scan history' }).getByText('Findings').first()).toBeVisible();
    await app.screenshot('09-scan-findings');
  });

  await test.step('see the events', async () => {
    await app.go('Events');
    await expect(events.row('app.conf')).toBeVisible();
    await expect(events.row('run.sh')).toBeVisible();
    await expect(events.row('backdoor.conf')).toBeVisible();
    await expect(events.row('backdoor.conf')).toContainText('Added');
    await app.screenshot('10-events');
  });

  await test.step('event details: side by side, changed attributes highlighted', async () => {
    await events.openEvent(path.join(target, 'app.conf'));
    const changed = await events.changedAttributes().evaluateAll((rows) => rows.map((r) => r.getAttribute('data-attribute')));
    expect(changed).toEqual(expect.arrayContaining(['size', 'sha256']));
    await expect(events.changedAttributes().first()).toHaveClass(/changed/);
    const sizeRow = events.details().locator('tr[data-attribute="size"]');
    await expect(sizeRow.getByRole('cell').nth(0)).toHaveText(String(APP_CONF.length));
    await expect(sizeRow.getByRole('cell').nth(1)).toHaveText(String(APP_CONF.length + APPENDED.length));
    await app.screenshot('11-event-details');

    await events.openEvent(path.join(target, 'run.sh'));
    const modeRow = events.details().locator('tr[data-attribute="mode"]');
    await expect(modeRow).toHaveAttribute('data-changed', 'true');
    await expect(modeRow.getByRole('cell').nth(0)).toHaveText('0755');
    await expect(modeRow.getByRole('cell').nth(1)).toHaveText('0777');
    await app.screenshot('12-event-details-chmod');
  });

  await test.step('accept one, for this server, with a note', async () => {
    await events.accept('server', 'CHG-1042: run.sh opened up for the deploy job');
    await expect(events.details().getByText('Accepted for this server by')).toBeVisible();
    await expect(events.details().getByText('CHG-1042: run.sh opened up for the deploy job')).toBeVisible();
    // It leaves the open list at once (the engine pushes events/changed), and stays on record as accepted.
    await expect(events.row('run.sh')).toHaveCount(0);
    await expect(events.row('app.conf')).toBeVisible();
    await page.getByLabel('Status').selectOption('all');
    await expect(events.row('run.sh')).toContainText(/accepted/i);
    await app.screenshot('13-event-accepted');
  });

  await test.step('the dashboard sums it up', async () => {
    await app.go('Dashboard');
    await expect(page.getByText('Getting started')).toHaveCount(0);
    await expect(page.getByRole('link', { name: /Open critical events/ })).toContainText('2');
    await app.screenshot('14-dashboard');
  });

  expect(errors, 'no uncaught errors in the page').toEqual([]);
});

test('the console refuses a visit without the token, in words', async ({ browser }) => {
  const { origin } = readConsoleState();
  const context = await browser.newContext();
  const page = await context.newPage();
  const response = await page.goto(`${origin}/`);
  expect(response?.status()).toBe(401);
  await expect(page.getByText('Open the full URL that')).toBeVisible();
  await context.close();
});
