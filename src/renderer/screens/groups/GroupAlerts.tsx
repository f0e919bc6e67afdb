// Who is told about a group's events: its own alert profiles, or else the default profile(s).
import { useState } from 'react';
import type { AlertProfile } from '../../../shared/api.js';
import { Badge, ErrorNotice } from '../../components/ui.js';
import { useAction, useConsole } from '../../state/context.js';
import { hrefFor } from '../../state/router.js';
import { EVENTS_LABEL } from '../alerts/profile-form.js';

export function GroupAlerts({ group, profiles }: { group: string; profiles: AlertProfile[] | null }) {
  const perform = useConsole((s) => s.perform);
  const notify = useConsole((s) => s.notify);
  const [chosen, setChosen] = useState('');
  const { busy, error, run } = useAction();
  if (profiles === null) return null;
  const own = profiles.filter((p) => p.groups.includes(group));
  const defaults = profiles.filter((p) => p.isDefault);
  const assignable = profiles.filter((p) => !p.groups.includes(group));

  async function assign() {
    if (!chosen) return;
    const done = await run(() => perform('alertProfiles/assign', { group, profile: chosen }, ['alertProfiles']));
    if (done) {
      notify('success', `${group}'s alerts now go to ${chosen}.`);
      setChosen('');
    }
  }

  async function unassign(profile: string) {
    await run(() => perform('alertProfiles/unassign', { group, profile }, ['alertProfiles']));
  }

  return (
    <div className="group-alerts">
      {own.length ? <p className="muted">Changes in this group are told to:</p> : null}
      {own.length ? (
        <ul className="chips large" aria-label="Assigned alert profiles">
          {own.map((p) => (
            <li key={p.name} className="chip">
              <a href={hrefFor('alerts')} title={`${EVENTS_LABEL[p.events]}; ${p.emails.length} recipient(s)`}>
                {p.name}
              </a>
              <button type="button" className="chip-x" aria-label={`Unassign alert profile ${p.name}`} onClick={() => void unassign(p.name)} disabled={busy}>
                ×
              </button>
            </li>
          ))}
        </ul>
      ) : defaults.length ? (
        <p className="muted">
          No profile of its own: alerts go to the default profile{defaults.length > 1 ? 's' : ''}{' '}
          {defaults.map((p, i) => (
            <span key={p.name}>
              {i ? ', ' : ''}
              <Badge tone="info">{p.name}</Badge>
            </span>
          ))}
          .
        </p>
      ) : (
        <p className="muted">No alert profile applies: changes in this group are shown here but nobody is told.</p>
      )}
      {profiles.length === 0 ? (
        <p className="muted">
          There are no alert profiles. <a href={hrefFor('alerts')}>Create one on the Alerts screen</a>.
        </p>
      ) : assignable.length ? (
        <div className="inline-form">
          <select value={chosen} onChange={(e) => setChosen(e.target.value)} aria-label="Alert profile to assign">
            <option value="">Choose an alert profile…</option>
            {assignable.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name} ({EVENTS_LABEL[p.events].toLowerCase()})
              </option>
            ))}
          </select>
          <button type="button" className="btn" onClick={() => void assign()} disabled={!chosen || busy}>
            Assign profile
          </button>
        </div>
      ) : null}
      <ErrorNotice error={error} />
    </div>
  );
}
