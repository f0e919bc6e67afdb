// One event: baseline and current metadata side by side with the changed attributes marked, the
// content diff when there is one, and accept (for this server, or into the baseline) with a note.
import { useState, type FormEvent } from 'react';
import type { AcceptScope, AttributeChange, Entry, FimEvent } from '../../../shared/domain.js';
import { CORE_ATTRIBUTES, EXTENDED_ATTRIBUTES, NOT_CHECKED } from '../../../shared/attributes.js';
import { modeChanges } from '../../../shared/human-text.js';
import { Badge, ErrorNotice, Field } from '../../components/ui.js';
import { formatEpoch, formatTime } from '../../components/format.js';
import { useAction, useConsole } from '../../state/context.js';
import { parseUnifiedDiff } from './diff.js';

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
            {event.change === 'host_key_mismatch' ? `Host key of ${event.server}` : event.path}
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
        <dd>{event.policy || '—'}</dd>
        <dt>First seen</dt>
        <dd>{formatTime(event.firstSeen)}</dd>
        <dt>Last seen</dt>
        <dd>{formatTime(event.lastSeen)}</dd>
        <dt>Event</dt>
        <dd>#{event.id}</dd>
      </dl>

      {event.error && event.change !== 'host_key_mismatch' ? <ErrorNotice error={`The scanner could not fully read this entry: ${event.error}`} /> : null}
      {event.accepted ? (
        <div className="accepted-note">
          Accepted {event.accepted.scope === 'baseline' ? 'into the baseline' : 'for this server'} by <strong>{event.accepted.by}</strong>,{' '}
          {formatTime(event.accepted.at)}
          {event.accepted.note ? <blockquote>{event.accepted.note}</blockquote> : null}
        </div>
      ) : null}
      {event.resolvedAt ? (
        <p className="muted">
          Resolved {formatTime(event.resolvedAt)}: {event.resolution ?? 'the entry matches the baseline again.'}
        </p>
      ) : null}
      {event.retired ? (
        <p className="muted" data-testid="retired-note">
          Retired {formatTime(event.retired.at)}: {event.retired.reason}. Kept in the history and reports; nothing is left to do.
        </p>
      ) : null}
      {event.change === 'host_key_mismatch' && event.status === 'open' ? <HostKeyActions event={event} onAccepted={onAccepted} /> : null}

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

      {content ? <ContentDiff change={content} /> : <KeptContent event={event} />}

      {event.acceptScopes.length ? <AcceptForm event={event} onAccepted={onAccepted} /> : null}
    </aside>
  );
}

/** The unified diff the engine stored with the content change, or why it has none. */
function ContentDiff({ change }: { change: AttributeChange }) {
  const lines = change.diff !== undefined ? parseUnifiedDiff(change.diff) : null;
  const why = change.skipped ?? null;
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

/**
 * An added file's kept content (a new cron job, a sudoers drop-in), or a removed one's as it was in
 * the baseline: masked by the scanner before it was stored, shown as a diff from (or to) nothing.
 */
function KeptContent({ event }: { event: FimEvent }) {
  const side = event.change === 'added' ? event.currentEntry : event.change === 'removed' ? event.baselineEntry : null;
  const kept = side?.content;
  if (!kept) return null;
  const sign = event.change === 'added' ? '+' : '−';
  const title = event.change === 'added' ? 'Content of the added file' : 'Content of the removed file (as in the baseline)';
  return (
    <div className="content-diff kept-content">
      <h3>{title}</h3>
      {'text' in kept ? (
        <>
          <pre className="diff" aria-label={title}>
            {splitLines(kept.text).map((line, i) => (
              <div key={i} className={event.change === 'added' ? 'diff-add' : 'diff-del'}>
                <span className="diff-sign">{sign}</span>
                {line}
              </div>
            ))}
          </pre>
          {kept.masked ? (
            <p className="muted small note">
              {kept.masked === 1 ? '1 line matches' : `${kept.masked} lines match`} a secret pattern and {kept.masked === 1 ? 'is' : 'are'} masked: the text was never stored.
            </p>
          ) : null}
        </>
      ) : (
        <p className="muted">No content is shown: {kept.skipped}.</p>
      )}
    </div>
  );
}

/** The lines of a text; an empty file is one empty line, and a final newline ends the last line. */
function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 1 && lines.at(-1) === '') lines.pop();
  return lines;
}

/**
 * A changed host key is not a file to accept: either the new key is legitimate (it is pinned, on
 * record, and the event resolved) or it is investigated (the event stays open, scans stay refused).
 */
function HostKeyActions({ event, onAccepted }: { event: FimEvent; onAccepted: (events: FimEvent[]) => void }) {
  const perform = useConsole((s) => s.perform);
  const notify = useConsole((s) => s.notify);
  const { busy, error, run } = useAction();
  const [investigating, setInvestigating] = useState(false);
  const key = event.attributes.find((a) => a.name === 'hostKey');

  async function legitimate() {
    const resolved = await run(() => perform('events/trustHostKey', { id: event.id }, ['dashboard', 'servers']));
    if (resolved) {
      notify('success', `Pinned the new host key of ${event.server}; event #${event.id} is resolved.`);
      onAccepted([resolved]);
    }
  }

  return (
    <section className="hostkey-actions form" aria-label="Settle the host key">
      <h3>The host key of {event.server} changed</h3>
      <div className="keys">
        <span className="muted">Pinned</span>
        <code className="fingerprint" data-testid="pinned-key">
          {String(key?.baseline ?? '')}
        </code>
        <span className="muted">Presented</span>
        <code className="fingerprint" data-testid="presented-key">
          {String(key?.current ?? '')}
        </code>
      </div>
      <p className="hint">
        Scans of {event.server} are refused until this is settled. Compare the presented key with <code>ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub</code> run on the
        server&apos;s own console.
      </p>
      <ErrorNotice error={error} />
      <div className="form-actions">
        <button type="button" className="btn" onClick={() => setInvestigating(true)}>
          Investigate
        </button>
        <button type="button" className="btn primary" disabled={busy} onClick={() => void legitimate()}>
          {busy ? 'Pinning…' : 'The new key is legitimate'}
        </button>
      </div>
      {investigating ? (
        <p className="muted" role="status">
          The event stays open and nothing is pinned: someone may be posing as {event.server}. Scans of it stay refused until the key is settled.
        </p>
      ) : null}
    </section>
  );
}

function AcceptForm({ event, onAccepted }: { event: FimEvent; onAccepted: (events: FimEvent[]) => void }) {
  const perform = useConsole((s) => s.perform);
  const notify = useConsole((s) => s.notify);
  const { busy, error, run } = useAction();
  const [note, setNote] = useState('');
  const [scope, setScope] = useState<AcceptScope>('server');
  const offered = (s: AcceptScope) => event.acceptScopes.includes(s);

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
      <AcceptScopes
        name="accept-scope"
        scope={scope}
        onChange={setScope}
        server={['For this server', `${event.server} may differ from the gold master here; other servers are still checked.`]}
        baseline={offered('baseline') ? 'the baseline takes this state; every server is compared with it from now on.' : null}
      />
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

/** For the server (its own exception) or into the baseline (every server held to it): the accept forms' choice. */
/** `baseline`: why one would accept into the baseline, or null where the event does not offer it (acceptScopes). */
export function AcceptScopes(props: { name: string; scope: AcceptScope; onChange: (scope: AcceptScope) => void; server: [string, string]; baseline: string | null }) {
  const choices: [AcceptScope, string, string][] = [['server', ...props.server]];
  if (props.baseline !== null) choices.push(['baseline', 'Into the baseline', props.baseline]);
  return (
    <div className="accept-scopes">
      {choices.map(([scope, title, why]) => (
        <label key={scope} className="radio">
          <input type="radio" name={props.name} checked={props.scope === scope} onChange={() => props.onChange(scope)} />
          <span>
            <strong>{title}</strong>
            <span className="muted small"> — {why}</span>
          </span>
        </label>
      ))}
    </div>
  );
}
