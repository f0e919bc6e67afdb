// @vitest-environment happy-dom
// Screens against a fake bridge: empty states that name the next step, one-click local server,
// errors in words, the windowed events list, and event details with accept.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../../src/shared/api.js';
import { App } from '../../../src/renderer/App.js';
import { VirtualList } from '../../../src/renderer/components/VirtualList.js';
import { createConsoleStore } from '../../../src/renderer/state/console-store.js';
import { Dashboard } from '../../../src/renderer/screens/dashboard/Dashboard.js';
import { Servers, localServerName } from '../../../src/renderer/screens/servers/Servers.js';
import { Events } from '../../../src/renderer/screens/events/Events.js';
import { EventDetails, attributeRows } from '../../../src/renderer/screens/events/EventDetails.js';
import { Policies } from '../../../src/renderer/screens/policies/Policies.js';
import { Scans } from '../../../src/renderer/screens/scans/Scans.js';
import { Baselines } from '../../../src/renderer/screens/baselines/Baselines.js';
import { emptyFleet, fakeBridge } from './fake-bridge.js';
import { event, server } from './fixtures.js';
import { renderWithConsole } from './render.js';

afterEach(() => {
  cleanup();
  window.location.hash = '';
});

describe('Dashboard', () => {
  it('tells a newcomer the next step', async () => {
    renderWithConsole(<Dashboard />, emptyFleet());
    expect(await screen.findByText('Getting started')).toBeTruthy();
    expect(screen.getByText('No servers are monitored yet')).toBeTruthy();
    const next = screen.getByRole('link', { name: 'Next step' });
    expect(next.getAttribute('href')).toBe('#/servers');
  });

  it('shows groups, last scan status and open events', async () => {
    renderWithConsole(<Dashboard />, {
      ...emptyFleet(),
      'dashboard/summary': () => ({
        groups: [
          {
            name: 'web',
            policies: ['Linux core'],
            servers: [server('web-1', { group: 'web', lastScan: { status: 'completed_with_findings', at: new Date().toISOString() }, openEvents: { critical: 3, nonCritical: 1 } })],
          },
        ],
        openEvents: { critical: 3, nonCritical: 1 },
        expiringBaselines: [{ id: 4, policy: 'Linux core', server: 'web-1', createdAt: '2026-01-01T00:00:00Z', expiresAt: '2026-01-02T00:00:00Z', comment: '', entries: 9, expired: true, status: 'expired', supersededAt: null, supersededBy: null }],
        neverScanned: [],
        staleServers: ['db-1'],
        notCompared: [],
      }),
    });
    expect(await screen.findByText('Open critical events')).toBeTruthy();
    expect(screen.getByText('Findings')).toBeTruthy();
    expect(screen.getByText('Needs attention')).toBeTruthy();
    expect(screen.getByText(/monitored for over a week without a completed comparison in the last 7 days/)).toBeTruthy();
    expect(screen.getByText('Expired')).toBeTruthy();
  });

  it('shows a failed load in words with a retry', async () => {
    renderWithConsole(<Dashboard />, {
      ...emptyFleet(),
      'dashboard/summary': () => {
        throw new ApiError('internal', 'database is locked');
      },
    });
    expect(await screen.findByRole('alert')).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toContain('Error: database is locked');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeTruthy();
  });
});

describe('Servers', () => {
  it('adds this machine in one click', async () => {
    const added: unknown[] = [];
    const { fake } = renderWithConsole(<Servers />, {
      ...emptyFleet(),
      'servers/add': (input) => {
        added.push(input);
        return { ...server(input.name), local: true, auth: { kind: 'local' }, warnings: [] };
      },
    });
    expect(await screen.findByText('No servers yet')).toBeTruthy();
    fireEvent.click(screen.getAllByRole('button', { name: 'Monitor this machine' })[1]!);
    await waitFor(() => expect(added).toEqual([{ name: 'this-machine', local: true }]));
    await waitFor(() => expect(fake.calls.filter((c) => c.name === 'servers/list').length).toBeGreaterThan(1));
  });

  it('picks a free name for this machine', () => {
    expect(localServerName([])).toBe('this-machine');
    expect(localServerName(['this-machine', 'this-machine-2'])).toBe('this-machine-3');
  });

  it('shows an engine refusal in words', async () => {
    renderWithConsole(<Servers />, {
      ...emptyFleet(),
      'servers/add': () => {
        throw new ApiError('conflict', "a server named 'this-machine' exists already");
      },
    });
    await screen.findByText('No servers yet');
    fireEvent.click(screen.getAllByRole('button', { name: 'Monitor this machine' })[0]!);
    expect((await screen.findByRole('alert')).textContent).toContain("Conflict: a server named 'this-machine' exists already");
  });

  it('moves with the keyboard and opens the editor with Enter', async () => {
    renderWithConsole(<Servers />, { ...emptyFleet(), 'servers/list': () => [server('a'), server('b'), server('c')] });
    const body = (await screen.findByLabelText(/Server rows/)) as HTMLElement;
    fireEvent.keyDown(body, { key: 'ArrowDown' });
    fireEvent.keyDown(body, { key: 'ArrowDown' });
    expect(within(body).getAllByRole('row')[1]!.getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(body, { key: 'Enter' });
    expect(await screen.findByDisplayValue('b.example')).toBeTruthy();
  });
});

describe('Host keys', () => {
  it('shows the presented fingerprint and pins it only when asked', async () => {
    const trusted: unknown[] = [];
    renderWithConsole(<Servers />, {
      ...emptyFleet(),
      'servers/list': () => [server('web-1')],
      'servers/probeHostKey': () => ({ fingerprint: 'SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', keyType: 'ssh-ed25519' }),
      'servers/trust': (args) => {
        trusted.push(args);
        return { ...server('web-1'), hostKey: args.fingerprint ?? null };
      },
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Verify host key' }));
    expect(await screen.findByText('SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG')).toBeTruthy();
    expect(trusted).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'I compared it: trust this key' }));
    await waitFor(() => expect(trusted).toEqual([{ name: 'web-1', fingerprint: 'SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', how: 'compared in the console' }]));
  });

  it('says why a key could not be read', async () => {
    renderWithConsole(<Servers />, {
      ...emptyFleet(),
      'servers/list': () => [server('web-1')],
      'servers/probeHostKey': () => {
        throw new ApiError('scan_failed', 'connect ECONNREFUSED 10.0.0.5:22');
      },
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Verify host key' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Scan failed: connect ECONNREFUSED 10.0.0.5:22');
  });
});

describe('Policies', () => {
  it('explains what a policy is when there is none', async () => {
    renderWithConsole(<Policies />, emptyFleet());
    expect(await screen.findByText('No policies yet')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Import a JSON export' })).toBeTruthy();
  });
});

describe('Policies import and templates', () => {
  it('imports a policy document from a JSON file', async () => {
    const imported: unknown[] = [];
    renderWithConsole(<Policies />, {
      ...emptyFleet(),
      'policies/import': ({ document, replace }) => {
        imported.push({ document, replace });
        return { name: 'Imported', os: 'linux', description: '', targets: [] };
      },
    });
    await screen.findByText('No policies yet');
    const doc = { driftwatchPolicy: 1, name: 'Imported', os: 'linux', description: '', targets: [] };
    const file = new File([JSON.stringify(doc)], 'imported.json', { type: 'application/json' });
    fireEvent.change(screen.getByTestId('policy-import-file'), { target: { files: [file] } });
    await waitFor(() => expect(imported).toEqual([{ document: doc, replace: false }]));
  });

  it('says so when an imported file is not JSON', async () => {
    renderWithConsole(<Policies />, emptyFleet());
    await screen.findByText('No policies yet');
    const file = new File(['{nope'], 'broken.json', { type: 'application/json' });
    fireEvent.change(screen.getByTestId('policy-import-file'), { target: { files: [file] } });
    expect((await screen.findByRole('alert')).textContent).toContain('broken.json is not valid JSON');
  });

  it('creates a policy from a template', async () => {
    const { fake } = renderWithConsole(<Policies />, {
      ...emptyFleet(),
      'policies/templates': () => [{ id: 'linux-core', name: 'Linux core', os: 'linux', description: 'System binaries and configuration', targets: 12 }],
      'policies/fromTemplate': ({ template }) => ({ name: template, os: 'linux', description: '', targets: [] }),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Start from a template' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Create a policy from Linux core' }));
    await waitFor(() => expect(fake.calls.find((c) => c.name === 'policies/fromTemplate')?.args).toEqual({ template: 'linux-core' }));
  });

  it('names a policy made from a template, and says why one cannot be made', async () => {
    const { fake } = renderWithConsole(<Policies />, {
      ...emptyFleet(),
      'policies/templates': () => [{ id: 'nginx', name: 'nginx', os: 'linux', description: 'nginx web server', targets: 7 }],
      'policies/fromTemplate': ({ name }) => {
        throw new ApiError('conflict', `a policy named '${name}' exists already`);
      },
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Start from a template' }));
    fireEvent.change(await screen.findByLabelText('Name of the new policy'), { target: { value: 'nginx edge' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create a policy from nginx' }));
    expect((await screen.findByRole('alert')).textContent).toBe("Conflict: a policy named 'nginx edge' exists already");
    expect(fake.calls.find((c) => c.name === 'policies/fromTemplate')?.args).toEqual({ template: 'nginx', name: 'nginx edge' });
  });
});

describe('Scans', () => {
  it('shows live per-server progress from pushes', async () => {
    let finish: (() => void) | null = null;
    const { fake, store } = renderWithConsole(<Scans />, {
      ...emptyFleet(),
      'servers/list': () => [server('web-1'), server('web-2')],
      'scans/run': () =>
        new Promise((resolve) => {
          finish = () => resolve({ servers: [{ name: 'web-1', status: 'completed_clean', counts: { entries: 10, added: 0, removed: 0, modified: 0, unreadable: 0 } }, { name: 'web-2', status: 'failed', reason: 'connection refused' }], events: [] });
        }),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Launch scan' }));
    act(() => {
      fake.emit('scan/progress', { server: 'web-1', status: 'running' });
      fake.emit('scan/progress', { server: 'web-2', status: 'queued' });
    });
    const table = await screen.findByRole('table', { name: 'Scan progress' });
    expect(table.querySelector('[data-server="web-1"]')?.getAttribute('data-status')).toBe('running');
    act(() => {
      fake.emit('scan/progress', { server: 'web-1', status: 'completed_clean', entries: 10 });
      fake.emit('scan/progress', { server: 'web-2', status: 'failed', reason: 'connection refused' });
    });
    expect(table.querySelector('[data-server="web-2"]')?.getAttribute('data-status')).toBe('failed');
    expect(within(table).getByText('connection refused')).toBeTruthy();
    await act(async () => finish!());
    await waitFor(() => expect(store.getState().notices.at(-1)?.text).toContain('Scan finished on 2 servers: 0 with findings, 1 failed'));
    expect(screen.getByRole('button', { name: 'Launch scan' })).toBeTruthy();
  });
});

describe('Baselines', () => {
  it('shows live per-server progress of a baseline from pushes, as scans do', async () => {
    const { fake } = renderWithConsole(<Baselines />, emptyFleet());
    act(() => {
      fake.emit('baseline/progress', { server: 'gold-1', policy: 'Linux core', status: 'queued' });
      fake.emit('baseline/progress', { server: 'gold-2', policy: 'Linux core', status: 'queued' });
      fake.emit('baseline/progress', { server: 'gold-1', policy: 'Linux core', status: 'running', entries: 12345, hashed: 1024, bytes: 47_815_066, elapsedMs: 3200 });
    });
    const table = await screen.findByRole('table', { name: 'Baseline progress' });
    expect(screen.getByText('Baseline of Linux core in progress')).toBeTruthy();
    const running = table.querySelector('[data-server="gold-1"]')!;
    expect(running.getAttribute('data-status')).toBe('running');
    expect(running.textContent).toContain('12,345 entries read, 1,024 files hashed (45.6 MiB)');
    expect(running.textContent).toMatch(/· \d+\.\d s/);
    expect(table.querySelector('[data-server="gold-2"]')?.getAttribute('data-status')).toBe('queued');
    act(() => {
      fake.emit('baseline/progress', { server: 'gold-1', policy: 'Linux core', status: 'completed_clean', entries: 12400, hashed: 1030, bytes: 48_000_000, elapsedMs: 4100 });
      fake.emit('baseline/progress', { server: 'gold-2', policy: 'Linux core', status: 'failed', reason: 'connection refused', elapsedMs: 50 });
    });
    expect(running.textContent).toContain('12,400 entries recorded, 1,030 files hashed (45.8 MiB) · 4.1 s');
    expect(within(table).getByText('connection refused')).toBeTruthy();
    expect(screen.getByText('Last baseline of Linux core')).toBeTruthy();
    // The next run starts afresh.
    act(() => fake.emit('baseline/progress', { server: 'gold-3', policy: 'Web', status: 'queued' }));
    expect(screen.getByRole('table', { name: 'Baseline progress' }).querySelectorAll('tbody tr')).toHaveLength(1);
  });
});

describe('VirtualList', () => {
  it('renders only a window of 100,000 rows and moves with the keyboard', () => {
    const onOpen = vi.fn();
    function Harness() {
      const [active, setActive] = [0, vi.fn()];
      return <VirtualList count={100_000} rowHeight={30} renderRow={(i) => <span>row {i}</span>} activeIndex={active} onActiveChange={setActive} onOpen={onOpen} ariaLabel="rows" />;
    }
    render(<Harness />);
    const list = screen.getByRole('listbox', { name: 'rows' });
    const options = within(list).getAllByRole('option');
    expect(options.length).toBeLessThan(60);
    expect(options[0]!.getAttribute('aria-setsize')).toBe('100000');
    fireEvent.keyDown(list, { key: 'Enter' });
    expect(onOpen).toHaveBeenCalledWith(0);
  });

  it('End jumps to the last row', () => {
    const seen: number[] = [];
    render(<VirtualList count={100_000} rowHeight={30} renderRow={(i) => i} activeIndex={5} onActiveChange={(i) => seen.push(i)} ariaLabel="rows" />);
    const list = screen.getByRole('listbox');
    fireEvent.keyDown(list, { key: 'End' });
    fireEvent.keyDown(list, { key: 'ArrowDown' });
    fireEvent.keyDown(list, { key: 'Home' });
    expect(seen).toEqual([99_999, 6, 0]);
  });
});

describe('Events', () => {
  const TOTAL = 100_000;
  const handlers = {
    ...emptyFleet(),
    'events/list': ({ offset = 0, limit = 50 }: { offset?: number; limit?: number }) => ({
      total: TOTAL,
      events: Array.from({ length: Math.min(limit, TOTAL - offset) }, (_, i) => event(offset + i + 1)),
    }),
  };

  it('lists 100,000 events with a handful of rows in the DOM, fetching one page', async () => {
    const { fake } = renderWithConsole(<Events params={new URLSearchParams()} />, handlers);
    expect(await screen.findByText('100,000 events open')).toBeTruthy();
    await screen.findByTitle('/etc/file-1.conf');
    expect(document.querySelectorAll('[data-event-id]').length).toBeLessThan(80);
    expect(fake.calls.filter((c) => c.name === 'events/list')).toHaveLength(1);
  });

  it('filters by server and severity from the URL and the controls', async () => {
    const { fake } = renderWithConsole(<Events params={new URLSearchParams('server=web-1&critical=true')} />, handlers);
    await screen.findByTitle('/etc/file-1.conf');
    expect(fake.calls.find((c) => c.name === 'events/list')!.args).toMatchObject({ server: ['web-1'], critical: true, status: 'open' });
    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'all' } });
    await waitFor(() => expect(fake.calls.filter((c) => c.name === 'events/list').at(-1)!.args).toMatchObject({ status: 'all', server: ['web-1'] }));
    fireEvent.change(screen.getByLabelText('Time'), { target: { value: '24h' } });
    await waitFor(() => expect((fake.calls.filter((c) => c.name === 'events/list').at(-1)!.args as { since?: string }).since).toBeTruthy());
  });

  it('searches by path, ticks rows with Space, and accepts every event that matches by filter and count', async () => {
    const { fake, store } = renderWithConsole(<Events params={new URLSearchParams()} />, {
      ...handlers,
      'events/acceptMatching': ({ expected }) => ({ accepted: expected, servers: ['web-1'] }),
    });
    await screen.findByTitle('/etc/file-1.conf');
    const search = screen.getByRole('searchbox', { name: 'Path' });
    fireEvent.change(search, { target: { value: '*/cron.d/*' } });
    fireEvent.keyDown(search, { key: 'Enter' });
    await waitFor(() => expect(fake.calls.filter((c) => c.name === 'events/list').at(-1)!.args).toMatchObject({ path: '*/cron.d/*', status: 'open' }));
    const list = await screen.findByRole('listbox', { name: /^Events/ });
    await within(list).findByTitle('/etc/file-1.conf');
    fireEvent.keyDown(list, { key: 'ArrowDown' });
    fireEvent.keyDown(list, { key: ' ' });
    expect(await screen.findByTestId('selected-count')).toHaveProperty('textContent', '1 event selected');
    expect(screen.queryByTestId('event-details')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Select all 100,000 that match' }));
    expect(screen.getByTestId('selected-count').textContent).toBe('100,000 events selected');
    fireEvent.click(screen.getByRole('button', { name: 'Accept 100,000 events…' }));
    fireEvent.change(screen.getByLabelText('Note'), { target: { value: 'CHG-1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Accept 100,000 events for their servers' }));
    await waitFor(() =>
      expect(fake.calls.find((c) => c.name === 'events/acceptMatching')?.args).toEqual({
        filter: { status: 'open', order: 'desc', path: '*/cron.d/*' },
        expected: 100_000,
        note: 'CHG-1',
        scope: 'server',
      }),
    );
    await waitFor(() => expect(store.getState().notices.at(-1)).toMatchObject({ kind: 'success', text: 'Accepted 100,000 events for their servers.' }));
    // The selection is spent; the list is fetched again.
    await waitFor(() => expect(screen.queryByTestId('selected-count')).toBeNull());
  });

  it('opens details from the list', async () => {
    renderWithConsole(<Events params={new URLSearchParams()} />, handlers);
    fireEvent.click(await screen.findByTitle('/etc/file-3.conf'));
    const details = await screen.findByTestId('event-details');
    expect(within(details).getByRole('heading', { name: '/etc/file-3.conf' })).toBeTruthy();
  });

  it('says what to do when there are no events', async () => {
    renderWithConsole(<Events params={new URLSearchParams()} />, emptyFleet());
    expect(await screen.findByText('No open events')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Go to Scans' })).toBeTruthy();
  });
});

describe('EventDetails', () => {
  it('says what a mode change means', async () => {
    renderWithConsole(<EventDetails event={event(3, { attributes: [{ name: 'mode', baseline: '0755', current: '4755' }] })} onClose={() => undefined} onAccepted={() => undefined} />, emptyFleet());
    expect((await screen.findByTestId('mode-words')).textContent).toBe('Mode: setuid added');
  });

  it('puts baseline and current side by side and marks the changed attributes', () => {
    const rows = attributeRows(event(1));
    expect(rows.find((r) => r.name === 'mode')).toMatchObject({ baseline: '0644', current: '0600', changed: true });
    expect(rows.find((r) => r.name === 'owner')).toMatchObject({ baseline: 'root', current: 'root', changed: false });
    renderWithConsole(<EventDetails event={event(1)} onClose={() => undefined} onAccepted={() => undefined} />, emptyFleet());
    const table = screen.getByRole('table', { name: 'Baseline and current metadata' });
    const changed = Array.from(table.querySelectorAll('tr[data-changed="true"]')).map((r) => r.getAttribute('data-attribute'));
    expect(changed).toEqual(['mode', 'sha256']);
    expect(table.querySelector('tr[data-attribute="mode"]')?.className).toBe('changed');
  });

  it('shows the content diff the engine stored with the event', () => {
    renderWithConsole(
      <EventDetails event={event(2, { attributes: [{ name: 'content', baseline: null, current: null, diff: '--- baseline\n+++ current\n@@ -1,2 +1,2 @@\n a\n-b\n+c' }] })} onClose={() => undefined} onAccepted={() => undefined} />,
      emptyFleet(),
    );
    const diff = screen.getByLabelText('Content diff');
    expect(diff.querySelector('.diff-del')?.textContent).toContain('b');
    expect(diff.querySelector('.diff-add')?.textContent).toContain('c');
  });

  it('accepts into the baseline with a note', async () => {
    const accepted = vi.fn();
    const { fake } = renderWithConsole(<EventDetails event={event(7)} onClose={() => undefined} onAccepted={accepted} />, {
      ...emptyFleet(),
      'events/accept': ({ ids }) => ids.map((id) => event(id, { status: 'accepted' })),
    });
    fireEvent.click(screen.getByLabelText(/Into the baseline/));
    fireEvent.change(screen.getByLabelText('Note'), { target: { value: 'CHG-42 planned' } });
    fireEvent.click(screen.getByRole('button', { name: 'Accept change' }));
    await waitFor(() => expect(accepted).toHaveBeenCalled());
    expect(fake.calls.find((c) => c.name === 'events/accept')!.args).toEqual({ ids: [7], note: 'CHG-42 planned', scope: 'baseline' });
  });

  it('hides accept for an event that is no longer open and shows who accepted it', () => {
    renderWithConsole(
      <EventDetails
        event={event(8, { status: 'accepted', accepted: { by: 'alice', at: '2026-11-01T10:00:00Z', note: 'ok', scope: 'server' }, acceptScopes: [] })}
        onClose={() => undefined}
        onAccepted={() => undefined}
      />,
      emptyFleet(),
    );
    expect(screen.queryByRole('button', { name: 'Accept change' })).toBeNull();
    expect(screen.getByText('alice')).toBeTruthy();
  });
});

describe('App', () => {
  it('renders the shell and switches screens by hash', async () => {
    const fake = fakeBridge(emptyFleet());
    render(<App store={createConsoleStore(fake.bridge)} transport="http" />);
    expect(await screen.findByRole('heading', { name: 'Dashboard' })).toBeTruthy();
    act(() => {
      window.location.hash = '#/policies';
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
    expect(await screen.findByRole('heading', { name: 'Policies' })).toBeTruthy();
    expect(screen.getByRole('link', { name: /Policies/ }).getAttribute('aria-current')).toBe('page');
  });
});
