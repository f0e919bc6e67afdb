// Page objects: one per screen, written in the words a person sees (roles, labels, headings).
import path from 'node:path';
import { expect, type Locator, type Page } from '@playwright/test';
import { SCREENSHOT_DIR } from '../support/env.js';

export class ConsolePage {
  constructor(readonly page: Page) {}

  /** Opens the printed URL (token → session cookie) and waits for the dashboard. */
  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await expect(this.page.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();
  }

  async go(screen: 'Dashboard' | 'Servers' | 'Groups' | 'Policies' | 'Baselines' | 'Scans' | 'Events' | 'Alerts' | 'Reports'): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: new RegExp(`^${screen}`) }).click();
    await expect(this.page.getByRole('heading', { name: screen, level: 1 })).toBeVisible();
  }

  async screenshot(name: string): Promise<void> {
    // Notices are transient; they would hide the screen they sit on.
    const hide = (hidden: boolean) =>
      this.page.evaluate((h) => document.querySelectorAll<HTMLElement>('.notices').forEach((n) => (n.style.visibility = h ? 'hidden' : '')), hidden);
    await hide(true);
    await this.page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`) });
    await hide(false);
  }

  notice(text: string | RegExp): Locator {
    return this.page.locator('.notice').filter({ hasText: text });
  }

  dialog(name: string): Locator {
    return this.page.getByRole('dialog', { name });
  }

  /** A removal's confirmation: what goes with it, as the engine previews it. */
  removalImpact(title: string): Locator {
    return this.dialog(title).getByTestId('removal-impact');
  }
}

export class ServersPage extends ConsolePage {
  row(name: string): Locator {
    return this.page.getByRole('table', { name: 'Servers' }).getByRole('row').filter({ hasText: name });
  }

  async monitorThisMachine(): Promise<void> {
    await this.page.getByRole('button', { name: 'Monitor this machine' }).first().click();
    await expect(this.row('this-machine')).toBeVisible();
  }

  /** Opens the host-key dialog of a server (to verify an unpinned key, or check a pinned one again). */
  async openHostKey(server: string): Promise<Locator> {
    const row = this.row(server);
    await row.getByRole('button', { name: 'Verify host key' }).or(row.getByRole('button', { name: /^SHA256:/ })).click();
    const dialog = this.dialog(`Host key of ${server}`);
    await expect(dialog).toBeVisible();
    return dialog;
  }

  async moveToGroup(server: string, group: string): Promise<void> {
    await this.row(server).getByRole('checkbox').check();
    await this.page.getByLabel('Group to move the selected servers to').selectOption(group);
    await this.page.getByRole('button', { name: 'Move', exact: true }).click();
    await expect(this.row(server).getByRole('cell', { name: group, exact: true })).toBeVisible();
  }
}

export class GroupsPage extends ConsolePage {
  async create(name: string): Promise<void> {
    await this.page.getByRole('button', { name: /New group|Create a group/ }).first().click();
    const dialog = this.dialog('New group');
    await dialog.getByLabel('Group name').fill(name);
    await dialog.getByRole('button', { name: 'Create group' }).click();
    await expect(this.page.getByRole('heading', { name: `Group ${name}` })).toBeVisible();
  }

  async assign(group: string, policy: string): Promise<void> {
    await this.page.getByRole('listbox', { name: 'Groups' }).getByRole('option', { name: new RegExp(`^${group}`) }).click();
    await this.page.getByLabel('Policy to assign').selectOption(policy);
    await this.page.getByRole('button', { name: 'Assign policy' }).click();
    await expect(this.page.getByRole('list', { name: 'Assigned policies' }).getByText(policy)).toBeVisible();
  }

  async select(group: string): Promise<void> {
    await this.page.getByRole('listbox', { name: 'Groups' }).getByRole('option', { name: new RegExp(`^${group}`) }).click();
    await expect(this.page.getByRole('heading', { name: `Group ${group}` })).toBeVisible();
  }

  scheduleForm(group: string): Locator {
    return this.page.getByRole('form', { name: `Automatic scans of ${group}` });
  }

  /** every: the option's label, e.g. "Every 4 hours"; cron: a cron expression (chooses "Cron expression…"). */
  async setSchedule(group: string, choice: { every: string } | { cron: string }, onStart = false): Promise<void> {
    const form = this.scheduleForm(group);
    if ('every' in choice) await form.getByLabel('Scan automatically').selectOption({ label: choice.every });
    else {
      await form.getByLabel('Scan automatically').selectOption({ label: 'Cron expression…' });
      await form.getByLabel('Cron expression').fill(choice.cron);
    }
    const box = form.getByLabel(/scan on start/);
    if ((await box.isChecked()) !== onStart) await box.setChecked(onStart);
    await form.getByRole('button', { name: 'Save schedule' }).click();
  }

  async assignAlertProfile(profile: string): Promise<void> {
    await this.page.getByLabel('Alert profile to assign').selectOption(profile);
    await this.page.getByRole('button', { name: 'Assign profile' }).click();
    await expect(this.page.getByRole('list', { name: 'Assigned alert profiles' }).getByText(profile)).toBeVisible();
  }
}

export interface ProfileInput {
  name: string;
  emails?: string[];
  events?: 'Critical events only' | 'Non-critical events only' | 'All events';
  webhook?: string;
  jsonl?: string;
  syslog?: string;
  isDefault?: boolean;
}

export class AlertsPage extends ConsolePage {
  profiles(): Locator {
    return this.page.getByRole('table', { name: 'Alert profiles' });
  }

  async createProfile(p: ProfileInput, screenshot?: string): Promise<void> {
    await this.page.getByRole('button', { name: /New alert profile|Create an alert profile/ }).first().click();
    const dialog = this.dialog('New alert profile');
    await dialog.getByLabel('Name').fill(p.name);
    if (p.emails) await dialog.getByLabel('Email recipients').fill(p.emails.join('\n'));
    if (p.events) await dialog.getByRole('radio', { name: p.events, exact: true }).check();
    if (p.webhook) await dialog.getByLabel('Webhook URL').fill(p.webhook);
    if (p.jsonl) await dialog.getByLabel('JSON-lines file').fill(p.jsonl);
    if (p.syslog) await dialog.getByLabel('Syslog server').fill(p.syslog);
    if (p.isDefault) await dialog.getByLabel(/Default profile/).check();
    if (screenshot) await this.screenshot(screenshot);
    await dialog.getByRole('button', { name: 'Create profile' }).click();
    await expect(this.profiles().getByRole('row').filter({ hasText: p.name })).toBeVisible();
  }

  smtpForm(): Locator {
    return this.page.getByRole('form', { name: 'SMTP settings' });
  }

  outbox(): Locator {
    return this.page.getByRole('table', { name: 'Outbox' });
  }
}

export class ReportsPage extends ConsolePage {
  form(name: 'Compliance report' | 'Events CSV' | 'Coverage CSV' | 'Scans CSV'): Locator {
    return this.page.getByRole('form', { name });
  }
}

export interface TargetInput {
  path: string;
  critical?: boolean;
  compare?: 'master' | 'self';
  exclude?: string[];
}

export class PoliciesPage extends ConsolePage {
  async select(policy: string): Promise<void> {
    await this.page.getByRole('listbox', { name: 'Policies' }).getByRole('option', { name: new RegExp(`^${policy}`) }).click();
    await expect(this.page.getByRole('heading', { name: `Policy ${policy}` })).toBeVisible();
  }

  async create(name: string, description: string): Promise<void> {
    await this.page.getByRole('button', { name: /New policy|Create a policy/ }).first().click();
    const dialog = this.dialog('New policy');
    await dialog.getByLabel('Name').fill(name);
    await dialog.getByLabel('Description').fill(description);
    await dialog.getByRole('button', { name: 'Create policy' }).click();
    await expect(this.page.getByRole('heading', { name: `Policy ${name}` })).toBeVisible();
  }

  async addTarget(policy: string, target: TargetInput, screenshot?: string): Promise<void> {
    await this.page.getByRole('button', { name: 'Add target' }).click();
    const dialog = this.dialog(`Add a target to ${policy}`);
    await dialog.getByLabel('Path', { exact: true }).fill(target.path);
    if (target.exclude) await dialog.getByLabel('Exclude patterns').fill(target.exclude.join('\n'));
    if (target.critical) await dialog.getByLabel(/Critical: changes here/).check();
    if (target.compare === 'self') await dialog.getByLabel(/Itself/).check();
    if (screenshot) await this.screenshot(screenshot);
    await dialog.getByRole('button', { name: 'Add target' }).click();
    await expect(this.page.getByRole('table', { name: 'Targets' }).getByRole('cell', { name: target.path, exact: true })).toBeVisible();
  }
}

export class BaselinesPage extends ConsolePage {
  row(id: number): Locator {
    return this.page.getByRole('table', { name: 'Baselines' }).locator(`tr[data-baseline-id="${id}"]`);
  }

  /** `add`: keep the servers' current baselines beside the new one (else it supersedes them). */
  async request(policy: string, servers: string[], comment: string, options: { add?: boolean } = {}): Promise<Locator> {
    await this.page.getByLabel('Policy', { exact: true }).selectOption(policy);
    for (const s of servers) await this.page.getByRole('group', { name: 'Gold-master servers' }).getByLabel(s).check();
    await this.page.getByRole('button', { name: '30 days' }).click();
    await this.page.getByLabel('Comment').fill(comment);
    if (options.add) await this.page.getByLabel(/Keep these servers' current baselines/).check();
    await this.page.getByRole('button', { name: /^Request baseline from/ }).click();
    const report = this.page.locator('.report');
    await expect(report.getByRole('heading', { name: /baseline #\d+ of/ })).toBeVisible();
    return report;
  }

  /** A server's row of the live baseline progress (from the engine's baseline/progress pushes). */
  progressRow(server: string): Locator {
    return this.page.getByRole('table', { name: 'Baseline progress' }).locator(`tr[data-server="${server}"]`);
  }
}

export class ScansPage extends ConsolePage {
  async launchAll(): Promise<void> {
    await this.page.getByRole('radio', { name: /All servers/ }).check();
    await this.page.getByRole('button', { name: 'Launch scan' }).click();
  }

  progressRow(server: string): Locator {
    return this.page.getByRole('table', { name: 'Scan progress' }).locator(`tr[data-server="${server}"]`);
  }

  async waitFor(server: string, status: 'completed_clean' | 'completed_with_findings' | 'not_compared' | 'failed'): Promise<void> {
    await expect(this.progressRow(server)).toHaveAttribute('data-status', status, { timeout: 120_000 });
    await expect(this.page.getByRole('button', { name: 'Launch scan' })).toBeEnabled();
  }

  /** The history's row of a scan record (newest first). */
  historyRow(scanId: number): Locator {
    return this.page.getByRole('table', { name: 'Scan history' }).locator(`tr[data-scan-id="${scanId}"]`);
  }

  /** A history row's policy outcomes: policy → 'compared' | 'not_compared'. */
  async policyOutcomes(scanId: number): Promise<Record<string, string>> {
    const items = this.historyRow(scanId).getByRole('list', { name: 'Policy outcomes' }).getByRole('listitem');
    const out: Record<string, string> = {};
    for (const item of await items.all()) out[(await item.innerText()).split(':')[0]!.trim()] = (await item.getAttribute('data-outcome'))!;
    return out;
  }
}

export class DashboardPage extends ConsolePage {
  tile(label: string): Locator {
    return this.page.locator('.tile').filter({ has: this.page.locator('.tile-label', { hasText: new RegExp(`^${label}$`) }) });
  }

  async tileValue(label: string): Promise<string> {
    return this.tile(label).locator('.tile-value').innerText();
  }

  attention(): Locator {
    return this.page.locator('.attention').getByRole('listitem');
  }
}

export class EventsPage extends ConsolePage {
  list(): Locator {
    return this.page.getByRole('listbox', { name: /^Events/ });
  }

  row(pathText: string): Locator {
    return this.list().locator('[data-event-id]').filter({ hasText: pathText });
  }

  details(): Locator {
    return this.page.getByTestId('event-details');
  }

  async openEvent(pathText: string): Promise<Locator> {
    await this.row(pathText).first().click();
    await expect(this.details().getByRole('heading', { name: pathText })).toBeVisible();
    return this.details();
  }

  /** A row by event id (a host-key event has no path to find it by). */
  async openEventById(id: number): Promise<Locator> {
    await this.list().locator(`[data-event-id="${id}"]`).click();
    await expect(this.details()).toHaveAttribute('aria-label', `Event ${id} details`);
    return this.details();
  }

  changedAttributes(): Locator {
    return this.details().getByRole('table', { name: 'Baseline and current metadata' }).locator('tr[data-changed="true"]');
  }

  async accept(scope: 'server' | 'baseline', note: string): Promise<void> {
    const form = this.details().getByRole('form', { name: 'Accept this change' });
    await form.getByLabel(scope === 'server' ? /For this server/ : /Into the baseline/).check();
    await form.getByLabel('Note').fill(note);
    await form.getByRole('button', { name: 'Accept change' }).click();
  }

  /** Types in the path search (a substring, or a glob) and applies it. */
  async searchPath(text: string): Promise<void> {
    const box = this.page.getByRole('searchbox', { name: 'Path' });
    await box.fill(text);
    await box.press('Enter');
  }

  /** How many events the list says match its filters. */
  async expectCount(n: number): Promise<void> {
    await expect(this.page.getByText(new RegExp(`^${n.toLocaleString('en-US')} events? match these filters$`))).toBeVisible();
    await expect(this.list().locator('[data-event-id]')).toHaveCount(n);
  }

  /** The row of a path on a server (two servers' files of the same name are two rows). */
  serverRow(pathText: string, server: string): Locator {
    return this.row(pathText).filter({ hasText: server });
  }

  /** Ticks a row's box; with shift, the range from the last ticked row. */
  async tick(row: Locator, shift = false): Promise<void> {
    await row.getByRole('checkbox').click(shift ? { modifiers: ['Shift'] } : {});
  }

  toolbar(): Locator {
    return this.page.getByRole('toolbar', { name: 'Selected events and export' });
  }

  async bulkAccept(count: number, scope: 'server' | 'baseline', note: string, screenshot?: string): Promise<void> {
    await this.toolbar().getByRole('button', { name: `Accept ${count} events…` }).click();
    const dialog = this.dialog(`Accept ${count} events`);
    await dialog.getByLabel(scope === 'server' ? /For each server/ : /Into the baseline/).check();
    await dialog.getByLabel('Note').fill(note);
    if (screenshot) await this.screenshot(screenshot);
    await dialog.getByRole('button', { name: new RegExp(`^Accept ${count} events`) }).click();
    await expect(dialog).toBeHidden();
  }

  /** Clicks Export CSV or Export PDF and saves the download in `dir`; returns the file. */
  async export(kind: 'CSV' | 'PDF', dir: string): Promise<string> {
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.toolbar().getByRole('button', { name: `Export ${kind}` }).click()]);
    const file = path.join(dir, download.suggestedFilename());
    await download.saveAs(file);
    return file;
  }
}
