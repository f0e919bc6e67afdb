// The console frame: navigation on the left, one screen at a time, notices on top.
import { useEffect, type ReactNode } from 'react';
import { ErrorBoundary } from './components/ErrorBoundary.js';
import { Notices } from './components/Notices.js';
import type { TransportKind } from './api/pick.js';
import type { ConsoleStore } from './state/console-store.js';
import { ConsoleProvider, useConsole } from './state/context.js';
import { hrefFor, parseHash, useHash, type Screen } from './state/router.js';
import { Dashboard } from './screens/dashboard/Dashboard.js';
import { Servers } from './screens/servers/Servers.js';
import { Groups } from './screens/groups/Groups.js';
import { Policies } from './screens/policies/Policies.js';
import { Baselines } from './screens/baselines/Baselines.js';
import { Scans } from './screens/scans/Scans.js';
import { Events } from './screens/events/Events.js';
import { Alerts } from './screens/alerts/Alerts.js';
import { Reports } from './screens/reports/Reports.js';

const NAV: { screen: Screen; label: string; icon: ReactNode }[] = [
  { screen: 'dashboard', label: 'Dashboard', icon: <Icon d="M3 13h8V3H3zm0 8h8v-6H3zm10 0h8V11h-8zm0-18v6h8V3z" /> },
  { screen: 'servers', label: 'Servers', icon: <Icon d="M4 4h16v6H4zm0 10h16v6H4zM7 7h2m-2 10h2" /> },
  { screen: 'groups', label: 'Groups', icon: <Icon d="M3 7h7l2 2h9v10H3z" /> },
  { screen: 'policies', label: 'Policies', icon: <Icon d="M6 3h9l4 4v14H6zM9 12h7M9 16h7M9 8h3" /> },
  { screen: 'baselines', label: 'Baselines', icon: <Icon d="M12 3l8 4v5c0 5-3.5 8-8 9-4.5-1-8-4-8-9V7z" /> },
  { screen: 'scans', label: 'Scans', icon: <Icon d="M11 4a7 7 0 1 0 0 14 7 7 0 0 0 0-14zm5 12l5 5" /> },
  { screen: 'events', label: 'Events', icon: <Icon d="M12 3l9 16H3zM12 10v4m0 3v.5" /> },
  { screen: 'alerts', label: 'Alerts', icon: <Icon d="M6 16V11a6 6 0 0 1 12 0v5l2 2H4zm4 4h4" /> },
  { screen: 'reports', label: 'Reports', icon: <Icon d="M5 3h10l4 4v14H5zM9 17v-4m3 4v-7m3 7v-2" /> },
];

function Icon({ d }: { d: string }) {
  return (
    <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinejoin="round" strokeLinecap="round">
      <path d={d} />
    </svg>
  );
}

export function App({ store, transport }: { store: ConsoleStore; transport: TransportKind }) {
  useEffect(() => () => store.getState().dispose(), [store]);
  return (
    <ConsoleProvider store={store} transport={transport}>
      <Shell transport={transport} />
    </ConsoleProvider>
  );
}

function Shell({ transport }: { transport: TransportKind }) {
  const route = parseHash(useHash());
  const openCritical = useConsole((s) => s.resources.dashboard.data?.openEvents.critical ?? 0);
  const openOther = useConsole((s) => s.resources.dashboard.data?.openEvents.nonCritical ?? 0);
  const scanning = useConsole((s) => s.scan !== null && s.scan.finishedAt === null);
  const waiting = useConsole((s) => s.resources.outbox.data?.length ?? 0);
  const failing = useConsole((s) => s.resources.outbox.data?.filter((o) => o.lastError !== null).length ?? 0);
  const load = useConsole((s) => s.load);
  useEffect(() => {
    void load('dashboard');
    // The Alerts entry shows how many notifications wait for delivery.
    void load('outbox');
  }, [load]);

  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Screens">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            ◈
          </span>
          <span>Driftwatch</span>
        </div>
        <ul>
          {NAV.map((item) => (
            <li key={item.screen}>
              <a href={hrefFor(item.screen)} className={route.screen === item.screen ? 'current' : undefined} aria-current={route.screen === item.screen ? 'page' : undefined}>
                {item.icon}
                <span className="nav-label">{item.label}</span>
                {item.screen === 'events' && openCritical + openOther > 0 ? (
                  <span className={`nav-count${openCritical ? ' critical' : ''}`} title={`${openCritical} critical, ${openOther} other open events`}>
                    {(openCritical + openOther).toLocaleString()}
                  </span>
                ) : null}
                {item.screen === 'scans' && scanning ? <span className="nav-dot" title="A scan is running" /> : null}
                {item.screen === 'alerts' && waiting > 0 ? (
                  <span className={`nav-count${failing ? ' critical' : ''}`} title={`${waiting} notification${waiting === 1 ? '' : 's'} waiting for delivery${failing ? `, ${failing} failed so far` : ''}`}>
                    {waiting.toLocaleString()}
                  </span>
                ) : null}
              </a>
            </li>
          ))}
        </ul>
        <div className="sidebar-foot" title={transport === 'ipc' ? 'Desktop app (Electron IPC)' : 'Loopback console (HTTP on 127.0.0.1)'}>
          <span className="dot-live" aria-hidden="true" /> {transport === 'ipc' ? 'Desktop' : 'Local console'}
        </div>
      </nav>
      <main className="content" id="main">
        <ErrorBoundary key={route.screen} where={NAV.find((n) => n.screen === route.screen)?.label ?? 'This screen'}>
          <ScreenFor screen={route.screen} params={route.params} />
        </ErrorBoundary>
      </main>
      <Notices />
    </div>
  );
}

function ScreenFor({ screen, params }: { screen: Screen; params: URLSearchParams }) {
  switch (screen) {
    case 'dashboard':
      return <Dashboard />;
    case 'servers':
      return <Servers />;
    case 'groups':
      return <Groups />;
    case 'policies':
      return <Policies />;
    case 'baselines':
      return <Baselines />;
    case 'scans':
      return <Scans />;
    case 'events':
      return <Events params={params} />;
    case 'alerts':
      return <Alerts />;
    case 'reports':
      return <Reports />;
  }
}
