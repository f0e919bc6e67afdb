// The zustand stores against a fake bridge: loading, pushes, scans, and paged events.
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/shared/api.js';
import { createConsoleStore } from '../../../src/renderer/state/console-store.js';
import { createEventsStore, PAGE_SIZE, rowAt } from '../../../src/renderer/state/events-store.js';
import { parseHash, hrefFor } from '../../../src/renderer/state/router.js';
import { emptyFleet, fakeBridge } from './fake-bridge.js';
import { event, server } from './fixtures.js';

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('console store', () => {
  it('loads a resource and keeps the error in words', async () => {
    const fake = fakeBridge({
      ...emptyFleet(),
      'servers/list': () => [server('web-1')],
      'groups/list': () => {
        throw new ApiError('internal', 'disk full');
      },
    });
    const store = createConsoleStore(fake.bridge);
    await store.getState().loadMany(['servers', 'groups']);
    expect(store.getState().resources.servers.data?.map((s) => s.name)).toEqual(['web-1']);
    expect(store.getState().resources.groups).toMatchObject({ data: null, error: 'Error: disk full', loading: false });
  });

  it('records scan/progress pushes per server and bumps events on events/changed', () => {
    const fake = fakeBridge(emptyFleet());
    const store = createConsoleStore(fake.bridge);
    fake.emit('scan/progress', { server: 'web-1', status: 'running' });
    fake.emit('scan/progress', { server: 'web-2', status: 'queued' });
    fake.emit('scan/progress', { server: 'web-1', status: 'completed_clean', entries: 12 });
    expect(store.getState().progress['web-1']).toMatchObject({ status: 'completed_clean', entries: 12 });
    expect(store.getState().progress['web-2']).toMatchObject({ status: 'queued' });
    fake.emit('events/changed', { servers: ['web-1'] });
    expect(store.getState().eventsVersion).toBe(1);
    store.getState().dispose();
    fake.emit('scan/progress', { server: 'web-3', status: 'queued' });
    expect(store.getState().progress['web-3']).toBeUndefined();
  });

  it('runs a scan, keeps its result and says what happened', async () => {
    const fake = fakeBridge({
      ...emptyFleet(),
      'scans/run': () => ({ servers: [{ name: 'web-1', status: 'completed_with_findings', openEvents: 2 }], events: [event(1), event(2)] }),
    });
    const store = createConsoleStore(fake.bridge);
    const run = store.getState().runScan({ all: true });
    expect(store.getState().scan?.finishedAt).toBeNull();
    await run;
    expect(store.getState().scan?.result?.servers[0]?.status).toBe('completed_with_findings');
    expect(store.getState().notices.at(-1)?.text).toContain('1 with findings, 0 failed, 2 new or changed events');
    expect(fake.calls.some((c) => c.name === 'scans/list')).toBe(true);
  });

  it('keeps a failed scan as an error notice', async () => {
    const fake = fakeBridge({ ...emptyFleet(), 'scans/run': () => { throw new ApiError('invalid_input', 'say which servers to scan'); } });
    const store = createConsoleStore(fake.bridge);
    expect(await store.getState().runScan({})).toBeNull();
    expect(store.getState().scan?.error).toBe('Invalid input: say which servers to scan');
    expect(store.getState().notices.at(-1)).toMatchObject({ kind: 'error' });
  });
});

describe('events store (paged)', () => {
  const TOTAL = 100_000;
  function pagedBridge() {
    return fakeBridge({
      'events/list': ({ offset = 0, limit = 50 }) => ({
        total: TOTAL,
        events: Array.from({ length: Math.min(limit, TOTAL - offset) }, (_, i) => event(offset + i + 1)),
      }),
    });
  }

  it('fetches only the pages a range needs', async () => {
    const fake = pagedBridge();
    const store = createEventsStore(fake.bridge);
    store.getState().ensureRange(0, 40);
    await flush();
    expect(store.getState().total).toBe(TOTAL);
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]!.args).toMatchObject({ offset: 0, limit: PAGE_SIZE, status: 'open' });
    store.getState().ensureRange(50_000, 50_030);
    await flush();
    expect(fake.calls.map((c) => (c.args as { offset: number }).offset)).toEqual([0, 50_000]);
    expect(rowAt(store.getState(), 50_010)?.id).toBe(50_011);
    expect(rowAt(store.getState(), 30_000)).toBeUndefined();
    store.getState().ensureRange(50_000, 50_030);
    await flush();
    expect(fake.calls).toHaveLength(2);
  });

  it('drops replies to an old query', async () => {
    let release: (() => void) | null = null;
    const fake = fakeBridge({
      'events/list': (args) =>
        new Promise((resolve) => {
          const reply = { total: args.server ? 1 : 2, events: args.server ? [event(9)] : [event(1), event(2)] };
          if (!args.server) release = () => resolve(reply);
          else resolve(reply);
        }),
    });
    const store = createEventsStore(fake.bridge);
    store.getState().ensureRange(0, 10);
    store.getState().setQuery({ status: 'open', server: ['web-1'] });
    await flush();
    release!();
    await flush();
    expect(store.getState().total).toBe(1);
    expect(rowAt(store.getState(), 0)?.id).toBe(9);
  });

  it('keeps rows on screen while an invalidation refetches, and patches accepted events in place', async () => {
    const fake = pagedBridge();
    const store = createEventsStore(fake.bridge);
    store.getState().ensureRange(0, 10);
    await flush();
    store.getState().invalidate();
    expect(rowAt(store.getState(), 3)?.id).toBe(4);
    await flush();
    expect(fake.calls).toHaveLength(2);
    store.getState().patch([event(4, { status: 'accepted' })]);
    expect(rowAt(store.getState(), 3)?.status).toBe('accepted');
  });
});

describe('router', () => {
  it('parses hash routes with parameters and falls back to the dashboard', () => {
    expect(parseHash('#/events?server=web-1').screen).toBe('events');
    expect(parseHash('#/events?server=web-1').params.get('server')).toBe('web-1');
    expect(parseHash('').screen).toBe('dashboard');
    expect(parseHash('#/nope').screen).toBe('dashboard');
    expect(hrefFor('events', { critical: 'true' })).toBe('#/events?critical=true');
  });
});
