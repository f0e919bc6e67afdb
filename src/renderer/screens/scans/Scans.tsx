// Scans: launch on all servers, a group or a selection; watch each server's progress live (from the
// engine's scan/progress pushes); read the history.
import { useEffect, useMemo, useState } from 'react';
import type { ScanRequest } from '../../../shared/api.js';
import type { PolicyOutcome, ScanRecord } from '../../../shared/domain.js';
import { Badge, Card, EmptyState, ErrorNotice, Loading, PageHeader, ResourceStatus, ScanBadge } from '../../components/ui.js';
import { formatTime, plural, timeAgo } from '../../components/format.js';
import { ProgressText, ServerStatusCells, useTicking } from '../../components/Progress.js';
import { useConsole, useResource } from '../../state/context.js';
import { hrefFor } from '../../state/router.js';

type Scope = 'all' | 'group' | 'servers';

function duration(startIso: string, endIso?: string): string {
  if (!endIso) return '—';
  const ms = new Date(endIso).getTime() - new Date(startIso).getTime();
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export function Scans() {
  const servers = useResource('servers');
  const groups = useResource('groups');
  const scans = useResource('scans');
  const load = useConsole((s) => s.load);
  const runScan = useConsole((s) => s.runScan);
  const scan = useConsole((s) => s.scan);
  const progress = useConsole((s) => s.progress);
  const [scope, setScope] = useState<Scope>('all');
  const [group, setGroup] = useState('');
  const [picked, setPicked] = useState<ReadonlySet<string>>(new Set());
  const [now, setNow] = useState(() => Date.now());

  const running = scan !== null && scan.finishedAt === null;
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [running]);

  const serverList = useMemo(() => servers.data ?? [], [servers.data]);
  const groupList = useMemo(() => (groups.data ?? []).map((g) => g.name), [groups.data]);
  const activeGroup = group || groupList[0] || '';

  const request: ScanRequest | null =
    scope === 'all' ? { all: true } : scope === 'group' ? (activeGroup ? { groups: [activeGroup] } : null) : picked.size ? { servers: [...picked] } : null;

  function toggle(name: string) {
    const next = new Set(picked);
    if (next.has(name)) next.delete(name);
    else next.add(name);
    setPicked(next);
  }

  const rows = Object.values(progress).sort((a, b) => a.server.localeCompare(b.server));
  const finished = rows.filter((r) => r.status !== 'queued' && r.status !== 'running').length;
  // Scans started by the CLI or a schedule report their progress here too.
  const busyElsewhere = scan === null && finished < rows.length;
  const tick = useTicking(rows);

  return (
    <div className="screen">
      <PageHeader title="Scans" subtitle="A scan reads every target of every policy on each server and compares it with the baseline." />
      {serverList.length === 0 && servers.data ? (
        <EmptyState
          title="No servers to scan"
          action={
            <a className="btn primary" href={hrefFor('servers')}>
              Add a server
            </a>
          }
        >
          <p>Add a server first — Monitor this machine takes one click.</p>
        </EmptyState>
      ) : (
        <Card title="Launch a scan">
          <div className="scope">
            <label className="radio">
              <input type="radio" name="scan-scope" checked={scope === 'all'} onChange={() => setScope('all')} /> All servers ({serverList.length})
            </label>
            <label className="radio">
              <input type="radio" name="scan-scope" checked={scope === 'group'} onChange={() => setScope('group')} disabled={groupList.length === 0} /> A
              group{' '}
              <select
                value={activeGroup}
                onChange={(e) => {
                  setGroup(e.target.value);
                  setScope('group');
                }}
                disabled={groupList.length === 0}
                aria-label="Group to scan"
              >
                {groupList.map((g) => (
                  <option key={g} value={g}>
                    {g}
                  </option>
                ))}
              </select>
            </label>
            <label className="radio">
              <input type="radio" name="scan-scope" checked={scope === 'servers'} onChange={() => setScope('servers')} /> Selected servers
            </label>
            {scope === 'servers' ? (
              <div className="server-picks">
                {serverList.map((s) => (
                  <label key={s.name} className="check">
                    <input type="checkbox" checked={picked.has(s.name)} onChange={() => toggle(s.name)} /> {s.name}
                  </label>
                ))}
              </div>
            ) : null}
          </div>
          <div className="form-actions">
            <button type="button" className="btn primary" disabled={!request || running} onClick={() => request && void runScan(request)}>
              {running ? 'Scan running…' : 'Launch scan'}
            </button>
          </div>
        </Card>
      )}

      {scan || rows.length ? (
        <Card
          title={running ? 'Scan in progress' : scan ? 'Last scan from this console' : busyElsewhere ? 'Scan in progress (started elsewhere)' : 'Last scan'}
          actions={
            <span className="muted small">
              {scan === null
                ? 'from the engine, as it happens'
                : running
                  ? `running for ${Math.max(0, Math.round((now - scan.startedAt) / 1000))} s`
                  : `finished ${timeAgo(new Date(scan.finishedAt ?? Date.now()).toISOString())}`}
            </span>
          }
          className="progress-card"
        >
          {rows.length ? (
            <>
              <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={rows.length} aria-valuenow={finished} aria-label="Servers finished">
                <div className="progress-bar" style={{ width: `${(finished / rows.length) * 100}%` }} />
              </div>
              <p className="muted small">
                {finished} of {plural(rows.length, 'server')} done
              </p>
            </>
          ) : running ? (
            <Loading what="the server list of this scan" />
          ) : null}
          <ErrorNotice error={scan?.error} />
          {rows.length ? (
            <table className="table compact" aria-label="Scan progress">
              <thead>
                <tr>
                  <th>Server</th>
                  <th>Status</th>
                  <th className="num">Entries</th>
                  <th className="num">Added</th>
                  <th className="num">Removed</th>
                  <th className="num">Modified</th>
                  <th className="num">Open events</th>
                  <th>Progress</th>
                  <th>Details</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => {
                  const result = scan?.result?.servers.find((s) => s.name === r.server);
                  return (
                    <tr key={r.server} data-server={r.server} data-status={r.status}>
                      <ServerStatusCells row={r} />
                      <td className="num">{(result?.counts?.entries ?? r.entries)?.toLocaleString() ?? '—'}</td>
                      <td className="num">{result?.counts?.added ?? '—'}</td>
                      <td className="num">{result?.counts?.removed ?? '—'}</td>
                      <td className="num">{result?.counts?.modified ?? '—'}</td>
                      <td className="num">
                        {result?.openEvents ? <a href={hrefFor('events', { server: r.server })}>{result.openEvents}</a> : (result?.openEvents ?? '—')}
                      </td>
                      <td className="small">
                        <ProgressText row={r} now={tick} />
                      </td>
                      <td className="small">
                        {r.reason ?? result?.reason ?? ''}
                        {result?.warnings?.length ? <div className="muted">{result.warnings.join('; ')}</div> : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          ) : null}
          {scan?.result && scan.result.events.length ? (
            <p>
              <a className="btn small primary" href={hrefFor('events', { status: 'open' })}>
                See {plural(scan.result.events.length, 'open event')}
              </a>
            </p>
          ) : null}
        </Card>
      ) : null}

      <Card title="History" actions={<span className="muted small">latest 200 scans and baselines</span>}>
        <ResourceStatus resource={scans} what="scan history" onRetry={() => void load('scans')} />
        {!scans.data ? null : scans.data.length === 0 ? (
          <p className="muted pad">No scans yet. Launch one above once the server has a baseline.</p>
        ) : (
          <HistoryTable records={scans.data} />
        )}
      </Card>
    </div>
  );
}

/** Each policy of a scan: compared, or not compared (its own colour; the reason on hover). */
function PolicyOutcomes({ outcomes }: { outcomes: PolicyOutcome[] | undefined }) {
  if (!outcomes?.length) return <span className="muted">—</span>;
  return (
    <ul className="chips" aria-label="Policy outcomes">
      {outcomes.map((o) => (
        <li key={o.policy} data-outcome={o.status}>
          <Badge tone={o.status === 'compared' ? 'neutral' : 'uncompared'} title={o.reason ?? 'compared with its baselines and recorded state'}>
            {o.policy}: {o.status === 'compared' ? 'compared' : 'not compared'}
          </Badge>
        </li>
      ))}
    </ul>
  );
}

function HistoryTable({ records }: { records: ScanRecord[] }) {
  return (
    <table className="table" aria-label="Scan history">
      <thead>
        <tr>
          <th>#</th>
          <th>Server</th>
          <th>Kind</th>
          <th>Status</th>
          <th>Started</th>
          <th>Took</th>
          <th className="num">Entries</th>
          <th className="num">Changes</th>
          <th className="num">Unreadable</th>
          <th>Policies</th>
          <th>Notes</th>
        </tr>
      </thead>
      <tbody>
        {records.map((r) => (
          <tr key={r.id} data-scan-id={r.id} data-status={r.status}>
            <td className="muted">{r.id}</td>
            <td>{r.server}</td>
            <td>{r.kind === 'scan' ? 'scan' : <Badge tone="info">{r.kind}</Badge>}</td>
            <td>
              {/* A baseline records a state, it compares nothing: never shown as a clean result. */}
              {r.kind !== 'scan' && r.status === 'completed_clean' ? <Badge tone="info">Recorded</Badge> : <ScanBadge status={r.status} />}
            </td>
            <td title={formatTime(r.startedAt)}>{timeAgo(r.startedAt)}</td>
            <td>{duration(r.startedAt, r.finishedAt)}</td>
            <td className="num">{r.counts.entries.toLocaleString()}</td>
            <td className="num mono small">
              <span className="add">+{r.counts.added}</span> <span className="del">−{r.counts.removed}</span> <span className="mod">~{r.counts.modified}</span>
            </td>
            <td className="num">{r.counts.unreadable}</td>
            <td>
              <PolicyOutcomes outcomes={r.policies} />
            </td>
            <td className="small truncate narrow" title={[r.reason, ...r.warnings].filter(Boolean).join('\n')}>
              {r.reason ?? r.warnings.join('; ')}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
