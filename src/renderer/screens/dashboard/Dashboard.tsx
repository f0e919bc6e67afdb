// The fleet at a glance: open events, scan health per group and server, baselines about to expire,
// and — for a newcomer — the next step to take.
import type { ServerSummary } from '../../../shared/api.js';
import { Badge, Card, EmptyState, ErrorNotice, Loading, PageHeader, ScanBadge } from '../../components/ui.js';
import { formatTime, plural, timeAgo } from '../../components/format.js';
import { useConsole, useResource } from '../../state/context.js';
import { hrefFor } from '../../state/router.js';

export function Dashboard() {
  const dashboard = useResource('dashboard');
  const policies = useResource('policies');
  const baselines = useResource('baselines');
  const groups = useResource('groups');
  const scans = useResource('scans');
  const load = useConsole((s) => s.load);
  const runScan = useConsole((s) => s.runScan);
  const scanning = useConsole((s) => s.scan !== null && s.scan.finishedAt === null);

  const data = dashboard.data;
  if (!data) {
    if (dashboard.error) return <ErrorNotice error={dashboard.error} onRetry={() => void load('dashboard')} />;
    return <Loading what="the dashboard" />;
  }
  const servers = data.groups.flatMap((g) => g.servers);
  const steps = [
    { done: servers.length > 0, label: 'Add a server', detail: 'Monitor this machine in one click, or add an SSH host.', href: hrefFor('servers') },
    { done: (policies.data?.length ?? 0) > 0 && (policies.data ?? []).some((p) => p.targets.length > 0), label: 'Write a policy', detail: 'List the paths to watch, and what counts as critical.', href: hrefFor('policies') },
    { done: (groups.data ?? []).some((g) => g.policies.length > 0) && servers.some((s) => s.group), label: 'Put servers in a group with the policy', detail: 'A group applies its policies to its servers.', href: hrefFor('groups') },
    { done: (baselines.data?.length ?? 0) > 0, label: 'Take a baseline', detail: 'Record the gold-master state that scans compare against.', href: hrefFor('baselines') },
    { done: (scans.data ?? []).some((s) => s.kind === 'scan'), label: 'Run a scan', detail: 'Differences from the baseline become events.', href: hrefFor('scans') },
  ];
  const nextStep = steps.findIndex((s) => !s.done);
  const expiring = data.expiringBaselines;

  return (
    <div className="screen dashboard">
      <PageHeader
        title="Dashboard"
        subtitle={`${plural(servers.length, 'server')} in ${plural(data.groups.filter((g) => g.name !== 'Unassigned').length, 'group')}`}
        actions={
          <button type="button" className="btn primary" disabled={servers.length === 0 || scanning} onClick={() => void runScan({ all: true })}>
            {scanning ? 'Scan running…' : 'Scan all servers'}
          </button>
        }
      />

      {nextStep >= 0 ? (
        <Card title="Getting started" className="getting-started">
          <ol className="steps">
            {steps.map((step, i) => (
              <li key={step.label} className={step.done ? 'done' : i === nextStep ? 'next' : ''}>
                <span className="step-mark" aria-hidden="true">
                  {step.done ? '✓' : i + 1}
                </span>
                <div>
                  <div className="step-label">
                    {step.label}
                    {step.done ? <span className="sr-only"> (done)</span> : null}
                  </div>
                  <div className="muted">{step.detail}</div>
                </div>
                {i === nextStep ? (
                  <a className="btn primary small" href={step.href}>
                    Next step
                  </a>
                ) : null}
              </li>
            ))}
          </ol>
        </Card>
      ) : null}

      <div className="tiles">
        <a className={`tile${data.openEvents.critical ? ' tile-critical' : ''}`} href={hrefFor('events', { status: 'open', critical: 'true' })}>
          <span className="tile-value">{data.openEvents.critical.toLocaleString()}</span>
          <span className="tile-label">Open critical events</span>
        </a>
        <a className="tile" href={hrefFor('events', { status: 'open', critical: 'false' })}>
          <span className="tile-value">{data.openEvents.nonCritical.toLocaleString()}</span>
          <span className="tile-label">Open non-critical events</span>
        </a>
        <a className={`tile${data.neverScanned.length ? ' tile-warn' : ''}`} href={hrefFor('scans')}>
          <span className="tile-value">{data.neverScanned.length}</span>
          <span className="tile-label">Never scanned</span>
        </a>
        <a className={`tile${data.notCompared.length ? ' tile-uncompared' : ''}`} href={hrefFor('scans')}>
          <span className="tile-value">{data.notCompared.length}</span>
          <span className="tile-label">Not compared at last scan</span>
        </a>
        <a className={`tile${data.staleServers.length ? ' tile-warn' : ''}`} href={hrefFor('scans')}>
          <span className="tile-value">{data.staleServers.length}</span>
          <span className="tile-label">Not compared in 7 days</span>
        </a>
        <a className={`tile${expiring.length ? ' tile-warn' : ''}`} href={hrefFor('baselines')}>
          <span className="tile-value">{expiring.length}</span>
          <span className="tile-label">Baselines expiring or expired</span>
        </a>
      </div>

      {expiring.length || data.neverScanned.length || data.staleServers.length || data.notCompared.length ? (
        <Card title="Needs attention">
          <ul className="attention">
            {expiring.map((b) => (
              <li key={`b${b.id}`}>
                <Badge tone={b.expired ? 'bad' : 'warn'}>{b.expired ? 'Expired' : 'Expiring'}</Badge>
                Baseline of policy <strong>{b.policy}</strong> on <strong>{b.server}</strong> {b.expired ? 'expired' : 'expires'} {timeAgo(b.expiresAt)} ({formatTime(b.expiresAt)}).{' '}
                <a href={hrefFor('baselines')}>Take a new baseline</a>
              </li>
            ))}
            {data.notCompared.map((name) => (
              <li key={`c${name}`}>
                <Badge tone="uncompared">Not compared</Badge>
                <span>
                  The last scan of <strong>{name}</strong> did not compare every policy: {servers.find((s) => s.name === name)?.lastScan?.reason ?? 'see its scan history'}.
                </span>
                <a href={hrefFor('baselines')}>Take a baseline</a>
              </li>
            ))}
            {data.neverScanned.map((name) => (
              <li key={`n${name}`}>
                <Badge tone="neutral">Never scanned</Badge>
                <strong>{name}</strong> has never been scanned. <a href={hrefFor('scans')}>Scan it</a>
              </li>
            ))}
            {data.staleServers.map((name) => (
              <li key={`s${name}`}>
                <Badge tone="warn">Stale</Badge>
                <strong>{name}</strong> has been monitored for over a week without a completed comparison in the last 7 days. <a href={hrefFor('scans')}>Scan it</a>
              </li>
            ))}
          </ul>
        </Card>
      ) : null}

      {data.groups.length === 0 ? (
        <EmptyState
          title="No servers are monitored yet"
          action={
            <a className="btn primary" href={hrefFor('servers')}>
              Go to Servers
            </a>
          }
        >
          Start with <strong>Monitor this machine</strong> on the Servers screen: it adds this computer in one click.
        </EmptyState>
      ) : (
        data.groups.map((group) => (
          <Card
            key={group.name}
            title={
              <>
                {group.name} <span className="muted small">· {plural(group.servers.length, 'server')}</span>
              </>
            }
            actions={
              <span className="chips">
                {group.policies.length ? group.policies.map((p) => <span key={p} className="chip">{p}</span>) : <span className="muted small">no policies</span>}
              </span>
            }
          >
            {group.servers.length === 0 ? (
              <p className="muted pad">
                No servers in this group. <a href={hrefFor('servers')}>Move servers here</a>
              </p>
            ) : (
              <ServerTable servers={group.servers} />
            )}
          </Card>
        ))
      )}
    </div>
  );
}

function ServerTable({ servers }: { servers: ServerSummary[] }) {
  return (
    <table className="table">
      <thead>
        <tr>
          <th>Server</th>
          <th>Address</th>
          <th>Last scan</th>
          <th>When</th>
          <th className="num">Critical</th>
          <th className="num">Non-critical</th>
        </tr>
      </thead>
      <tbody>
        {servers.map((s) => (
          <tr key={s.name}>
            <td>
              <strong>{s.name}</strong> {s.local ? <Badge tone="info">this machine</Badge> : null}
            </td>
            <td className="mono muted">{s.local ? 'local' : `${s.user}@${s.host}:${s.port}`}</td>
            <td>
              <ScanBadge status={s.lastScan?.status} />
              {s.lastScan?.reason ? <div className="muted small truncate" title={s.lastScan.reason}>{s.lastScan.reason}</div> : null}
            </td>
            <td title={formatTime(s.lastScan?.at)}>{s.lastScan ? timeAgo(s.lastScan.at) : '—'}</td>
            <td className="num">
              {s.openEvents.critical ? (
                <a className="count critical" href={hrefFor('events', { server: s.name, critical: 'true' })}>
                  {s.openEvents.critical}
                </a>
              ) : (
                <span className="muted">0</span>
              )}
            </td>
            <td className="num">
              {s.openEvents.nonCritical ? (
                <a className="count" href={hrefFor('events', { server: s.name, critical: 'false' })}>
                  {s.openEvents.nonCritical}
                </a>
              ) : (
                <span className="muted">0</span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
