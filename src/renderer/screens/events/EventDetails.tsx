// One event: baseline and current metadata side by side with the changed attributes marked, the
// content diff when there is one, and accept (for this server, or into the baseline) with a note.
import { useState, type FormEvent } from 'react';
import type { AcceptScope, AttributeChange, Entry, FimEvent } from '../../../shared/domain.js';
import { CORE_ATTRIBUTES, EXTENDED_ATTRIBUTES, NOT_CHECKED } from '../../../shared/domain.js';
import { modeChanges } from '../../../shared/human-text.js';
import { Badge, ErrorNotice, Field } from '../../components/ui.js';
import { formatEpoch, formatTime } from '../../components/format.js';
import { useAction, useConsole } from '../../state/context.js';
import { diffLines, isUnifiedDiff, parseUnifiedDiff, withContext, type DiffLine } from './diff.js';

export const CHANGE_LABEL: Record<FimEvent['change'], string> = {
  added: 'Added',
  removed: 'Removed',
  modified: 'Modified',
  host_key_mismatch: 'Host key mismatch',
};

type Value = string | number | null | undefined;

function entryValue(entry: Entry | null, name: RowName): Value {
  if (!entry) return undefined;
  return (entry as unknown as Record<string, Value>)[name];
}

export function showValue(name: RowName, value: Value): string {
  if (value === undefined) return '';
  if (value === null || value === '') return '—';
  if (name === 'mtime' || name === 'ctime') return formatEpoch(value);
  return String(value);
}

type RowName = AttributeChange['name'];

export interface AttributeRow {
  name: RowName;
  baseline: Value;
  current: Value;
  changed: boolean;
  notChecked?: AttributeChange['notChecked'];
}

/** Every attribute either side has, in the contract's order; the changed ones flagged. */
export function attributeRows(event: FimEvent): AttributeRow[] {
  const changes = new Map<RowName, AttributeChange>(event.attributes.map((a) => [a.name, a]));
  const rows: AttributeRow[] = [];
  const names: RowName[] = [...CORE_ATTRIBUTES, ...EXTENDED_ATTRIBUTES];
  if (changes.has('hostKey')) names.unshift('hostKey');
  for (const name of names) {
    if (name === 'content') continue; // shown as a diff below
    const change = changes.get(name);
    const baseline = change ? change.baseline : entryValue(event.baselineEntry, name);
    const current = change ? change.current : entryValue(event.currentEntry, name);
    if (!change && baseline === undefined && current === undefined) continue;
    // Extended attributes (xattrs, acl, …) only when they say something.
    const extended = (EXTENDED_ATTRIBUTES as readonly string[]).includes(name);
    if (extended && !change && (baseline ?? null) === null && (current ?? null) === null) continue;
    rows.push({ name, baseline, current, changed: Boolean(change), ...(change?.notChecked ? { notChecked: change.notChecked } : {}) });
  }
  return rows;
}

export function EventDetails({ event, onClose, onAccepted }: { event: FimEvent; onClose: () => void; onAccepted: (events: FimEvent[]) => void }) {
  const rows = attributeRows(event);
  const content = event.attributes.find((a) => a.name === 'content');
  const changedNames = event.attributes.map((a) => a.name);
  const mode = event.attributes.find((a) => a.name === 'mode');
  const modeWords = mode ? modeChanges(mode.baseline, mode.current) : [];

  return (
    <aside className="details" aria-label={`Event ${event.id} details`} data-testid="event-details">
      <div className="details-head">
        <div className="details-title">
          <div className="chips">
            {event.critical ? <Badge tone="critical">Critical</Badge> : <Badge tone="neutral">Non-critical</Badge>}
            <Badge tone={event.change === 'removed' ? 'bad' : event.change === 'added' ? 'info' : 'warn'}>{CHANGE_LABEL[event.change]}</Badge>
            <Badge tone={event.status === 'open' ? 'warn' : event.status === 'accepted' ? 'ok' : 'neutral'}>{event.status}</Badge>
            {event.alert ? <Badge tone="info">alert</Badge> : null}
          </div>
          <h2 className="mono path" title={event.path}>
            {event.path}
          </h2>
        </div>
        <button type="button" className="icon-btn" aria-label="Close details" onClick={onClose}>
          ×
        </button>
      </div>

      <dl className="meta">
        <dt>Server</dt>
        <dd>{event.server}</dd>
        <dt>Group</dt>
        <dd>{event.group}</dd>
        <dt>Policy</dt>
        <dd>{event.policy}</dd>
        <dt>First seen</dt>
        <dd>{formatTime(event.firstSeen)}</dd>
        <dt>Last seen</dt>
        <dd>{formatTime(event.lastSeen)}</dd>
        <dt>Event</dt>
        <dd>#{event.id}</dd>
      </dl>

      {event.error ? <ErrorNotice error={`The scanner could not fully read this entry: ${event.error}`} /> : null}
      {event.accepted ? (
        <div className="accepted-note">
          Accepted {event.accepted.scope === 'baseline' ? 'into the baseline' : 'for this server'} by <strong>{event.accepted.by}</strong>,{' '}
          {formatTime(event.accepted.at)}
          {event.accepted.note ? <blockquote>{event.accepted.note}</blockquote> : null}
        </div>
      ) : null}
      {event.resolvedAt ? <p className="muted">Resolved {formatTime(event.resolvedAt)}: the entry matches the baseline again.</p> : null}

      <h3>
        Changed attributes{' '}
        {changedNames.length ? (
          <span className="chips inline">
            {changedNames.map((n) => (
              <span key={n} className="chip changed">
                {n}
              </span>
            ))}
          </span>
        ) : (
          <span className="muted small">none listed</span>
        )}
      </h3>

      <table className="table sbs" aria-label="Baseline and current metadata">
        <thead>
          <tr>
            <th>Attribute</th>
            <th>Baseline {event.baselineEntry === null && event.change !== 'host_key_mismatch' ? <span className="muted">(not in baseline)</span> : null}</th>
            <th>Current {event.currentEntry === null && event.change !== 'host_key_mismatch' ? <span className="muted">(missing now)</span> : null}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.name} className={r.changed ? 'changed' : undefined} data-attribute={r.name} data-changed={r.changed ? 'true' : 'false'}>
              <th scope="row">
                {r.changed ? (
                  <span className="changed-mark" aria-label="changed">
                    ●
                  </span>
                ) : null}{' '}
                {r.name}
              </th>
              <td className="mono" title={r.baseline === null || r.baseline === undefined ? undefined : String(r.baseline)}>
                {r.notChecked === 'baseline' || r.notChecked === 'both' ? <span className="muted">{NOT_CHECKED}</span> : showValue(r.name, r.baseline)}
              </td>
              <td className="mono" title={r.current === null || r.current === undefined ? undefined : String(r.current)}>
                {r.notChecked === 'current' || r.notChecked === 'both' ? <span className="muted">{NOT_CHECKED}</span> : showValue(r.name, r.current)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {modeWords.length ? (
        <p className="mode-words" data-testid="mode-words">
          Mode: {modeWords.join(', ')}
        </p>
      ) : null}

      {content ? <ContentDiff change={content} /> : null}

      {event.status === 'open' ? <AcceptForm event={event} onAccepted={onAccepted} /> : null}
    </aside>
  );
}

function ContentDiff({ change }: { change: AttributeChange }) {
  let lines: DiffLine[] | null = null;
  let why: string | null = change.skipped ?? null;
  if (change.diff !== undefined) lines = parseUnifiedDiff(change.diff);
  else if (!why && (change.baseline !== null || change.current !== null)) {
    const before = change.baseline === null ? '' : String(change.baseline);
    const after = change.current === null ? '' : String(change.current);
    if (isUnifiedDiff(after) && !before) lines = parseUnifiedDiff(after);
    else {
      const full = diffLines(before, after);
      lines = full ? withContext(full) : null;
      if (!full) why = 'the content is too long for a line diff here';
    }
  }
  return (
    <div className="content-diff">
      <h3>Content</h3>
      {lines ? (
        <pre className="diff" aria-label="Content diff">
          {lines.map((l, i) => (
            <div key={i} className={`diff-${l.kind}`}>
              <span className="diff-sign">{l.kind === 'add' ? '+' : l.kind === 'del' ? '−' : l.kind === 'hunk' ? '' : ' '}</span>
              {l.text}
            </div>
          ))}
        </pre>
      ) : (
        <p className="muted">The content changed, but no diff can be shown: {why ?? 'the text was not kept'}.</p>
      )}
    </div>
  );
}

function AcceptForm({ event, onAccepted }: { event: FimEvent; onAccepted: (events: FimEvent[]) => void }) {
  const perform = useConsole((s) => s.perform);
  const notify = useConsole((s) => s.notify);
  const { busy, error, run } = useAction();
  const [note, setNote] = useState('');
  const [scope, setScope] = useState<AcceptScope>('server');

  async function submit(e: FormEvent) {
    e.preventDefault();
    const accepted = await run(() => perform('events/accept', { ids: [event.id], note: note.trim(), scope }, ['dashboard', 'servers']));
    if (accepted) {
      notify('success', `Accepted ${event.path} on ${event.server} ${scope === 'baseline' ? 'into the baseline' : 'for this server'}.`);
      onAccepted(accepted);
    }
  }

  return (
    <form className="accept form" onSubmit={(e) => void submit(e)} aria-label="Accept this change">
      <h3>Accept this change</h3>
      <div className="accept-scopes">
        <label className="radio">
          <input type="radio" name="accept-scope" checked={scope === 'server'} onChange={() => setScope('server')} />
          <span>
            <strong>For this server</strong>
            <span className="muted small"> — {event.server} may differ from the gold master here; other servers are still checked.</span>
          </span>
        </label>
        <label className="radio">
          <input type="radio" name="accept-scope" checked={scope === 'baseline'} onChange={() => setScope('baseline')} />
          <span>
            <strong>Into the baseline</strong>
            <span className="muted small"> — the baseline takes this state; every server is compared with it from now on.</span>
          </span>
        </label>
      </div>
      <Field label="Note" htmlFor="accept-note" hint="Kept with the event for auditors: who approved it, and why.">
        <textarea id="accept-note" rows={2} value={note} onChange={(e) => setNote(e.target.value)} placeholder="CHG-1234: planned sshd hardening" />
      </Field>
      <ErrorNotice error={error} />
      <div className="form-actions">
        <button type="submit" className="btn primary" disabled={busy}>
          {busy ? 'Accepting…' : 'Accept change'}
        </button>
      </div>
    </form>
  );
}
