// Verdicts in the console, against a real `driftwatch serve` and a real sshd host (test/fleet):
// trust is explicit (the presented key is shown, a changed one is replaced only by an explicit
// button, and every change is in the server's trust history); a host-key event shows both keys
// and the two real actions instead of accept; removing a policy, a target or a server says how
// many baselines and open events go with it, and the events stay, retired, with the reason.
// Screenshots in test-results/screenshots/verdicts-*.png.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startFleet, type Fleet, type Host } from '../fleet/fleet.js';
import { EventsPage, PoliciesPage, ServersPage } from './pages/console.js';
import { apiClient, type ApiClient } from './support/api.js';
import { startServe, type ServeProcess } from './support/serve.js';

let fleet: Fleet;
let host: Host;
let serve: ServeProcess;
let api: ApiClient;
let home: string;
let fileEvent: number;

test.beforeAll(async () => {
  fleet = await startFleet({ hosts: 1 });
  host = fleet.hosts[0]!;
  await host.sh(`mkdir -p /srv/app/etc && printf 'listen=8080\\n' > /srv/app/etc/app.conf && printf 'v1\\n' > /srv/app/lib.so`);
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'driftwatch-e2e-verdicts-'));
  serve = await startServe(home);
  api = apiClient(serve.url);
  // The fleet, through the API as a script would: app1 pinned, in group web with policy core, a
  // baseline, then a changed file (an open event).
  const auth = { kind: 'key' as const, keyFile: fleet.clientKey.privateKey };
  await api.call('servers/add', { name: 'app1', host: host.address, user: 'root', auth });
  await api.call('servers/trust', { name: 'app1', fingerprint: host.hostKeyFingerprint });
  await api.call('policies/add', { name: 'core' });
  await api.call('policies/addTarget', { policy: 'core', target: { path: '/srv/app', depth: null } });
  await api.call('policies/addTarget', { policy: 'core', target: { path: '/srv/app/etc', depth: null, critical: true } });
  await api.call('groups/add', { name: 'web', policies: ['core'] });
  await api.call('servers/move', { names: ['app1'], group: 'web' });
  await api.call('baselines/create', { policy: 'core', servers: ['app1'] });
  await host.sh(`printf 'v2\\n' > /srv/app/lib.so`);
  const run = await api.call('scans/run', { servers: ['app1'] });
  expect(run.events.map((e) => e.path)).toEqual(['/srv/app/lib.so']);
  fileEvent = run.events[0]!.id;
  // A second login to the same host, not trusted yet.
  const second = await api.call('servers/add', { name: 'app1-ops', host: host.address, user: 'root', auth });
  expect(second.warnings).toEqual([`${host.address}:22 is also the address of app1`]);
});

test.afterAll(async () => {
  await serve?.stop();
  await fleet?.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

test('trust is explicit: the presented key is shown and pinned on request; a changed key is replaced only by its own button; the history records both', async ({ page }) => {
  const servers = new ServersPage(page);
  await servers.open(serve.url);
  await servers.go('Servers');
  let dialog = await servers.openHostKey('app1-ops');
  await expect(dialog.locator('code.fingerprint')).toHaveText(host.hostKeyFingerprint);
  await expect(dialog.getByText('No trust changes yet.')).toBeVisible();
  await servers.screenshot('verdicts-trust-presented');
  await dialog.getByRole('button', { name: 'I compared it: trust this key' }).click();
  await expect(servers.notice(`Pinned the host key of app1-ops: ${host.hostKeyFingerprint}`)).toBeVisible();
  const oldKey = host.hostKeyFingerprint;
  let history = (await api.call('servers/get', { name: 'app1-ops' })).trustHistory!;
  expect(history.map((t) => [t.old, t.new, t.how])).toEqual([[null, oldKey, 'compared in the console']]);

  // The host's key changes: the dialog shows both, and offers no plain "trust" any more.
  const newKey = await host.regenerateHostKey();
  dialog = await servers.openHostKey('app1-ops');
  await expect(dialog.locator('code.fingerprint')).toHaveText(newKey);
  await expect(dialog.getByTestId('key-changed')).toContainText(`This is not the pinned key ${oldKey}`);
  await expect(dialog.getByRole('button', { name: 'I compared it: trust this key' })).toHaveCount(0);
  await expect(dialog.getByRole('table', { name: 'Trust history' }).getByRole('row')).toHaveCount(2);
  await servers.screenshot('verdicts-trust-changed-key');
  await dialog.getByRole('button', { name: 'I compared it: replace the pinned key' }).click();
  await expect(servers.notice(`Replaced the host key of app1-ops: old ${oldKey}, new ${newKey}`)).toBeVisible();
  history = (await api.call('servers/get', { name: 'app1-ops' })).trustHistory!;
  expect(history.map((t) => [t.old, t.new, t.how])).toEqual([
    [null, oldKey, 'compared in the console'],
    [oldKey, newKey, 'compared and replaced in the console'],
  ]);
  dialog = await servers.openHostKey('app1-ops');
  await expect(dialog.getByRole('table', { name: 'Trust history' }).getByRole('row')).toHaveCount(3);
  await expect(dialog.getByRole('table', { name: 'Trust history' })).toContainText('compared and replaced in the console');
  await servers.screenshot('verdicts-trust-history');
});

test('a host-key event shows both keys and the two real actions; investigate keeps it open, "the new key is legitimate" settles it', async ({ page }) => {
  // app1 still has the old key pinned: its scan meets the new one.
  const oldKey = (await api.call('servers/get', { name: 'app1' })).hostKey!;
  const run = await api.call('scans/run', { servers: ['app1'] });
  const event = run.events.find((e) => e.change === 'host_key_mismatch')!;
  expect(event.acceptScopes).toEqual([]);
  const events = new EventsPage(page);
  await events.open(serve.url);
  await events.go('Events');
  const details = await events.openEventById(event.id);
  const actions = details.getByRole('region', { name: 'Settle the host key' });
  await expect(actions.getByTestId('pinned-key')).toHaveText(oldKey);
  await expect(actions.getByTestId('presented-key')).toHaveText(host.hostKeyFingerprint);
  await expect(details.getByRole('form', { name: 'Accept this change' })).toHaveCount(0);
  await expect(details).not.toContainText('could not fully read');
  await events.screenshot('verdicts-hostkey-event');

  await actions.getByRole('button', { name: 'Investigate' }).click();
  await expect(actions.getByRole('status')).toContainText('The event stays open and nothing is pinned');
  expect((await api.call('events/get', { id: event.id })).status).toBe('open');

  await actions.getByRole('button', { name: 'The new key is legitimate' }).click();
  await expect(events.notice(`Pinned the new host key of app1; event #${event.id} is resolved.`)).toBeVisible();
  const settled = await api.call('events/get', { id: event.id });
  expect(settled).toMatchObject({ status: 'resolved', acceptScopes: [] });
  expect(settled.resolution).toContain(`the new host key ${host.hostKeyFingerprint} was trusted by`);
  const app1 = await api.call('servers/get', { name: 'app1' });
  expect(app1.hostKey).toBe(host.hostKeyFingerprint);
  expect(app1.trustHistory!.at(-1)).toMatchObject({ old: oldKey, new: host.hostKeyFingerprint, how: `event ${event.id}: the new key is legitimate` });
  await expect(details.getByRole('region', { name: 'Settle the host key' })).toHaveCount(0);
  await events.screenshot('verdicts-hostkey-settled');

  // A file event still offers accept, in both scopes.
  const file = await events.openEventById(fileEvent);
  const form = file.getByRole('form', { name: 'Accept this change' });
  await expect(form.getByLabel(/For this server/)).toBeVisible();
  await expect(form.getByLabel(/Into the baseline/)).toBeVisible();
});

test('removing a target, a policy or a server says what goes with it; the events stay, retired, with the reason', async ({ page }) => {
  const policies = new PoliciesPage(page);
  await policies.open(serve.url);
  await policies.go('Policies');
  await policies.select('core');

  // A target that decided no open event.
  await page.getByRole('button', { name: 'Remove target /srv/app/etc' }).click();
  await expect(policies.removalImpact('Remove target')).toHaveText(
    "Removing target /srv/app/etc of policy 'core' takes 0 baselines and 0 open events with it (the events are closed as retired and stay in the history and reports).",
  );
  await policies.dialog('Remove target').getByRole('button', { name: 'Keep it' }).click();
  expect((await api.call('policies/get', { name: 'core' })).targets).toHaveLength(2);

  // The policy: its baseline and its open event go with it.
  await page.getByRole('button', { name: 'Remove', exact: true }).click();
  await expect(policies.removalImpact('Remove policy')).toHaveText(
    "Removing policy 'core' takes 1 baseline and 1 open event with it (the events are closed as retired and stay in the history and reports).",
  );
  await policies.screenshot('verdicts-remove-policy');
  await policies.dialog('Remove policy').getByRole('button', { name: 'Keep it' }).click();
  expect((await api.call('events/get', { id: fileEvent })).status).toBe('open'); // the preview removed nothing
  await page.getByRole('button', { name: 'Remove', exact: true }).click();
  await expect(policies.removalImpact('Remove policy')).toContainText("takes 1 baseline and 1 open event");
  await policies.dialog('Remove policy').getByRole('button', { name: 'Remove policy' }).click();
  await expect(policies.notice("Removed policy 'core': 1 baseline removed, 1 open event retired (kept in the history).")).toBeVisible();
  expect(await api.call('events/get', { id: fileEvent })).toMatchObject({ status: 'retired', acceptScopes: [], retired: { reason: "policy 'core' was removed" } });
  const summary = await api.call('dashboard/summary', undefined);
  expect(summary.openEvents).toEqual({ critical: 0, nonCritical: 0 });

  // Still there, under Retired, saying why.
  const events = new EventsPage(page);
  await events.go('Events');
  await page.getByLabel('Status').selectOption('retired');
  const details = await events.openEventById(fileEvent);
  await expect(details.getByTestId('retired-note')).toContainText("policy 'core' was removed");
  await expect(details.getByRole('form', { name: 'Accept this change' })).toHaveCount(0);
  await events.screenshot('verdicts-retired-event');

  // A server: its events stay, under its name.
  const servers = new ServersPage(page);
  await servers.go('Servers');
  await servers.row('app1-ops').getByRole('button', { name: 'Remove' }).click();
  await expect(servers.removalImpact('Remove server')).toHaveText(
    "Removing server 'app1-ops' takes 0 baselines and 0 open events with it (the events are closed as retired and stay in the history and reports).",
  );
  await servers.screenshot('verdicts-remove-server');
  await servers.dialog('Remove server').getByRole('button', { name: 'Remove app1-ops' }).click();
  await expect(servers.notice("Removed server 'app1-ops': 0 baselines removed, 0 open events retired (kept in the history).")).toBeVisible();
  await servers.row('app1').getByRole('button', { name: 'Remove' }).click();
  await expect(servers.removalImpact('Remove server')).toContainText("Removing server 'app1' takes 0 baselines and 0 open events");
  await servers.dialog('Remove server').getByRole('button', { name: 'Remove app1' }).click();
  await expect(servers.notice(/Removed server 'app1'/)).toBeVisible();
  const kept = await api.call('events/list', { status: 'all', server: ['app1'] });
  expect(kept.events.map((e) => [e.id, e.server, e.status]).sort()).toEqual(
    [
      [fileEvent, 'app1', 'retired'],
      [kept.events.find((e) => e.change === 'host_key_mismatch')!.id, 'app1', 'resolved'],
    ].sort(),
  );
});
