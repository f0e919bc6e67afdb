// @vitest-environment happy-dom
// Schedules on the Groups screen, the Alerts screen (profiles, SMTP with a password sent once, the
// test email, the outbox) and the Reports screen (CSV and PDF downloads), against a fake bridge;
// the pure form helpers behind them; and the console store's new resources and pushes.
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type AlertProfile, type OutboxItem, type ScheduleInfo, type SmtpInput, type SmtpSettings } from '../../../src/shared/api.js';
import { App } from '../../../src/renderer/App.js';
import { createConsoleStore } from '../../../src/renderer/state/console-store.js';
import { createEventsStore } from '../../../src/renderer/state/events-store.js';
import { Groups } from '../../../src/renderer/screens/groups/Groups.js';
import { formFromSchedule, requestFor, sameForm, scheduleSummary } from '../../../src/renderer/screens/groups/schedule-form.js';
import { Alerts } from '../../../src/renderer/screens/alerts/Alerts.js';
import { channelsOf, describeSmtp, profileInputOf, smtpFormOf, smtpInputOf } from '../../../src/renderer/screens/alerts/profile-form.js';
import { Reports } from '../../../src/renderer/screens/reports/Reports.js';
import { dateInput, dayEnd, dayStart, defaultPdfForm, eventsFilterOf, EMPTY_EVENTS_FORM, pdfArgsOf } from '../../../src/renderer/screens/reports/report-form.js';
import { base64ToBytes, safeFileName } from '../../../src/renderer/components/download.js';
import { emptyFleet, fakeBridge } from './fake-bridge.js';
import { server } from './fixtures.js';
import { renderWithConsole } from './render.js';

const flush = () => act(async () => {
  await new Promise((resolve) => setTimeout(resolve, 0));
});

afterEach(() => {
  cleanup();
  window.location.hash = '';
  vi.restoreAllMocks();
});

function schedule(group: string, patch: Partial<ScheduleInfo> = {}): ScheduleInfo {
  return { group, every: null, cron: null, description: 'off', onStart: false, hasPolicy: true, nextRun: null, lastRun: null, lastFinished: null, lastStatus: null, lastMessage: null, ...patch };
}

function profile(name: string, patch: Partial<AlertProfile> = {}): AlertProfile {
  return { name, emails: [], events: 'both', webhook: null, jsonl: null, syslog: null, isDefault: false, groups: [], ...patch };
}

const SMTP: SmtpSettings = { host: 'smtp.example.com', port: 587, security: 'starttls', user: 'dw', passwordEnv: null, passwordStored: true, from: 'dw@example.com', caFile: null, tlsInsecure: false };

describe('schedule form', () => {
  it('maps a schedule to the form and back', () => {
    expect(formFromSchedule(undefined)).toEqual({ choice: 'off', cron: '', onStart: false });
    expect(formFromSchedule(schedule('web', { every: '4h', cron: '0 */4 * * *', onStart: true }))).toEqual({ choice: '4h', cron: '', onStart: true });
    expect(formFromSchedule(schedule('db', { cron: '30 3 * * 1-5' }))).toEqual({ choice: 'cron', cron: '30 3 * * 1-5', onStart: false });
    expect(requestFor('web', { choice: 'off', cron: '', onStart: true })).toEqual({ off: true, group: 'web' });
    expect(requestFor('web', { choice: '1w', cron: 'ignored', onStart: true })).toEqual({ off: false, input: { group: 'web', every: '1w', onStart: true } });
    expect(requestFor('db', { choice: 'cron', cron: ' 30 3 * * * ', onStart: false })).toEqual({ off: false, input: { group: 'db', cron: '30 3 * * *', onStart: false } });
    expect(sameForm({ choice: '2h', cron: 'x', onStart: false }, { choice: '2h', cron: '', onStart: false })).toBe(true);
    expect(sameForm({ choice: 'cron', cron: '1 * * * *', onStart: false }, { choice: 'cron', cron: '2 * * * *', onStart: false })).toBe(false);
    expect(scheduleSummary(undefined)).toBe('no automatic scans');
    expect(scheduleSummary(schedule('web', { every: '1d', cron: '0 2 * * *', description: 'daily at 02:00' }))).toBe('daily at 02:00');
  });
});

describe('alert profile and SMTP forms', () => {
  it('reads recipients one per line or by commas, and empty channels as none', () => {
    expect(profileInputOf({ name: ' ops ', emails: 'a@x.test\nb@x.test, c@x.test\n\n', events: 'critical', webhook: ' ', jsonl: '', syslog: 'logs:514', isDefault: true })).toEqual({
      name: 'ops',
      emails: ['a@x.test', 'b@x.test', 'c@x.test'],
      events: 'critical',
      webhook: null,
      jsonl: null,
      syslog: 'logs:514',
      isDefault: true,
    });
    expect(channelsOf(profile('p', { emails: ['a@x.test'], syslog: 'tcp://l:6514' })).map((c) => c.label)).toEqual(['1 recipient', 'syslog']);
  });

  it('sends a typed password once, keeps a stored one, and says what is missing in words', () => {
    const form = smtpFormOf(SMTP);
    expect(form).toMatchObject({ passwordMode: 'keep', password: '' });
    expect(smtpInputOf(form)).toEqual({ input: { host: 'smtp.example.com', port: 587, security: 'starttls', from: 'dw@example.com', user: 'dw', caFile: null, tlsInsecure: false, keepPassword: true } });
    const typed = smtpInputOf({ ...form, passwordMode: 'new', password: 'pw' });
    expect('input' in typed && typed.input.password).toBe('pw');
    expect('input' in typed && typed.input.keepPassword).toBeUndefined();
    expect(smtpInputOf({ ...form, passwordMode: 'new', password: '' })).toEqual({ problem: 'Type the password to store, or choose another password option.' });
    expect(smtpInputOf({ ...form, user: '' })).toEqual({ problem: 'A password needs a user name.' });
    expect(smtpInputOf({ ...form, port: '70000' })).toEqual({ problem: 'The port must be a number from 1 to 65535, not "70000".' });
    expect(smtpInputOf({ ...form, passwordMode: 'env', passwordEnv: '' })).toEqual({ problem: 'Name the environment variable that holds the password.' });
    expect(smtpInputOf({ ...smtpFormOf(null), host: 'h', from: 'f@x.test', port: '', security: 'tls' })).toEqual({
      input: { host: 'h', port: 465, security: 'tls', from: 'f@x.test', user: null, caFile: null, tlsInsecure: false },
    });
    expect(describeSmtp(SMTP)).toBe('smtp.example.com:587 (STARTTLS) as dw, password stored sealed; mail from dw@example.com');
    expect(describeSmtp({ ...SMTP, user: null, security: 'tls', port: 465 })).toBe('smtp.example.com:465 (TLS) without signing in; mail from dw@example.com');
  });
});

describe('report forms', () => {
  it('turns dates into whole local days and the filters into the API filter', () => {
    expect(eventsFilterOf(EMPTY_EVENTS_FORM)).toEqual({ status: 'all' });
    expect(eventsFilterOf({ ...EMPTY_EVENTS_FORM, path: ' */cron.d/* ' })).toEqual({ status: 'all', path: '*/cron.d/*' });
    expect(eventsFilterOf({ server: 'web-1', group: 'web', policy: 'p', status: 'open', severity: 'non-critical', since: '2026-11-01', until: '2026-11-02' })).toEqual({
      status: 'open',
      server: ['web-1'],
      group: ['web'],
      policy: ['p'],
      critical: false,
      since: new Date(2026, 10, 1).toISOString(),
      until: new Date(2026, 10, 2, 23, 59, 59, 999).toISOString(),
    });
    expect(dayStart('2026-03-05')).toBe(new Date(2026, 2, 5).toISOString());
    expect(dayEnd('2026-03-05')).toBe(new Date(2026, 2, 5, 23, 59, 59, 999).toISOString());
  });

  it('asks for the PDF of a period that ends now at the latest, and refuses a backwards one', () => {
    const now = new Date(2026, 10, 28, 15, 0);
    const form = defaultPdfForm(now);
    expect(form).toEqual({ group: '', since: '2026-10-29', until: '2026-11-28' });
    expect(pdfArgsOf(form, now)).toEqual({ args: { since: new Date(2026, 9, 29).toISOString() } });
    expect(pdfArgsOf({ group: 'web', since: '2026-10-01', until: '2026-10-31' }, now)).toEqual({
      args: { group: 'web', since: new Date(2026, 9, 1).toISOString(), until: new Date(2026, 9, 31, 23, 59, 59, 999).toISOString() },
    });
    expect(pdfArgsOf({ group: '', since: '2026-11-02', until: '2026-11-01' }, now)).toEqual({ problem: 'The period starts after it ends: pick a “from” date on or before the “to” date.' });
    expect(pdfArgsOf({ group: '', since: '2026-12-01', until: '' }, now)).toEqual({ problem: 'The period starts in the future: pick a “from” date up to today.' });
    expect(dateInput(new Date(2026, 0, 9))).toBe('2026-01-09');
  });

  it('decodes base64 and keeps file names plain', () => {
    expect([...base64ToBytes(btoa('%PDF-\xff'))]).toEqual([37, 80, 68, 70, 45, 255]);
    expect(safeFileName('../etc/passwd', 'x.csv')).toBe('_etc_passwd');
    expect(safeFileName('driftwatch-events-2026.csv', 'x.csv')).toBe('driftwatch-events-2026.csv');
    expect(safeFileName('...', 'x.csv')).toBe('x.csv');
  });
});

describe('console store: schedules, alerts and their pushes', () => {
  it('loads the new resources and refreshes what is shown after a scheduled run', async () => {
    let runs = 0;
    const fake = fakeBridge({
      ...emptyFleet(),
      'schedules/list': () => [schedule('web', { every: '4h', cron: '0 */4 * * *', description: 'every 4 hours', lastRun: runs ? '2026-11-28T12:00:00.000Z' : null })],
      'alerts/outbox': () => [],
    });
    const store = createConsoleStore(fake.bridge);
    await store.getState().loadMany(['schedules', 'outbox']);
    expect(store.getState().resources.schedules.data?.[0]?.lastRun).toBeNull();
    runs++;
    fake.emit('schedules/run', { group: 'web', status: 'ok', message: '1 server, 1 clean, 0 with findings, 0 failed' });
    await flush();
    expect(store.getState().resources.schedules.data?.[0]?.lastRun).toBe('2026-11-28T12:00:00.000Z');
    // Only resources this console had loaded are refreshed.
    expect(fake.calls.filter((c) => c.name === 'baselines/list')).toHaveLength(0);
    expect(store.getState().notices.at(-1)).toMatchObject({ kind: 'info', text: 'Scheduled scan of web: done — 1 server, 1 clean, 0 with findings, 0 failed.' });
    fake.emit('schedules/run', { group: 'db', status: 'failed', message: 'db-1: connection refused' });
    expect(store.getState().notices.at(-1)).toMatchObject({ kind: 'error', text: 'Scheduled scan of db failed: db-1: connection refused' });
    store.getState().dispose();
  });

  it('reloads the outbox on a delivery push, once more when a load was already running', async () => {
    let release: () => void = () => undefined;
    let calls = 0;
    const fake = fakeBridge({
      'alerts/outbox': () => {
        calls++;
        if (calls === 2) return new Promise<OutboxItem[]>((resolve) => (release = () => resolve([])));
        return [];
      },
    });
    const store = createConsoleStore(fake.bridge);
    fake.emit('alerts/delivery', { id: 1, channel: 'email', destination: 'a@x.test', ok: true });
    expect(calls).toBe(0); // never loaded here: nothing to refresh
    await store.getState().load('outbox');
    expect(calls).toBe(1);
    fake.emit('alerts/delivery', { id: 1, channel: 'email', destination: 'a@x.test', ok: false, error: 'refused' });
    expect(calls).toBe(2); // loading, and held
    fake.emit('alerts/delivery', { id: 2, channel: 'webhook', destination: 'https://x.test/', ok: true });
    fake.emit('alerts/delivery', { id: 3, channel: 'webhook', destination: 'https://x.test/', ok: true });
    expect(calls).toBe(2); // the newer news waits for the load in flight…
    release();
    await flush();
    expect(calls).toBe(3); // …then loads once more, once
    store.getState().dispose();
  });

  it('lists events newest first by default', async () => {
    const fake = fakeBridge({ 'events/list': () => ({ total: 0, events: [] }) });
    const events = createEventsStore(fake.bridge);
    events.getState().ensureRange(0, 10);
    await flush();
    expect(fake.calls[0]!.args).toMatchObject({ status: 'open', order: 'desc', offset: 0 });
  });
});

describe('Groups: schedule and alert profiles', () => {
  const fleet = (schedules: () => ScheduleInfo[], profiles: () => AlertProfile[] = () => []) => ({
    ...emptyFleet(),
    'groups/list': () => [{ name: 'web', policies: ['Linux core'] }],
    'servers/list': () => [server('web-1', { group: 'web' })],
    'schedules/list': schedules,
    'alertProfiles/list': profiles,
  });

  it('sets a schedule and shows its next run', async () => {
    let saved = schedule('web');
    const { fake } = renderWithConsole(<Groups />, {
      ...fleet(() => [saved]),
      'schedules/set': (input) => {
        saved = schedule('web', { every: '4h', cron: '0 */4 * * *', onStart: input.onStart ?? false, description: 'every 4 hours, and on start', nextRun: new Date(Date.now() + 3 * 3600_000).toISOString() });
        return saved;
      },
    });
    const form = await screen.findByRole('form', { name: 'Automatic scans of web' });
    fireEvent.change(within(form).getByLabelText('Scan automatically'), { target: { value: '4h' } });
    fireEvent.click(within(form).getByLabelText(/scan on start/));
    fireEvent.click(within(form).getByRole('button', { name: 'Save schedule' }));
    await waitFor(() => expect(fake.calls.find((c) => c.name === 'schedules/set')?.args).toEqual({ group: 'web', every: '4h', onStart: true }));
    expect(await screen.findByTestId('schedule-description')).toHaveProperty('textContent', 'every 4 hours, and on start');
    expect(screen.getByTestId('schedule-next-run').textContent).toMatch(/\(in 3 hours\)$/);
    expect(screen.getByTestId('schedule-last-run').textContent).toBe('not yet');
    expect(screen.getByRole('option', { name: /^web/ }).textContent).toContain('every 4 hours, and on start');
  });

  it('says automatic scans are off when the console runs no schedules (--no-schedules)', async () => {
    const saved = schedule('web', { every: '4h', cron: '0 */4 * * *', description: 'every 4 hours', nextRun: new Date(Date.now() + 61_000).toISOString() });
    renderWithConsole(<Groups />, { ...fleet(() => [saved]), 'schedules/runner': () => ({ here: false, owner: null }) });
    expect((await screen.findByTestId('schedules-off-here')).textContent).toMatch(/^Automatic scans are off in this console \(it was started with --no-schedules\)/);
    expect(screen.queryByText(/Runs while this console/)).toBeNull();
    // One minute ahead reads in the singular.
    expect(screen.getByTestId('schedule-next-run').textContent).toMatch(/\(in 1 minute\)$/);
  });

  it('says what is wrong with a cron expression, and turns a schedule off', async () => {
    let saved = schedule('web', { every: '1d', cron: '0 2 * * *', description: 'daily at 02:00', hasPolicy: false, nextRun: '2030-01-01T02:00:00.000Z', lastRun: '2026-11-27T02:00:00.000Z', lastStatus: 'skipped', lastMessage: "group 'web' has no policy assigned: nothing to scan" });
    const { fake } = renderWithConsole(<Groups />, {
      ...fleet(() => [saved]),
      'schedules/set': ({ cron }) => {
        throw new ApiError('invalid_input', `bad cron expression ${JSON.stringify(cron)}: invalid minute`);
      },
      'schedules/off': () => (saved = schedule('web')),
    });
    expect(await screen.findByText('Skipped')).toBeTruthy();
    expect(screen.getByText(/No policy is assigned: scheduled runs are recorded as skipped/)).toBeTruthy();
    const form = screen.getByRole('form', { name: 'Automatic scans of web' });
    fireEvent.change(within(form).getByLabelText('Scan automatically'), { target: { value: 'cron' } });
    fireEvent.change(within(form).getByLabelText('Cron expression'), { target: { value: '61 * * * *' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save schedule' }));
    expect((await within(form).findByRole('alert')).textContent).toBe('Invalid input: bad cron expression "61 * * * *": invalid minute');
    fireEvent.change(within(form).getByLabelText('Scan automatically'), { target: { value: 'off' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save schedule' }));
    await waitFor(() => expect(fake.calls.find((c) => c.name === 'schedules/off')?.args).toEqual({ group: 'web' }));
    await waitFor(() => expect(screen.queryByTestId('schedule-description')).toBeNull());
  });

  it('assigns an alert profile, and names the default one when the group has none', async () => {
    let profiles = [profile('siem', { isDefault: true }), profile('ops', { events: 'critical' })];
    const { fake } = renderWithConsole(<Groups />, {
      ...fleet(() => [schedule('web')], () => profiles),
      'alertProfiles/assign': ({ group, profile: name }) => {
        profiles = profiles.map((p) => (p.name === name ? { ...p, groups: [group] } : p));
        return profiles.find((p) => p.name === name)!;
      },
      'alertProfiles/unassign': ({ profile: name }) => {
        profiles = profiles.map((p) => (p.name === name ? { ...p, groups: [] } : p));
        return profiles.find((p) => p.name === name)!;
      },
    });
    expect(await screen.findByText(/alerts go to the default profile/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Alert profile to assign'), { target: { value: 'ops' } });
    fireEvent.click(screen.getByRole('button', { name: 'Assign profile' }));
    await waitFor(() => expect(fake.calls.find((c) => c.name === 'alertProfiles/assign')?.args).toEqual({ group: 'web', profile: 'ops' }));
    const assigned = await screen.findByRole('list', { name: 'Assigned alert profiles' });
    expect(assigned.textContent).toContain('ops');
    fireEvent.click(screen.getByRole('button', { name: 'Unassign alert profile ops' }));
    await waitFor(() => expect(fake.calls.find((c) => c.name === 'alertProfiles/unassign')?.args).toEqual({ group: 'web', profile: 'ops' }));
  });
});

describe('Alerts', () => {
  it('starts empty and creates a profile', async () => {
    let profiles: AlertProfile[] = [];
    const { fake } = renderWithConsole(<Alerts />, {
      ...emptyFleet(),
      'alertProfiles/list': () => profiles,
      'alertProfiles/add': (input) => {
        const p = profile(input.name, { ...input, emails: input.emails ?? [], webhook: input.webhook ?? null, jsonl: input.jsonl ?? null, syslog: input.syslog ?? null } as Partial<AlertProfile>);
        profiles = [p];
        return p;
      },
    });
    expect(await screen.findByText('No alert profiles yet')).toBeTruthy();
    expect(screen.getByText('Nothing is waiting: every notification has been delivered.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Create an alert profile' }));
    const dialog = await screen.findByRole('dialog', { name: 'New alert profile' });
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'ops' } });
    fireEvent.change(within(dialog).getByLabelText('Email recipients'), { target: { value: 'ops@example.test\noncall@example.test' } });
    fireEvent.click(within(dialog).getByLabelText('Critical events only'));
    fireEvent.change(within(dialog).getByLabelText('Syslog server'), { target: { value: 'tcp://logs.example.test:6514' } });
    fireEvent.click(within(dialog).getByLabelText(/Default profile/));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create profile' }));
    await waitFor(() =>
      expect(fake.calls.find((c) => c.name === 'alertProfiles/add')?.args).toEqual({
        name: 'ops',
        emails: ['ops@example.test', 'oncall@example.test'],
        events: 'critical',
        webhook: null,
        jsonl: null,
        syslog: 'tcp://logs.example.test:6514',
        isDefault: true,
      }),
    );
    const table = await screen.findByRole('table', { name: 'Alert profiles' });
    expect(table.textContent).toContain('Critical events only');
    expect(table.textContent).toContain('every group without its own');
  });

  it('edits a profile from the keyboard, and shows a refusal in words', async () => {
    renderWithConsole(<Alerts />, {
      ...emptyFleet(),
      'alertProfiles/list': () => [profile('ops', { emails: ['ops@example.test'] }), profile('siem', { webhook: 'https://siem.example.test/' })],
      'alertProfiles/update': () => {
        throw new ApiError('invalid_input', 'webhook must be an http:// or https:// URL, got "ftp://x"');
      },
    });
    const rows = await screen.findByLabelText('Alert profile rows: arrows move, Enter edits');
    fireEvent.keyDown(rows, { key: 'ArrowDown' });
    fireEvent.keyDown(rows, { key: 'ArrowDown' });
    fireEvent.keyDown(rows, { key: 'Enter' });
    const dialog = await screen.findByRole('dialog', { name: 'Edit alert profile siem' });
    fireEvent.change(within(dialog).getByLabelText('Webhook URL'), { target: { value: 'ftp://x' } });
    fireEvent.submit(within(dialog).getByRole('form', { name: 'Alert profile' }));
    expect((await within(dialog).findByRole('alert')).textContent).toBe('Invalid input: webhook must be an http:// or https:// URL, got "ftp://x"');
  });

  it('sends the SMTP password once, never shows it back, and sends a test email', async () => {
    let stored: SmtpSettings | null = null;
    const sets: SmtpInput[] = [];
    const { fake } = renderWithConsole(<Alerts />, {
      ...emptyFleet(),
      'smtp/get': () => stored,
      'smtp/set': (input) => {
        sets.push(input);
        stored = { host: input.host, port: input.port ?? 587, security: input.security ?? 'starttls', user: input.user ?? null, passwordEnv: null, passwordStored: Boolean(input.password) || (input.keepPassword === true && stored?.passwordStored === true), from: input.from, caFile: null, tlsInsecure: false };
        return stored;
      },
      'smtp/test': ({ to }) => ({ messageId: '<1@x>', response: `250 OK queued for ${to}` }),
    });
    const form = await screen.findByRole('form', { name: 'SMTP settings' });
    expect(screen.getByRole('button', { name: 'Send test email' })).toHaveProperty('disabled', true);
    fireEvent.change(within(form).getByLabelText('SMTP host'), { target: { value: 'smtp.example.test' } });
    fireEvent.change(within(form).getByLabelText('Security'), { target: { value: 'tls' } });
    expect((within(form).getByLabelText('Port') as HTMLInputElement).value).toBe('465');
    fireEvent.change(within(form).getByLabelText('From address'), { target: { value: 'dw@example.test' } });
    fireEvent.change(within(form).getByLabelText('User name'), { target: { value: 'dw' } });
    fireEvent.change(within(form).getByLabelText('Password'), { target: { value: 'new' } });
    fireEvent.change(within(form).getByLabelText('New password'), { target: { value: 'hunter2-secret' } });
    fireEvent.submit(form);
    await waitFor(() => expect(sets).toHaveLength(1));
    expect(sets[0]).toMatchObject({ host: 'smtp.example.test', port: 465, security: 'tls', user: 'dw', password: 'hunter2-secret', from: 'dw@example.test' });
    expect(await screen.findByText(/In use: smtp\.example\.test:465 \(TLS\) as dw, password stored sealed/)).toBeTruthy();
    await waitFor(() => expect(document.body.innerHTML).not.toContain('hunter2-secret'));
    const again = screen.getByRole('form', { name: 'SMTP settings' });
    expect((within(again).getByLabelText('Password') as HTMLSelectElement).value).toBe('keep');
    expect(within(again).queryByLabelText('New password')).toBeNull();
    fireEvent.change(within(again).getByLabelText('From address'), { target: { value: 'alerts@example.test' } });
    fireEvent.submit(again);
    await waitFor(() => expect(sets).toHaveLength(2));
    expect(sets[1]).toMatchObject({ keepPassword: true, from: 'alerts@example.test' });
    expect(sets[1]).not.toHaveProperty('password');

    fireEvent.change(screen.getByLabelText('Send a test email to'), { target: { value: 'me@example.test' } });
    fireEvent.submit(screen.getByRole('form', { name: 'Send a test email' }));
    expect((await screen.findByText(/^Sent to me@example\.test\./)).textContent).toBe('Sent to me@example.test. The server answered: 250 OK queued for me@example.test');
    expect(fake.calls.find((c) => c.name === 'smtp/test')?.args).toEqual({ to: 'me@example.test' });
  });

  it('says why a test email failed', async () => {
    renderWithConsole(<Alerts />, {
      ...emptyFleet(),
      'smtp/get': () => SMTP,
      'smtp/test': () => {
        throw new ApiError('internal', 'SMTP test failed: Invalid login: 535 Authentication failed');
      },
    });
    fireEvent.change(await screen.findByLabelText('Send a test email to'), { target: { value: 'me@example.test' } });
    fireEvent.submit(screen.getByRole('form', { name: 'Send a test email' }));
    expect((await screen.findByText(/Authentication failed/)).textContent).toBe('Error: SMTP test failed: Invalid login: 535 Authentication failed');
  });

  it('shows waiting notifications with their errors, and delivers them on demand', async () => {
    let outbox: OutboxItem[] = [
      { id: 7, profile: 'siem', channel: 'webhook', destination: 'https://siem.example.test/hook', kind: 'events', server: 'web-1', events: 3, createdAt: new Date().toISOString(), status: 'pending', attempts: 3, nextAttemptAt: new Date(Date.now() + 240_000).toISOString(), lastError: 'webhook answered HTTP 503', sentAt: null },
    ];
    const { fake, store } = renderWithConsole(<Alerts />, {
      ...emptyFleet(),
      'alerts/outbox': () => outbox,
      'alerts/flush': () => {
        outbox = [];
        return { sent: 1, failed: [], pending: 0 };
      },
    });
    const table = await screen.findByRole('table', { name: 'Outbox' });
    expect(table.textContent).toContain('webhook answered HTTP 503');
    expect(table.textContent).toContain('Events · web-1 · 3 events');
    expect(screen.getByText(/1 notification failed and is retried/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Deliver now' }));
    await waitFor(() => expect(fake.calls.find((c) => c.name === 'alerts/flush')?.args).toEqual({ force: true }));
    expect(await screen.findByText('Nothing is waiting: every notification has been delivered.')).toBeTruthy();
    expect(store.getState().notices.at(-1)).toMatchObject({ kind: 'success', text: 'Delivered 1 notification; 0 failed.' });
  });
});

describe('Reports', () => {
  let clicks: { download: string; href: string }[];
  let blobs: Blob[];
  beforeEach(() => {
    clicks = [];
    blobs = [];
    vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => {
      blobs.push(blob as Blob);
      return `blob:driftwatch/${blobs.length}`;
    });
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicks.push({ download: this.download, href: this.href });
    });
  });

  const fleet = {
    ...emptyFleet(),
    'servers/list': () => [server('web-1', { group: 'web' })],
    'groups/list': () => [{ name: 'web', policies: ['Linux core'] }],
    'policies/list': () => [{ name: 'Linux core', os: 'linux' as const, description: '', targets: [] }],
  };

  it('downloads the events CSV with the chosen filters', async () => {
    const { fake } = renderWithConsole(<Reports />, {
      ...fleet,
      'reports/csv': () => ({ kind: 'events', csv: 'id,server\r\n1,web-1\r\n', rows: 1, filename: 'driftwatch-events-2026-11-28T10-00-00.csv' }),
    });
    const form = await screen.findByRole('form', { name: 'Events CSV' });
    await waitFor(() => expect(within(form).getAllByRole('option', { name: 'web-1' })).toHaveLength(1));
    fireEvent.change(within(form).getByLabelText('Server'), { target: { value: 'web-1' } });
    fireEvent.change(within(form).getByLabelText('Severity'), { target: { value: 'critical' } });
    fireEvent.change(within(form).getByLabelText('Seen since'), { target: { value: '2026-11-01' } });
    fireEvent.submit(form);
    await waitFor(() => expect(clicks).toHaveLength(1));
    expect(fake.calls.find((c) => c.name === 'reports/csv')?.args).toEqual({ kind: 'events', filter: { status: 'all', server: ['web-1'], critical: true, since: new Date(2026, 10, 1).toISOString() } });
    expect(clicks[0]).toEqual({ download: 'driftwatch-events-2026-11-28T10-00-00.csv', href: 'blob:driftwatch/1' });
    expect(blobs[0]!.type).toBe('text/csv;charset=utf-8');
    expect(await blobs[0]!.text()).toBe('id,server\r\n1,web-1\r\n');
    expect(screen.getByText('Saved driftwatch-events-2026-11-28T10-00-00.csv: 1 event.')).toBeTruthy();
  });

  it('downloads the PDF report as bytes, and says when the period is backwards', async () => {
    const { fake } = renderWithConsole(<Reports />, {
      ...fleet,
      'reports/pdf': () => ({ base64: btoa('%PDF-1.7\n%\xe2\xe3'), pages: 3, bytes: 14, filename: 'driftwatch-compliance-web-2026.pdf' }),
    });
    const form = await screen.findByRole('form', { name: 'Compliance report' });
    fireEvent.change(within(form).getByLabelText('From'), { target: { value: '2026-11-20' } });
    fireEvent.change(within(form).getByLabelText('To'), { target: { value: '2026-11-10' } });
    fireEvent.submit(form);
    expect((await within(form).findByRole('alert')).textContent).toContain('The period starts after it ends');
    expect(fake.calls.filter((c) => c.name === 'reports/pdf')).toHaveLength(0);
    fireEvent.change(within(form).getByLabelText('From'), { target: { value: '2026-10-01' } });
    fireEvent.change(within(form).getByLabelText('To'), { target: { value: '2026-10-31' } });
    fireEvent.change(within(form).getByLabelText('Group'), { target: { value: 'web' } });
    fireEvent.submit(form);
    await waitFor(() => expect(clicks).toHaveLength(1));
    expect(fake.calls.find((c) => c.name === 'reports/pdf')?.args).toEqual({ group: 'web', since: new Date(2026, 9, 1).toISOString(), until: new Date(2026, 9, 31, 23, 59, 59, 999).toISOString() });
    expect(clicks[0]!.download).toBe('driftwatch-compliance-web-2026.pdf');
    expect(blobs[0]!.type).toBe('application/pdf');
    expect([...new Uint8Array(await blobs[0]!.arrayBuffer())].slice(-2)).toEqual([0xe2, 0xe3]);
    expect(screen.getByText('Saved driftwatch-compliance-web-2026.pdf: 3 pages, 14 bytes.')).toBeTruthy();
  });

  it('says why a report could not be made', async () => {
    renderWithConsole(<Reports />, {
      ...fleet,
      'reports/csv': () => {
        throw new ApiError('not_found', "no group named 'gone'");
      },
    });
    fireEvent.submit(await screen.findByRole('form', { name: 'Coverage CSV' }));
    expect((await screen.findByRole('alert')).textContent).toBe("Not found: no group named 'gone'");
    expect(clicks).toHaveLength(0);
  });
});

describe('navigation', () => {
  it('has Alerts and Reports, with the count of notifications waiting', async () => {
    const fake = fakeBridge({
      ...emptyFleet(),
      'alerts/outbox': () => [
        { id: 1, profile: 'ops', channel: 'email', destination: 'ops@example.test', kind: 'events', server: 'web-1', events: 1, createdAt: '', status: 'pending', attempts: 1, nextAttemptAt: '', lastError: 'refused', sentAt: null },
      ],
    });
    const store = createConsoleStore(fake.bridge);
    const { render } = await import('@testing-library/react');
    render(<App store={store} transport="http" />);
    const nav = screen.getByRole('navigation', { name: 'Screens' });
    expect(within(nav).getByRole('link', { name: /^Reports/ }).getAttribute('href')).toBe('#/reports');
    await waitFor(() => expect(within(nav).getByRole('link', { name: /^Alerts/ }).textContent).toContain('1'));
    window.location.hash = '#/alerts';
    expect(await screen.findByRole('heading', { name: 'Alerts', level: 1 })).toBeTruthy();
    window.location.hash = '#/reports';
    expect(await screen.findByRole('heading', { name: 'Reports', level: 1 })).toBeTruthy();
  });
});
