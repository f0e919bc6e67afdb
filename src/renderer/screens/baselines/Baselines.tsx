// Gold-master baselines: request one from one or more servers (with expiry and comment), read its
// report (targets found, missing, unreadable), and manage the baselines on record.
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type { BaselineRun } from '../../../shared/api.js';
import type { BaselineInfo } from '../../../shared/domain.js';
import { ConfirmRemoval } from '../../components/Dialog.js';
import { ProgressTable } from '../../components/Progress.js';
import { Badge, Card, EmptyState, ErrorNotice, Field, PageHeader, ResourceStatus } from '../../components/ui.js';
import { formatTime, plural, timeAgo } from '../../components/format.js';
import { useAction, useConsole, useResource } from '../../state/context.js';
import { hrefFor } from '../../state/router.js';

function dateInDays(days: number): string {
  const d = new Date(Date.now() + days * 86400_000);
  return d.toISOString().slice(0, 10);
}

/** Active (compared with), expired or superseded (kept for the record, no longer compared with), with the date. */
function BaselineStatus({ baseline: b }: { baseline: BaselineInfo }) {
  if (b.status === 'superseded') {
    return (
      <span title={`Replaced by ${b.supersededBy === null ? 'a later baseline (since removed)' : `baseline #${b.supersededBy}`} of the same server; kept, no longer compared with.`}>
        <Badge tone="neutral">superseded</Badge> <span className="small muted">{formatTime(b.supersededAt)}</span>
      </span>
    );
  }
  if (b.status === 'expired') return <Badge tone="bad" title={`Expired ${formatTime(b.expiresAt)}; kept, no longer compared with.`}>expired</Badge>;
  return <Badge tone="info" title="Scans compare with it">active</Badge>;
}

export function Baselines() {
  const baselines = useResource('baselines');
  const policies = useResource('policies');
  const servers = useResource('servers');
  const groups = useResource('groups');
  const perform = useConsole((s) => s.perform);
  const baselineProgress = useConsole((s) => s.baselineProgress);
  const progressRows = Object.values(baselineProgress).sort((a, b) => a.server.localeCompare(b.server));
  const notify = useConsole((s) => s.notify);
  const load = useConsole((s) => s.load);
  const request = useAction();
  const removal = useAction();

  const [policy, setPolicy] = useState('');
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const [expires, setExpires] = useState('');
  const [comment, setComment] = useState('');
  const [add, setAdd] = useState(false);
  const [report, setReport] = useState<BaselineRun | null>(null);
  const [filter, setFilter] = useState('');
  const [removing, setRemoving] = useState<BaselineInfo | null>(null);

  const policyList = useMemo(() => policies.data ?? [], [policies.data]);
  const serverList = useMemo(() => servers.data ?? [], [servers.data]);
  const activePolicy = policy || policyList[0]?.name || '';
  const groupsWithPolicy = new Set((groups.data ?? []).filter((g) => g.policies.includes(activePolicy)).map((g) => g.name));
  const suggested = serverList.filter((s) => s.group && groupsWithPolicy.has(s.group)).map((s) => s.name);

  function pickPolicy(name: string) {
    setPolicy(name);
    const inGroups = new Set((groups.data ?? []).filter((g) => g.policies.includes(name)).map((g) => g.name));
    setChosen(new Set(serverList.filter((s) => s.group && inGroups.has(s.group)).map((s) => s.name)));
  }

  // Once the lists are in, start from the first policy with its suggested servers ticked.
  const [initialized, setInitialized] = useState(false);
  useEffect(() => {
    if (initialized || !policyList[0] || !servers.data || !groups.data) return;
    setInitialized(true);
    pickPolicy(policyList[0].name);
  }, [initialized, policyList, servers.data, groups.data]);

  function toggle(name: string) {
    const next = new Set(chosen);
    if (next.has(name)) next.delete(name);
    else next.add(name);
    setChosen(next);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setReport(null);
    const run = await request.run(() =>
      perform(
        'baselines/create',
        { policy: activePolicy, servers: [...chosen], add, ...(expires ? { expires } : {}), ...(comment.trim() ? { comment: comment.trim() } : {}) },
        ['baselines', 'dashboard', 'scans'],
      ),
    );
    if (run) {
      setReport(run);
      notify(run.failures.length ? 'error' : 'success', `Baseline: ${plural(run.reports.length, 'server')} recorded, ${run.failures.length} failed.`);
    }
  }

  const list = (baselines.data ?? []).filter((b) => !filter || b.policy === filter);

  return (
    <div className="screen">
      <PageHeader title="Baselines" subtitle="The gold-master state scans compare against. A baseline is taken from one or more servers you trust." />

      {policyList.length === 0 || serverList.length === 0 ? (
        <EmptyState
          title="Nothing to baseline yet"
          action={
            <a className="btn primary" href={hrefFor(serverList.length === 0 ? 'servers' : 'policies')}>
              {serverList.length === 0 ? 'Add a server' : 'Create a policy'}
            </a>
          }
        >
          <p>A baseline needs a policy with at least one target, and a server to read it from.</p>
        </EmptyState>
      ) : (
        <Card title="Request a baseline">
          <form className="form" onSubmit={(e) => void submit(e)}>
            <div className="field-row">
              <Field label="Policy" htmlFor="bl-policy">
                <select id="bl-policy" value={activePolicy} onChange={(e) => pickPolicy(e.target.value)}>
                  {policyList.map((p) => (
                    <option key={p.name} value={p.name}>
                      {p.name} ({plural(p.targets.length, 'target')})
                    </option>
                  ))}
                </select>
              </Field>
              <Field label="Expires" htmlFor="bl-expires" hint="Optional. After this date the dashboard asks for a new baseline.">
                <div className="inline-form">
                  <input id="bl-expires" type="date" value={expires} min={dateInDays(1)} onChange={(e) => setExpires(e.target.value)} />
                  <button type="button" className="btn small" onClick={() => setExpires(dateInDays(30))}>
                    30 days
                  </button>
                  <button type="button" className="btn small" onClick={() => setExpires(dateInDays(90))}>
                    90 days
                  </button>
                  {expires ? (
                    <button type="button" className="btn small" onClick={() => setExpires('')}>
                      Never
                    </button>
                  ) : null}
                </div>
              </Field>
            </div>
            <fieldset className="fieldset">
              <legend>Gold-master servers</legend>
              {suggested.length ? <p className="hint">Servers in groups that use {activePolicy} are suggested.</p> : null}
              <div className="server-picks">
                {serverList.map((s) => (
                  <label key={s.name} className="check">
                    <input type="checkbox" checked={chosen.has(s.name)} onChange={() => toggle(s.name)} /> {s.name}
                    {suggested.includes(s.name) ? <span className="muted small"> · in {s.group}</span> : null}
                  </label>
                ))}
              </div>
            </fieldset>
            <Field label="Comment" htmlFor="bl-comment" hint="Why this baseline: a change ticket, a release.">
              <input id="bl-comment" value={comment} onChange={(e) => setComment(e.target.value)} placeholder="CHG-1234 after the March patch window" />
            </Field>
            <label className="check">
              <input type="checkbox" checked={add} onChange={(e) => setAdd(e.target.checked)} /> Keep these servers&apos; current baselines of {activePolicy || 'the policy'} as
              further gold masters (otherwise the new baseline supersedes them: kept, no longer compared with)
            </label>
            <ErrorNotice error={request.error} />
            <div className="form-actions">
              <button type="submit" className="btn primary" disabled={request.busy || chosen.size === 0 || !activePolicy}>
                {request.busy ? 'Taking baseline…' : `Request baseline from ${plural(chosen.size, 'server')}`}
              </button>
            </div>
          </form>
        </Card>
      )}

      {progressRows.length ? (
        <Card title={progressRows.some((r) => r.status === 'queued' || r.status === 'running') ? `Baseline of ${progressRows[0]!.policy} in progress` : `Last baseline of ${progressRows[0]!.policy}`} className="progress-card">
          <ProgressTable rows={progressRows} label="Baseline progress" />
        </Card>
      ) : null}

      {report ? <BaselineReportView run={report} /> : null}

      <Card
        title="Baselines on record"
        actions={
          <select value={filter} onChange={(e) => setFilter(e.target.value)} aria-label="Filter baselines by policy">
            <option value="">All policies</option>
            {policyList.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name}
              </option>
            ))}
          </select>
        }
      >
        <ErrorNotice error={removal.error} />
        <ResourceStatus resource={baselines} what="baselines" onRetry={() => void load('baselines')} />
        {!baselines.data ? null : list.length === 0 ? (
          <p className="muted pad">No baselines yet. Request one above; scans of a policy without a baseline have nothing to compare with.</p>
        ) : (
          <table className="table" aria-label="Baselines">
            <thead>
              <tr>
                <th>#</th>
                <th>Policy</th>
                <th>Server</th>
                <th>Status</th>
                <th>Taken</th>
                <th>Expires</th>
                <th className="num">Entries</th>
                <th>Comment</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.map((b) => (
                <tr key={b.id} data-baseline-id={b.id} data-status={b.status}>
                  <td className="muted">{b.id}</td>
                  <td>{b.policy}</td>
                  <td>{b.server}</td>
                  <td>
                    <BaselineStatus baseline={b} />
                  </td>
                  <td title={formatTime(b.createdAt)}>{timeAgo(b.createdAt)}</td>
                  <td>{b.expiresAt ? formatTime(b.expiresAt) : <span className="muted">never</span>}</td>
                  <td className="num">{b.entries.toLocaleString()}</td>
                  <td className="truncate" title={b.comment}>
                    {b.comment || <span className="muted">—</span>}
                  </td>
                  <td className="row-actions">
                    <button type="button" className="btn small danger" onClick={() => setRemoving(b)}>
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>

      <ConfirmRemoval
        title="Remove baseline"
        open={removing !== null}
        onClose={() => setRemoving(null)}
        confirmLabel="Remove baseline"
        onConfirm={() => {
          if (!removing) return;
          const id = removing.id;
          setRemoving(null);
          void removal.run(() => perform('baselines/remove', { id }, ['baselines', 'dashboard']));
        }}
      >
        Remove baseline #{removing?.id} of <strong>{removing?.policy}</strong> from <strong>{removing?.server}</strong>? Scans compare against the remaining
        baselines of the policy.
      </ConfirmRemoval>
    </div>
  );
}

export function BaselineReportView({ run }: { run: BaselineRun }) {
  return (
    <Card title="Baseline report" className="report">
      {run.failures.map((f) => (
        <div key={f.server} className="error-notice" role="alert">
          <span>
            <strong>{f.server}</strong>: no baseline was taken — {f.reason}
          </span>
        </div>
      ))}
      {run.reports.map((r) => {
        const missing = r.targets.filter((t) => t.state === 'missing').length;
        const unreadable = r.targets.reduce((n, t) => n + t.unreadable.length, 0);
        return (
          <div key={r.baseline.id} className="report-block">
            <h3>
              {r.baseline.server} <span className="muted small">· baseline #{r.baseline.id} of {r.baseline.policy}</span>
            </h3>
            <p className="report-summary">
              <Badge tone="ok">{plural(r.targets.length - missing, 'target')} found</Badge>{' '}
              <Badge tone={missing ? 'warn' : 'neutral'}>{missing} missing</Badge>{' '}
              <Badge tone={unreadable ? 'warn' : 'neutral'}>{unreadable} unreadable</Badge>{' '}
              <span className="muted">{plural(r.baseline.entries, 'entry', 'entries')} recorded</span>
            </p>
            <table className="table compact">
              <thead>
                <tr>
                  <th>Target</th>
                  <th>State</th>
                  <th className="num">Entries</th>
                  <th>Unreadable</th>
                </tr>
              </thead>
              <tbody>
                {r.targets.map((t) => (
                  <tr key={t.path}>
                    <td className="mono">{t.path}</td>
                    <td>{t.state === 'found' ? <Badge tone="ok">found</Badge> : <Badge tone="warn">missing</Badge>}</td>
                    <td className="num">{t.entries.toLocaleString()}</td>
                    <td className="mono small">
                      {t.unreadable.length === 0 ? (
                        <span className="muted">none</span>
                      ) : (
                        <details>
                          <summary>{plural(t.unreadable.length, 'path')}</summary>
                          <ul>
                            {t.unreadable.slice(0, 200).map((p) => (
                              <li key={p}>{p}</li>
                            ))}
                          </ul>
                        </details>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        );
      })}
    </Card>
  );
}
