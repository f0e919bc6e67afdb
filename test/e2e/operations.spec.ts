// Automatic scans, alerts and reports in the console, against a real `driftwatch serve` on its own
// store: a policy from a template; a schedule on a group and its next run; an alert profile and
// SMTP settings pointing at a real SMTP server on loopback (STARTTLS, a password the engine seals),
// a test email that arrives, an alert email after a scan, a failed webhook delivery waiting in the
// outbox and delivered by "Deliver now"; the events CSV and the coverage CSV downloaded and read
// back; the PDF compliance report downloaded and read with pdftotext. Screenshots in
// test-results/screenshots/.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { AlertsPage, ConsolePage, EventsPage, GroupsPage, ReportsPage } from './pages/console.js';
import { apiClient, type ApiClient } from './support/api.js';
import { csvRecords } from './support/csv.js';
import { startMailServer, type MailServer } from './support/mail.js';
import { startServe, type ServeProcess } from './support/serve.js';

const GROUP = 'web';
const POLICY = 'Ops config';
const SMTP_USER = 'driftwatch';
const SMTP_PASSWORD = 'S3aled-only!pw-7f2c';
const PROFILE = 'ops';

let serve: ServeProcess;
let api: ApiClient;
let mail: MailServer;
let home: string;
let target: string;
let scratch: string;
let webhookPort: number;

/** A port nothing listens on (yet): the webhook fails there until the test starts a server on it. */
async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test.beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'driftwatch-e2e-ops-home-'));
  target = fs.mkdtempSync(path.join(os.tmpdir(), 'driftwatch-e2e-ops-target-'));
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'driftwatch-e2e-ops-out-'));
  fs.writeFileSync(path.join(target, 'app.conf'), 'listen 443\n');
  fs.writeFileSync(path.join(target, 'users.conf'), 'admin=alice\n');
  mail = await startMailServer({ user: SMTP_USER, password: SMTP_PASSWORD });
  webhookPort = await freePort();
  serve = await startServe(home);
  api = apiClient(serve.url);
  // The fleet, through the API as a script would: this machine in group web, a policy on the temp
  // tree (critical, alerting), a baseline and a clean scan.
  await api.call('servers/add', { name: 'this-machine', local: true });
  await api.call('policies/add', { name: POLICY, description: 'Configuration watched by the operations test' });
  await api.call('policies/addTarget', { policy: POLICY, target: { path: target, critical: true, alert: true, reference: 'PCI DSS 11.5.2' } });
  await api.call('groups/add', { name: GROUP, policies: [POLICY] });
  await api.call('servers/move', { names: ['this-machine'], group: GROUP });
  await api.call('baselines/create', { policy: POLICY, servers: ['this-machine'], comment: 'e2e gold master' });
  const clean = await api.call('scans/run', { all: true });
  expect(clean.servers.map((s) => s.status)).toEqual(['completed_clean']);
});

test.afterAll(async () => {
  await serve?.stop();
  await mail?.close();
  for (const dir of [home, target, scratch]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('schedules, alerts and reports from the console', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const app = new ConsolePage(page);
  const groups = new GroupsPage(page);
  const alerts = new AlertsPage(page);
  const reports = new ReportsPage(page);
  const events = new EventsPage(page);
  await app.open(serve.url);

  await test.step('a policy from a built-in template', async () => {
    await app.go('Policies');
    await page.getByRole('button', { name: 'From a template…' }).click();
    const dialog = app.dialog('Policy templates');
    await expect(dialog.getByRole('table', { name: 'Templates' }).getByRole('row')).toHaveCount(10);
    await dialog.getByLabel('Name of the new policy').fill('Debian core e2e');
    await app.screenshot('20-policy-templates');
    await dialog.getByRole('button', { name: 'Create a policy from Linux core Debian-Ubuntu' }).click();
    await expect(page.getByRole('heading', { name: 'Policy Debian core e2e' })).toBeVisible();
    const template = (await api.call('policies/templates', undefined)).find((t) => t.id === 'linux-debian')!;
    await expect(page.getByRole('heading', { name: `Targets (${template.targets})` })).toBeVisible();
    await expect(page.getByRole('table', { name: 'Targets' }).getByRole('cell', { name: '/etc/sudoers', exact: true })).toBeVisible();
    // The same name a second time is a conflict, said in words in the dialog.
    await page.getByRole('button', { name: 'From a template…' }).click();
    await dialog.getByLabel('Name of the new policy').fill('Debian core e2e');
    await dialog.getByRole('button', { name: 'Create a policy from Linux core Debian-Ubuntu' }).click();
    await expect(dialog.getByRole('alert')).toContainText("Conflict: a policy named 'Debian core e2e' exists already");
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  await test.step('a schedule on a group, with its next run', async () => {
    await app.go('Groups');
    await groups.select(GROUP);
    await expect(groups.scheduleForm(GROUP).getByLabel('Scan automatically')).toHaveValue('off');
    // A bad cron expression is refused in words, and nothing is saved.
    await groups.setSchedule(GROUP, { cron: '61 * * * *' });
    await expect(groups.scheduleForm(GROUP).getByRole('alert')).toContainText('Invalid input: bad cron expression "61 * * * *"');
    expect((await api.call('schedules/list', undefined)).find((s) => s.group === GROUP)?.cron).toBeNull();

    const before = Date.now();
    await groups.setSchedule(GROUP, { every: 'Every 4 hours' }, true);
    await expect(page.getByTestId('schedule-description')).toHaveText('every 4 hours, and on start');
    const saved = (await api.call('schedules/list', undefined)).find((s) => s.group === GROUP)!;
    expect(saved).toMatchObject({ every: '4h', cron: '0 */4 * * *', onStart: true, hasPolicy: true, lastRun: null });
    // The next run is the next multiple of 4 hours, local time: after now, at most 4 hours away, on the hour.
    const next = new Date(saved.nextRun!);
    expect(next.getTime()).toBeGreaterThan(before);
    expect(next.getTime() - before).toBeLessThanOrEqual(4 * 3600_000);
    expect([next.getMinutes(), next.getSeconds(), next.getHours() % 4]).toEqual([0, 0, 0]);
    await expect(page.getByTestId('schedule-next-run')).toContainText(next.toLocaleString('en-US', { hour: '2-digit', minute: '2-digit' }));
    await expect(page.getByTestId('schedule-last-run')).toHaveText('not yet');
    await expect(page.getByRole('listbox', { name: 'Groups' }).getByRole('option', { name: /^web/ })).toContainText('every 4 hours, and on start');
    await expect(page.getByText('No alert profile applies')).toBeVisible();
    await app.screenshot('21-groups-schedule');
  });

  await test.step('an alert profile', async () => {
    await app.go('Alerts');
    await expect(page.getByText('No alert profiles yet')).toBeVisible();
    await expect(page.getByText('Nothing is waiting: every notification has been delivered.')).toBeVisible();
    await app.screenshot('22-alerts-empty');
    await alerts.createProfile(
      {
        name: PROFILE,
        emails: ['ops@example.test', 'oncall@example.test'],
        events: 'Critical events only',
        webhook: `http://127.0.0.1:${webhookPort}/driftwatch`,
        jsonl: path.join(scratch, 'events.jsonl'),
      },
      '23-alert-profile-editor',
    );
    const row = alerts.profiles().getByRole('row').filter({ hasText: PROFILE });
    await expect(row).toContainText('Critical events only');
    await expect(row).toContainText('2 recipients');
    await expect(row).toContainText(path.join(scratch, 'events.jsonl'));
    // Keyboard: arrows move through the profiles, Enter opens one, Escape closes it.
    await alerts.profiles().getByRole('rowgroup').nth(1).focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect(app.dialog(`Edit alert profile ${PROFILE}`)).toBeVisible();
    await expect(app.dialog(`Edit alert profile ${PROFILE}`).getByLabel('Email recipients')).toHaveValue('ops@example.test\noncall@example.test');
    await page.keyboard.press('Escape');
    await expect(app.dialog(`Edit alert profile ${PROFILE}`)).toHaveCount(0);
  });

  await test.step('SMTP settings: the password goes to the engine once and is never shown back', async () => {
    const form = alerts.smtpForm();
    await form.getByLabel('SMTP host').fill('127.0.0.1');
    await form.getByLabel('Security').selectOption('starttls');
    await form.getByLabel('Port').fill(String(mail.port));
    await form.getByLabel('From address').fill('driftwatch@example.test');
    await form.getByLabel('User name').fill(SMTP_USER);
    await form.getByLabel('Password', { exact: true }).selectOption({ label: 'Store a password (sealed)' });
    await form.getByLabel('New password').fill(SMTP_PASSWORD);
    await form.getByLabel(/Accept any certificate/).check();
    await form.getByRole('button', { name: 'Save SMTP settings' }).click();
    await expect(page.getByText(`In use: 127.0.0.1:${mail.port} (STARTTLS) as ${SMTP_USER}, password stored sealed; mail from driftwatch@example.test.`)).toBeVisible();
    await expect(form.getByLabel('Password', { exact: true })).toHaveValue('keep');
    await expect(form.getByLabel('New password')).toHaveCount(0);
    expect(await page.content()).not.toContain(SMTP_PASSWORD);
    const settings = await api.call('smtp/get', undefined);
    expect(settings).toMatchObject({ host: '127.0.0.1', port: mail.port, security: 'starttls', user: SMTP_USER, passwordStored: true, tlsInsecure: true });
    expect(JSON.stringify(settings)).not.toContain(SMTP_PASSWORD);
    for (const file of fs.readdirSync(home).filter((f) => f.startsWith('driftwatch.db'))) {
      expect(fs.readFileSync(path.join(home, file)).includes(Buffer.from(SMTP_PASSWORD)), `${file} holds no plain password`).toBe(false);
    }

    // Saving again without touching the password keeps the sealed one (the test email still signs in).
    await form.getByLabel('From address').fill('alerts@example.test');
    await form.getByRole('button', { name: 'Save SMTP settings' }).click();
    await expect(page.getByText(/In use: .* password stored sealed; mail from alerts@example\.test\./)).toBeVisible();

    await page.getByLabel('Send a test email to').fill('tester@example.test');
    await page.getByRole('button', { name: 'Send test email' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Sent to tester@example.test. The server answered: 250' })).toBeVisible();
    expect(mail.refused).toEqual([]);
    const testMail = mail.received.find((m) => m.to.includes('tester@example.test'));
    expect(testMail, 'the test email arrived').toBeTruthy();
    expect(testMail).toMatchObject({ subject: '[Driftwatch] SMTP test', from: 'alerts@example.test', user: SMTP_USER, secure: true });
    expect(testMail!.raw).toContain('If you can read it, alert emails can reach tester@example.test.');
    await app.screenshot('24-alerts');
  });

  await test.step('the group gets the profile; a scan with changes is alerted', async () => {
    await app.go('Groups');
    await groups.select(GROUP);
    await groups.assignAlertProfile(PROFILE);
    await app.screenshot('28-groups-alert-profile');
    fs.appendFileSync(path.join(target, 'app.conf'), 'proxy_pass http://203.0.113.9;\n');
    fs.writeFileSync(path.join(target, 'backdoor.conf'), 'allow all\n');
    const run = await api.call('scans/run', { groups: [GROUP] });
    expect(run.servers.map((s) => s.status)).toEqual(['completed_with_findings']);
    const n = run.events.length;
    expect(run.events.map((e) => e.path)).toEqual(expect.arrayContaining([path.join(target, 'app.conf'), path.join(target, 'backdoor.conf')]));
    // The scan hands its alerts to the outbox and returns; delivery follows in the background.
    await expect.poll(() => mail.received.some((m) => m.to.includes('ops@example.test')), { message: 'the alert email arrived' }).toBe(true);
    await expect.poll(() => fs.existsSync(path.join(scratch, 'events.jsonl'))).toBe(true);
    const alertMail = mail.received.find((m) => m.to.includes('ops@example.test'));
    expect(alertMail!.to).toEqual(['ops@example.test', 'oncall@example.test']);
    expect(alertMail!.subject).toMatch(new RegExp(`^\\[Driftwatch\\] this-machine: ${n} new events \\(${n} critical\\) in scan #\\d+$`));
    expect(alertMail!.raw).toContain('backdoor.conf');
    const lines = fs.readFileSync(path.join(scratch, 'events.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(n);
    expect(lines.map((l) => (JSON.parse(l) as { source: string }).source)).toEqual(Array(n).fill('driftwatch'));
  });

  await test.step('a failed webhook waits in the outbox; "Deliver now" sends it', async () => {
    await app.go('Alerts');
    const row = alerts.outbox().getByRole('row').filter({ hasText: `127.0.0.1:${webhookPort}` });
    await expect(row).toContainText('Webhook');
    const n = (await api.call('events/list', { status: 'open' })).total;
    await expect(row).toContainText(`Events · this-machine · ${n} events`);
    await expect(row.getByRole('cell').nth(4)).toHaveText('1');
    await expect(row.locator('.error-text')).not.toBeEmpty();
    await expect(page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: /^Alerts/ })).toContainText('1');
    await alerts.outbox().scrollIntoViewIfNeeded();
    await app.screenshot('25-alerts-outbox');

    const posts: string[] = [];
    const hook = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        posts.push(body);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(webhookPort, '127.0.0.1', () => resolve()));
    try {
      await page.getByRole('button', { name: 'Deliver now' }).click();
      await expect(page.getByText('Nothing is waiting: every notification has been delivered.')).toBeVisible();
      await expect(app.notice('Delivered 1 notification; 0 failed.')).toBeVisible();
      expect(posts).toHaveLength(1);
      expect(JSON.parse(posts[0]!)).toMatchObject({ driftwatch: 1, kind: 'events', profile: PROFILE, server: 'this-machine', group: GROUP });
    } finally {
      await new Promise<void>((resolve) => hook.close(() => resolve()));
    }
  });

  await test.step('events: newest first in the console', async () => {
    const open = await api.call('events/list', { status: 'open' });
    const ids = open.events.map((e) => e.id);
    await app.go('Events');
    await expect(events.list().locator('[data-event-id]').first()).toHaveAttribute('data-event-id', String(Math.max(...ids)));
    await page.getByLabel('Order').selectOption('asc');
    await expect(events.list().locator('[data-event-id]').first()).toHaveAttribute('data-event-id', String(Math.min(...ids)));
  });

  await test.step('the events CSV, downloaded and read back', async () => {
    await app.go('Reports');
    await app.screenshot('26-reports');
    const form = reports.form('Events CSV');
    await form.getByLabel('Group').selectOption(GROUP);
    await form.getByLabel('Severity').selectOption('critical');
    const [download] = await Promise.all([page.waitForEvent('download'), form.getByRole('button', { name: 'Download events CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^driftwatch-events-[\d-T]+\.csv$/);
    const file = path.join(scratch, download.suggestedFilename());
    await download.saveAs(file);
    const text = fs.readFileSync(file, 'utf8');
    const rows = csvRecords(text);
    const expected = await api.call('events/list', { status: 'all', group: [GROUP], critical: true });
    expect(rows).toHaveLength(expected.total);
    expect(rows.map((r) => Number(r.id)).sort((a, b) => a - b)).toEqual(expected.events.map((e) => e.id).sort((a, b) => a - b));
    expect(Object.keys(rows[0]!).slice(0, 9)).toEqual(['id', 'server', 'group', 'policy', 'path', 'change', 'critical', 'alert', 'status']);
    const added = rows.find((r) => r.path === path.join(target, 'backdoor.conf'))!;
    expect(added).toMatchObject({ server: 'this-machine', group: GROUP, policy: POLICY, change: 'added', critical: 'yes', status: 'open' });
    const modified = rows.find((r) => r.path === path.join(target, 'app.conf'))!;
    expect(modified.change).toBe('modified');
    expect(modified.changed_attributes).toContain(`size: ${'listen 443\n'.length} -> ${fs.statSync(path.join(target, 'app.conf')).size}`);
    await expect(page.getByText(`Saved ${download.suggestedFilename()}: ${expected.total} events.`)).toBeVisible();
  });

  await test.step('the coverage CSV', async () => {
    const form = reports.form('Coverage CSV');
    await form.getByLabel('Group').selectOption(GROUP);
    const [download] = await Promise.all([page.waitForEvent('download'), form.getByRole('button', { name: 'Download coverage CSV' }).click()]);
    const file = path.join(scratch, download.suggestedFilename());
    await download.saveAs(file);
    const rows = csvRecords(fs.readFileSync(file, 'utf8'));
    const [baseline] = await api.call('baselines/list', { policy: POLICY });
    expect(rows).toEqual([expect.objectContaining({ policy: POLICY, groups: GROUP, baseline_id: String(baseline!.id), server: 'this-machine', target, state: 'found', entries: String(baseline!.entries) })]);
  });

  await test.step('the PDF compliance report, read with pdftotext', async () => {
    const form = reports.form('Compliance report');
    await form.getByLabel('Group').selectOption(GROUP);
    const [download] = await Promise.all([page.waitForEvent('download'), form.getByRole('button', { name: 'Download PDF report' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^driftwatch-compliance-web-[\d-T]+\.pdf$/);
    const file = path.join(scratch, download.suggestedFilename());
    await download.saveAs(file);
    expect(fs.readFileSync(file).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('Driftwatch compliance report');
    expect(text).toContain('PCI DSS 11.5.2 - change-detection comparisons');
    expect(text).toContain('this-machine');
    expect(text).toContain('backdoor.conf');
    expect(text).toMatch(/Page 1 of \d+/);
    const pages = Number(/Page 1 of (\d+)/.exec(text)![1]);
    await expect(page.getByText(new RegExp(`^Saved ${download.suggestedFilename().replace(/[.]/g, '\\.')}: ${pages} pages?, [\\d.]+ KB\\.$`))).toBeVisible();
    await app.screenshot('27-reports-done');
  });

  expect(errors, 'no uncaught errors in the page').toEqual([]);
});
