// Alerts: who is told about which events (alert profiles: email recipients, webhook, JSON-lines
// file, syslog), what is still waiting to be delivered (the outbox, flushed on demand), and how
// email leaves (SMTP, with a test message).
import { useMemo, useState, type FormEvent } from 'react';
import type { AlertProfile, OutboxItem, SmtpSettings } from '../../../shared/api.js';
import { ConfirmRemoval, Dialog } from '../../components/Dialog.js';
import { Badge, Card, EmptyState, ErrorNotice, Field, Loading, PageHeader, ResourceStatus } from '../../components/ui.js';
import { formatTime, plural, timeAgo } from '../../components/format.js';
import { useListKeyboard } from '../../components/useListKeyboard.js';
import { useAction, useConsole, useResource } from '../../state/context.js';
import { hrefFor } from '../../state/router.js';
import {
  channelsOf,
  DEFAULT_PORT,
  describeSmtp,
  EVENTS_LABEL,
  profileFormOf,
  profileInputOf,
  smtpFormOf,
  smtpInputOf,
  type PasswordMode,
  type ProfileForm,
  type SmtpForm,
} from './profile-form.js';

export function Alerts() {
  const profiles = useResource('alertProfiles');
  const groups = useResource('groups');
  const load = useConsole((s) => s.load);
  const [editing, setEditing] = useState<AlertProfile | 'new' | null>(null);
  const [removing, setRemoving] = useState<AlertProfile | null>(null);
  const perform = useConsole((s) => s.perform);
  const notify = useConsole((s) => s.notify);
  const action = useAction();
  const list = useMemo(() => profiles.data ?? [], [profiles.data]);
  const keyboard = useListKeyboard(list.length, (i) => {
    const p = list[i];
    if (p) setEditing(p);
  });

  async function remove(profile: AlertProfile) {
    const done = await action.run(async () => {
      await perform('alertProfiles/remove', { name: profile.name }, ['alertProfiles']);
      return true;
    });
    setRemoving(null);
    if (done) notify('success', `Removed alert profile ${profile.name}.`);
  }

  return (
    <div className="screen alerts-screen">
      <PageHeader
        title="Alerts"
        subtitle="Who is told about which changes, what is still waiting to be delivered, and how email leaves."
        actions={
          <button type="button" className="btn primary" onClick={() => setEditing('new')}>
            New alert profile
          </button>
        }
      />
      <ErrorNotice error={action.error} />

      <Card title="Alert profiles">
        <ResourceStatus resource={profiles} what="alert profiles" onRetry={() => void load('alertProfiles')} />
        {!profiles.data ? null : list.length === 0 ? (
          <EmptyState
            title="No alert profiles yet"
            action={
              <button type="button" className="btn primary" onClick={() => setEditing('new')}>
                Create an alert profile
              </button>
            }
          >
            <p>
              A profile names who is told — email recipients, a webhook, a JSON-lines file, a syslog server — and about which events. Make one the
              default to cover every group, or assign profiles to groups on the <a href={hrefFor('groups')}>Groups</a> screen.
            </p>
          </EmptyState>
        ) : (
          <>
            <table className="table" aria-label="Alert profiles">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Events</th>
                  <th>Sends to</th>
                  <th>Groups</th>
                  <th />
                </tr>
              </thead>
              <tbody {...keyboard.listProps} aria-label="Alert profile rows: arrows move, Enter edits">
                {list.map((p, i) => (
                  <tr key={p.name} {...keyboard.rowProps(i)} onClick={() => keyboard.setActive(i)}>
                    <td>
                      <strong>{p.name}</strong> {p.isDefault ? <Badge tone="info">default</Badge> : null}
                    </td>
                    <td>{p.events === 'critical' ? <Badge tone="critical">{EVENTS_LABEL[p.events]}</Badge> : EVENTS_LABEL[p.events]}</td>
                    <td>
                      {channelsOf(p).length ? (
                        <ul className="channel-list">
                          {channelsOf(p).map((c) => (
                            <li key={c.kind}>
                              <span className={`channel ${c.kind}`}>{c.label}</span> <span className="mono small muted truncate" title={c.detail}>{c.detail}</span>
                            </li>
                          ))}
                        </ul>
                      ) : (
                        <span className="muted">nowhere yet — add a recipient or a channel</span>
                      )}
                    </td>
                    <td>
                      {p.groups.length ? p.groups.join(', ') : p.isDefault ? <span className="muted">every group without its own</span> : <span className="muted">none</span>}
                    </td>
                    <td className="row-actions">
                      <button type="button" className="btn small" onClick={() => setEditing(p)}>
                        Edit
                      </button>
                      <button type="button" className="btn small danger" onClick={() => setRemoving(p)} aria-label={`Remove alert profile ${p.name}`}>
                        Remove
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="muted small pad">Only events of targets flagged “alert” are sent, once per scan and profile; host-key changes and failed scheduled scans go to every profile.</p>
          </>
        )}
      </Card>

      <OutboxCard />
      <SmtpCard />

      <Dialog title={editing === 'new' ? 'New alert profile' : `Edit alert profile ${editing?.name ?? ''}`} open={editing !== null} onClose={() => setEditing(null)} wide>
        {editing !== null ? (
          <ProfileEditor key={editing === 'new' ? 'new' : editing.name} profile={editing === 'new' ? null : editing} groupCount={groups.data?.length ?? 0} onDone={() => setEditing(null)} />
        ) : null}
      </Dialog>
      <ConfirmRemoval
        title="Remove alert profile"
        open={removing !== null}
        onClose={() => setRemoving(null)}
        confirmLabel={`Remove ${removing?.name ?? ''}`}
        onConfirm={() => removing && void remove(removing)}
        busy={action.busy}
      >
        Remove alert profile <strong>{removing?.name}</strong>? Its groups fall back to the default profile, if there is one. Notifications already in the
        outbox are still delivered.
      </ConfirmRemoval>
    </div>
  );
}

function ProfileEditor({ profile, groupCount, onDone }: { profile: AlertProfile | null; groupCount: number; onDone: () => void }) {
  const perform = useConsole((s) => s.perform);
  const notify = useConsole((s) => s.notify);
  const { busy, error, run } = useAction();
  const [form, setForm] = useState<ProfileForm>(() => profileFormOf(profile));
  const set = (patch: Partial<ProfileForm>) => setForm({ ...form, ...patch });

  async function submit(event: FormEvent) {
    event.preventDefault();
    const input = profileInputOf(form);
    const saved = await run(() =>
      profile ? perform('alertProfiles/update', { name: profile.name, patch: input }, ['alertProfiles']) : perform('alertProfiles/add', input, ['alertProfiles']),
    );
    if (!saved) return;
    notify(
      'success',
      profile
        ? `Saved alert profile ${saved.name}.`
        : `Created alert profile ${saved.name}.${saved.isDefault ? ' It covers every group without a profile of its own.' : groupCount ? ' Next: assign it to a group on the Groups screen.' : ''}`,
    );
    onDone();
  }

  return (
    <form className="form" onSubmit={(e) => void submit(e)} aria-label="Alert profile">
      <div className="form-grid">
        <Field label="Name" htmlFor="ap-name">
          <input id="ap-name" value={form.name} onChange={(e) => set({ name: e.target.value })} required autoFocus placeholder="ops" />
        </Field>
        <fieldset className="fieldset">
          <legend>Which events</legend>
          {(['critical', 'non-critical', 'both'] as const).map((choice) => (
            <label key={choice} className="radio">
              <input type="radio" name="ap-events" value={choice} checked={form.events === choice} onChange={() => set({ events: choice })} /> {EVENTS_LABEL[choice]}
            </label>
          ))}
        </fieldset>
        <Field label="Email recipients" htmlFor="ap-emails" hint="One address per line (or separated by commas). Sent through the SMTP server below.">
          <textarea id="ap-emails" rows={3} value={form.emails} onChange={(e) => set({ emails: e.target.value })} placeholder={'ops@example.com\noncall@example.com'} />
        </Field>
        <Field label="Webhook URL" htmlFor="ap-webhook" hint="One JSON POST per notification; any 2xx answer counts as delivered.">
          <input id="ap-webhook" type="url" value={form.webhook} onChange={(e) => set({ webhook: e.target.value })} placeholder="https://siem.example.com/driftwatch" />
        </Field>
        <Field label="JSON-lines file" htmlFor="ap-jsonl" hint="An absolute path on the machine running Driftwatch; one JSON object per event is appended.">
          <input id="ap-jsonl" className="mono" value={form.jsonl} onChange={(e) => set({ jsonl: e.target.value })} placeholder="/var/log/driftwatch/events.jsonl" />
        </Field>
        <Field label="Syslog server" htmlFor="ap-syslog" hint="HOST:PORT or udp://HOST:PORT (UDP), tcp://HOST:PORT (TCP); RFC 5424.">
          <input id="ap-syslog" className="mono" value={form.syslog} onChange={(e) => set({ syslog: e.target.value })} placeholder="logs.example.com:514" />
        </Field>
      </div>
      <label className="check">
        <input type="checkbox" checked={form.isDefault} onChange={(e) => set({ isDefault: e.target.checked })} /> Default profile: used by every group that has no
        profile of its own
      </label>
      <ErrorNotice error={error} />
      <div className="form-actions">
        <button type="button" className="btn" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="btn primary" disabled={busy}>
          {profile ? 'Save profile' : 'Create profile'}
        </button>
      </div>
    </form>
  );
}

function SmtpCard() {
  const smtp = useResource('smtp');
  const load = useConsole((s) => s.load);
  return (
    <Card title="Email (SMTP)" actions={smtp.data ? <Badge tone="ok">set up</Badge> : smtp.loadedAt ? <Badge tone="neutral">not set up</Badge> : null}>
      {smtp.error ? <ErrorNotice error={smtp.error} onRetry={() => void load('smtp')} /> : null}
      {smtp.loadedAt === null ? smtp.error ? null : <Loading what="the SMTP settings" /> : <SmtpEditor key={smtp.loadedAt} settings={smtp.data} />}
    </Card>
  );
}

function SmtpEditor({ settings }: { settings: SmtpSettings | null }) {
  const perform = useConsole((s) => s.perform);
  const notify = useConsole((s) => s.notify);
  const save = useAction();
  const test = useAction();
  const [form, setForm] = useState<SmtpForm>(() => smtpFormOf(settings));
  const [problem, setProblem] = useState<string | null>(null);
  const [testTo, setTestTo] = useState('');
  const [testResult, setTestResult] = useState<string | null>(null);
  const set = (patch: Partial<SmtpForm>) => setForm({ ...form, ...patch });

  async function submit(event: FormEvent) {
    event.preventDefault();
    const built = smtpInputOf(form);
    if ('problem' in built) {
      setProblem(built.problem);
      return;
    }
    setProblem(null);
    const saved = await save.run(() => perform('smtp/set', built.input, ['smtp']));
    // The typed password is gone from the form either way: it was sent once, and the engine sealed it.
    setForm((f) => ({ ...f, password: '' }));
    if (saved) notify('success', `Saved the SMTP settings: ${describeSmtp(saved)}.`);
  }

  async function sendTest(event: FormEvent) {
    event.preventDefault();
    setTestResult(null);
    const sent = await test.run(() => perform('smtp/test', { to: testTo.trim() }));
    if (sent) setTestResult(`Sent to ${testTo.trim()}. The server answered: ${sent.response}`);
  }

  const passwordChoices: { value: PasswordMode; label: string }[] = [
    { value: 'none', label: 'No password' },
    ...(settings?.passwordStored ? [{ value: 'keep' as const, label: 'Keep the stored password (sealed)' }] : []),
    { value: 'new', label: settings?.passwordStored ? 'Replace it with a new password' : 'Store a password (sealed)' },
    { value: 'env', label: 'Read it from an environment variable' },
  ];

  return (
    <>
      {settings ? <p className="muted small">In use: {describeSmtp(settings)}.</p> : <p className="muted">Set up an SMTP server so alert profiles can send email.</p>}
      <form className="form" aria-label="SMTP settings" onSubmit={(e) => void submit(e)}>
        <div className="form-grid smtp-grid">
          <Field label="SMTP host" htmlFor="smtp-host">
            <input id="smtp-host" value={form.host} onChange={(e) => set({ host: e.target.value })} required placeholder="smtp.example.com" />
          </Field>
          <div className="field-row">
            <Field label="Security" htmlFor="smtp-security">
              <select
                id="smtp-security"
                value={form.security}
                onChange={(e) => {
                  const security = e.target.value as SmtpForm['security'];
                  // Follow the usual port of the new mode unless a custom one was typed.
                  const usual = Object.values(DEFAULT_PORT).map(String).includes(form.port) || form.port === '';
                  set({ security, ...(usual ? { port: String(DEFAULT_PORT[security]) } : {}) });
                }}
              >
                <option value="starttls">STARTTLS (required)</option>
                <option value="tls">TLS from the start</option>
                <option value="none">None (STARTTLS if offered)</option>
              </select>
            </Field>
            <Field label="Port" htmlFor="smtp-port">
              <input id="smtp-port" className="port" inputMode="numeric" value={form.port} onChange={(e) => set({ port: e.target.value })} />
            </Field>
          </div>
          <Field label="From address" htmlFor="smtp-from">
            <input id="smtp-from" type="email" value={form.from} onChange={(e) => set({ from: e.target.value })} required placeholder="driftwatch@example.com" />
          </Field>
          <Field label="User name" htmlFor="smtp-user" hint="Leave empty when the server does not ask to sign in.">
            <input id="smtp-user" value={form.user} onChange={(e) => set({ user: e.target.value })} autoComplete="off" />
          </Field>
          <Field label="Password" htmlFor="smtp-password-mode">
            <select id="smtp-password-mode" value={form.passwordMode} onChange={(e) => set({ passwordMode: e.target.value as PasswordMode, password: '' })}>
              {passwordChoices.map((c) => (
                <option key={c.value} value={c.value}>
                  {c.label}
                </option>
              ))}
            </select>
          </Field>
          {form.passwordMode === 'new' ? (
            <Field label="New password" htmlFor="smtp-password" hint="Sent once to the engine, which stores it sealed (AES-256-GCM). It is never shown again.">
              <input id="smtp-password" type="password" value={form.password} onChange={(e) => set({ password: e.target.value })} autoComplete="new-password" />
            </Field>
          ) : form.passwordMode === 'env' ? (
            <Field label="Environment variable" htmlFor="smtp-password-env" hint="Only its name is stored; the password is read from the environment when a message is sent.">
              <input id="smtp-password-env" className="mono" value={form.passwordEnv} onChange={(e) => set({ passwordEnv: e.target.value })} placeholder="SMTP_PASSWORD" />
            </Field>
          ) : form.passwordMode === 'keep' ? (
            <p className="muted small field-note">A password is stored, sealed. It is never shown; choose “Replace” to change it.</p>
          ) : (
            <span />
          )}
          <Field label="CA certificate file (optional)" htmlFor="smtp-ca" hint="A PEM file on the machine running Driftwatch, for a server signed by a private CA.">
            <input id="smtp-ca" className="mono" value={form.caFile} onChange={(e) => set({ caFile: e.target.value })} placeholder="/etc/ssl/private-ca.pem" />
          </Field>
          <label className="check field-check">
            <input type="checkbox" checked={form.tlsInsecure} onChange={(e) => set({ tlsInsecure: e.target.checked })} /> Accept any certificate (testing only)
          </label>
        </div>
        <ErrorNotice error={problem ?? save.error} />
        <div className="form-actions">
          <button type="submit" className="btn primary" disabled={save.busy}>
            Save SMTP settings
          </button>
        </div>
      </form>
      <form className="inline-form test-mail" aria-label="Send a test email" onSubmit={(e) => void sendTest(e)}>
        <label htmlFor="smtp-test-to">Send a test email to</label>
        <input id="smtp-test-to" type="email" value={testTo} onChange={(e) => setTestTo(e.target.value)} required placeholder="you@example.com" />
        <button type="submit" className="btn" disabled={test.busy || !settings}>
          {test.busy ? 'Sending…' : 'Send test email'}
        </button>
        {!settings ? <span className="muted small">Save the settings first.</span> : null}
      </form>
      <ErrorNotice error={test.error} />
      {testResult ? (
        <p className="ok-note" role="status">
          {testResult}
        </p>
      ) : null}
    </>
  );
}

const CHANNEL_LABEL: Record<OutboxItem['channel'], string> = { email: 'Email', webhook: 'Webhook', jsonl: 'JSON lines', syslog: 'Syslog' };
const KIND_LABEL: Record<OutboxItem['kind'], string> = { events: 'Events', host_key_mismatch: 'Host key changed', scan_failed: 'Scan failed', not_compared: 'Not compared' };

function OutboxCard() {
  const outbox = useResource('outbox');
  const load = useConsole((s) => s.load);
  const perform = useConsole((s) => s.perform);
  const notify = useConsole((s) => s.notify);
  const { busy, error, run } = useAction();
  const items = outbox.data ?? [];
  const failed = items.filter((o) => o.lastError !== null).length;

  async function flush() {
    const report = await run(() => perform('alerts/flush', { force: true }, ['outbox']));
    if (!report) return;
    const text = `Delivered ${plural(report.sent, 'notification')}; ${report.failed.length} failed${report.pending ? `, ${report.pending} still waiting` : ''}.`;
    notify(report.failed.length ? 'error' : 'success', report.failed.length ? `${text} ${report.failed.map((f) => `${f.channel} to ${f.destination}: ${f.error}`).join('; ')}` : text);
  }

  return (
    <Card
      title={`Outbox${items.length ? ` (${items.length})` : ''}`}
      actions={
        <button type="button" className="btn small primary" onClick={() => void flush()} disabled={busy || items.length === 0}>
          {busy ? 'Delivering…' : 'Deliver now'}
        </button>
      }
    >
      <ResourceStatus resource={outbox} what="the outbox" onRetry={() => void load('outbox')} />
      <ErrorNotice error={error} />
      {!outbox.data ? null : items.length === 0 ? (
        <p className="muted pad">Nothing is waiting: every notification has been delivered.</p>
      ) : (
        <>
          <p className="muted small">
            {failed ? `${plural(failed, 'notification')} failed and ${failed === 1 ? 'is' : 'are'} retried with a growing delay (up to an hour). ` : ''}
            “Deliver now” tries every waiting notification at once.
          </p>
          <table className="table compact" aria-label="Outbox">
            <thead>
              <tr>
                <th>Created</th>
                <th>Profile</th>
                <th>Channel</th>
                <th>About</th>
                <th className="num">Tries</th>
                <th>Next try</th>
                <th>Last error</th>
              </tr>
            </thead>
            <tbody>
              {items.map((o) => (
                <tr key={o.id} data-outbox-id={o.id}>
                  <td title={formatTime(o.createdAt)}>{timeAgo(o.createdAt)}</td>
                  <td>{o.profile}</td>
                  <td>
                    {CHANNEL_LABEL[o.channel]} <div className="mono small muted truncate" title={o.destination}>{o.destination}</div>
                  </td>
                  <td>
                    {KIND_LABEL[o.kind]} · {o.server}
                    {o.kind === 'events' ? <span className="muted"> · {plural(o.events, 'event')}</span> : null}
                  </td>
                  <td className="num">{o.attempts}</td>
                  <td title={formatTime(o.nextAttemptAt)}>{timeAgo(o.nextAttemptAt)}</td>
                  <td>{o.lastError ? <span className="error-text">{o.lastError}</span> : <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Card>
  );
}
