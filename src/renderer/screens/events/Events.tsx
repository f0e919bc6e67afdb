// Events: filter by server, group, policy, severity, status, time and path (the vocabulary of
// shared/event-filter.ts); a windowed list that stays smooth with 100,000 rows (pages are fetched as
// they scroll into view); details beside it; many selected and accepted at once; the list exported.
import { useCallback, useEffect, useMemo, useRef, useState, type ReactElement } from 'react';
import { useStore } from 'zustand';
import type { EventFilter } from '../../../shared/api.js';
import type { FimEvent } from '../../../shared/domain.js';
import { parseTime } from '../../../shared/event-filter.js';
import { VirtualList } from '../../components/VirtualList.js';
import { EmptyState, ErrorNotice, PageHeader } from '../../components/ui.js';
import { formatTime, timeAgo } from '../../components/format.js';
import { useConsole, useResource } from '../../state/context.js';
import { createEventsStore, rowAt, type EventQuery } from '../../state/events-store.js';
import { hrefFor } from '../../state/router.js';
import { CHANGE_LABEL, EventDetails } from './EventDetails.js';
import { EventsToolbar } from './EventsToolbar.js';
import { clickRow, isSelected, NO_SELECTION, selectable, type Selection } from './selection.js';

export const ROW_HEIGHT = 36;

const PLACEHOLDER = (
  <div className="erow placeholder" aria-busy="true">
    <span className="skeleton" />
  </div>
);

/** The presets are relative times of the filter vocabulary, resolved once per query (pages then agree). */
type TimePreset = 'any' | '1h' | '24h' | '7d' | '30d' | 'custom';

interface FilterForm {
  server: string;
  group: string;
  policy: string;
  /** A substring of the path, or a glob (with * ? or [). */
  path: string;
  severity: '' | 'critical' | 'non-critical';
  status: NonNullable<EventFilter['status']>;
  time: TimePreset;
  since: string;
  until: string;
  /** Newest first (the default here; the CLI lists oldest first). */
  order: 'asc' | 'desc';
}

export function formFromParams(params: URLSearchParams): FilterForm {
  const status = params.get('status');
  const critical = params.get('critical');
  return {
    server: params.get('server') ?? '',
    group: params.get('group') ?? '',
    policy: params.get('policy') ?? '',
    path: params.get('path') ?? '',
    severity: critical === 'true' ? 'critical' : critical === 'false' ? 'non-critical' : '',
    status: status === 'all' || status === 'accepted' || status === 'resolved' || status === 'retired' ? status : 'open',
    time: 'any',
    since: '',
    until: '',
    order: params.get('order') === 'asc' ? 'asc' : 'desc',
  };
}

export function queryFromForm(form: FilterForm, now = Date.now()): EventQuery {
  const query: EventQuery = { status: form.status, order: form.order };
  if (form.server) query.server = [form.server];
  if (form.group) query.group = [form.group];
  if (form.policy) query.policy = [form.policy];
  if (form.path.trim()) query.path = form.path.trim();
  if (form.severity) query.critical = form.severity === 'critical';
  if (form.time === 'custom') {
    if (form.since) query.since = new Date(`${form.since}T00:00:00`).toISOString();
    if (form.until) query.until = new Date(`${form.until}T23:59:59.999`).toISOString();
  } else if (form.time !== 'any') {
    query.since = parseTime(form.time, now)!;
  }
  return query;
}

export function Events({ params }: { params: URLSearchParams }) {
  const bridge = useConsole((s) => s.bridge);
  const eventsVersion = useConsole((s) => s.eventsVersion);
  const servers = useResource('servers', false);
  const groups = useResource('groups', false);
  const policies = useResource('policies', false);
  const paramKey = params.toString();
  const [form, setForm] = useState<FilterForm>(() => formFromParams(params));
  const initialParams = useRef(paramKey);
  const store = useMemo(() => createEventsStore(bridge, queryFromForm(formFromParams(new URLSearchParams(initialParams.current)))), [bridge]);
  const queryId = useStore(store, (s) => s.queryId);
  const total = useStore(store, (s) => s.total);
  const error = useStore(store, (s) => s.error);
  const pages = useStore(store, (s) => s.pages);
  const stale = useStore(store, (s) => s.stale);
  const loadingCount = useStore(store, (s) => s.loading.size);
  const query = useStore(store, (s) => s.query);
  const [active, setActive] = useState(-1);
  const rowCache = useRef(new WeakMap<FimEvent, { checked: boolean; row: ReactElement }>());
  const [selection, setSelection] = useState<Selection>(NO_SELECTION);
  const [openId, setOpenId] = useState<number | null>(null);
  const [openEvent, setOpenEvent] = useState<FimEvent | null>(null);

  // A link from elsewhere (dashboard, servers) sets new filters.
  useEffect(() => {
    if (paramKey === initialParams.current) return;
    initialParams.current = paramKey;
    const next = formFromParams(new URLSearchParams(paramKey));
    setForm(next);
    setPathText(next.path);
    store.getState().setQuery(queryFromForm(next));
    setActive(-1);
    setOpenId(null);
    setSelection(NO_SELECTION);
  }, [paramKey, store]);

  // The engine said events changed (a scan, an accept elsewhere): refetch what is on screen.
  const [seenVersion, setSeenVersion] = useState(eventsVersion);
  useEffect(() => {
    if (eventsVersion === seenVersion) return;
    setSeenVersion(eventsVersion);
    store.getState().invalidate();
  }, [eventsVersion, seenVersion, store]);

  function update(patch: Partial<FilterForm>) {
    const next = { ...form, ...patch };
    setForm(next);
    if (next.time === 'custom' && patch.time === 'custom') return; // wait for the dates
    store.getState().setQuery(queryFromForm(next));
    setActive(-1);
    setSelection(NO_SELECTION);
  }

  // The path search applies once typing pauses.
  const [pathText, setPathText] = useState(form.path);
  useEffect(() => {
    if (pathText === form.path) return;
    const timer = setTimeout(() => update({ path: pathText }), 300);
    return () => clearTimeout(timer);
  });

  const onBox = useCallback((index: number, shift: boolean) => setSelection((sel) => clickRow(sel, index, shift, (i) => rowAt(store.getState(), i))), [store]);

  const onRangeChange = useCallback((start: number, end: number) => store.getState().ensureRange(start, end), [store]);

  const open = useCallback(
    (index: number) => {
      const row = rowAt(store.getState(), index);
      if (row) {
        setOpenId(row.id);
        setOpenEvent(row);
      }
    },
    [store],
  );

  // Escape closes the details (unless a dialog or a field has the key).
  useEffect(() => {
    if (openId === null) return;
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (event.key !== 'Escape' || target?.closest('dialog, input, textarea, select')) return;
      setOpenId(null);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [openId]);

  // Keep the open event fresh (its row may be refetched after an accept or a scan).
  const current = openId === null ? null : (findCached(pages, openId) ?? findCached(stale, openId) ?? openEvent);

  const count = total ?? 0;
  const hasFilters = Boolean(form.server || form.group || form.policy || form.path || form.severity || form.time !== 'any' || form.status !== 'open');

  const renderRow = (index: number) => {
    const e = rowAt({ pages, stale }, index);
    if (!e) return PLACEHOLDER;
    // The same element for the same event object: React skips rows that only moved while scrolling.
    const checked = isSelected(selection, e);
    const cached = rowCache.current.get(e);
    if (cached?.checked === checked) return cached.row;
    const row = (
      <div className={`erow${e.critical ? ' critical' : ''}${checked ? ' selected' : ''}`} data-event-id={e.id}>
        <span
          className="pick"
          onClick={(click) => {
            // The box picks; the rest of the row opens the details.
            click.stopPropagation();
            if (selectable(e)) onBox(index, click.shiftKey);
          }}
        >
          <input type="checkbox" aria-label={`Select event ${e.id}`} checked={checked} disabled={!selectable(e)} readOnly tabIndex={-1} />
        </span>
        <span className="sev" title={e.critical ? 'critical' : 'non-critical'}>
          <span className={`sev-dot${e.critical ? ' critical' : ''}`} />
        </span>
        <span className={`status-pill ${e.status}`}>{e.status}</span>
        <span className={`change ${e.change}`}>{CHANGE_LABEL[e.change]}</span>
        <PathCell path={e.path} />
        <span className="truncate">{e.server}</span>
        <span className="truncate muted">{e.policy}</span>
        <span className="muted small" title={formatTime(e.lastSeen)}>
          {timeAgo(e.lastSeen)}
        </span>
      </div>
    );
    rowCache.current.set(e, { checked, row });
    return row;
  };

  return (
    <div className={`screen events-screen${current ? ' with-details' : ''}`}>
      <PageHeader
        title="Events"
        subtitle={
          total === null ? 'Loading events…' : `${count.toLocaleString()} event${count === 1 ? '' : 's'}${hasFilters ? ' match these filters' : ' open'}`
        }
      />
      <div className="filters" role="search" aria-label="Event filters">
        <select aria-label="Server" value={form.server} onChange={(e) => update({ server: e.target.value })}>
          <option value="">All servers</option>
          {(servers.data ?? []).map((s) => (
            <option key={s.name} value={s.name}>
              {s.name}
            </option>
          ))}
          {form.server && !(servers.data ?? []).some((s) => s.name === form.server) ? <option value={form.server}>{form.server}</option> : null}
        </select>
        <select aria-label="Group" value={form.group} onChange={(e) => update({ group: e.target.value })}>
          <option value="">All groups</option>
          {[...(groups.data ?? []).map((g) => g.name), 'Unassigned'].map((g) => (
            <option key={g} value={g}>
              {g}
            </option>
          ))}
        </select>
        <input
          type="search"
          className="path-search mono"
          aria-label="Path"
          placeholder="Path: text, or a glob like */cron.d/*"
          value={pathText}
          onChange={(e) => setPathText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') update({ path: pathText });
          }}
        />
        <select aria-label="Policy" value={form.policy} onChange={(e) => update({ policy: e.target.value })}>
          <option value="">All policies</option>
          {(policies.data ?? []).map((p) => (
            <option key={p.name} value={p.name}>
              {p.name}
            </option>
          ))}
        </select>
        <select aria-label="Severity" value={form.severity} onChange={(e) => update({ severity: e.target.value as FilterForm['severity'] })}>
          <option value="">Any severity</option>
          <option value="critical">Critical</option>
          <option value="non-critical">Non-critical</option>
        </select>
        <select aria-label="Status" value={form.status} onChange={(e) => update({ status: e.target.value as FilterForm['status'] })}>
          <option value="open">Open</option>
          <option value="accepted">Accepted</option>
          <option value="resolved">Resolved</option>
          <option value="retired">Retired</option>
          <option value="all">Any status</option>
        </select>
        <select aria-label="Time" value={form.time} onChange={(e) => update({ time: e.target.value as TimePreset })}>
          <option value="any">Any time</option>
          <option value="1h">Last hour</option>
          <option value="24h">Last 24 hours</option>
          <option value="7d">Last 7 days</option>
          <option value="30d">Last 30 days</option>
          <option value="custom">Between dates…</option>
        </select>
        {form.time === 'custom' ? (
          <>
            <input type="date" aria-label="Since" value={form.since} onChange={(e) => update({ since: e.target.value })} />
            <input type="date" aria-label="Until" value={form.until} onChange={(e) => update({ until: e.target.value })} />
          </>
        ) : null}
        <select aria-label="Order" value={form.order} onChange={(e) => update({ order: e.target.value as FilterForm['order'] })}>
          <option value="desc">Newest first</option>
          <option value="asc">Oldest first</option>
        </select>
        {hasFilters ? (
          <button
            type="button"
            className="btn small"
            onClick={() => {
              setPathText('');
              update({ server: '', group: '', policy: '', path: '', severity: '', status: 'open', time: 'any', since: '', until: '' });
            }}
          >
            Reset filters
          </button>
        ) : null}
        {loadingCount ? <span className="spinner small" aria-label="Loading" /> : null}
      </div>
      <ErrorNotice error={error} onRetry={() => store.getState().invalidate()} />
      <EventsToolbar
        query={query}
        total={total}
        selection={selection}
        onSelectAll={() => setSelection({ ids: new Set(), anchor: null, all: true })}
        onClear={() => setSelection(NO_SELECTION)}
        onAccepted={() => {
          setSelection(NO_SELECTION);
          store.getState().invalidate();
        }}
      />

      <div className="events-body">
        <div className="events-list">
          {total === 0 ? (
            hasFilters ? (
              <EmptyState title="No events match these filters">
                <p>Widen the filters, or pick “Any status” to include accepted and resolved events.</p>
              </EmptyState>
            ) : (
              <EmptyState
                title="No open events"
                action={
                  <a className="btn primary" href={hrefFor('scans')}>
                    Go to Scans
                  </a>
                }
              >
                <p>Every monitored file matches its baseline. Events appear here when a scan finds a file added, removed or changed.</p>
              </EmptyState>
            )
          ) : (
            <>
              <div className="erow ehead">
                <span className="pick">
                  <input
                    type="checkbox"
                    aria-label={`Select all ${count.toLocaleString()} that match`}
                    title={form.status === 'open' ? 'Select every event these filters match' : 'Only open events can be accepted: show open events to select them all'}
                    checked={selection.all}
                    disabled={form.status !== 'open' || count === 0}
                    onChange={(e) => setSelection(e.target.checked ? { ids: new Set(), anchor: null, all: true } : NO_SELECTION)}
                  />
                </span>
                <span aria-hidden="true" />
                <span>Status</span>
                <span>Change</span>
                <span>Path</span>
                <span>Server</span>
                <span>Policy</span>
                <span>Last seen</span>
              </div>
              <VirtualList
                key={queryId}
                count={count}
                rowHeight={ROW_HEIGHT}
                overscan={10}
                renderRow={renderRow}
                activeIndex={active}
                onActiveChange={setActive}
                onOpen={open}
                onToggle={onBox}
                onRangeChange={onRangeChange}
                ariaLabel="Events: arrows move, Enter opens details, Space ticks"
                className="events-vlist"
              />
            </>
          )}
        </div>
        {current ? (
          <EventDetails
            key={current.id}
            event={current}
            onClose={() => setOpenId(null)}
            onAccepted={(events) => {
              store.getState().patch(events);
              const updated = events.find((e) => e.id === current.id);
              if (updated) setOpenEvent(updated);
            }}
          />
        ) : null}
      </div>
    </div>
  );
}

/** The file name stays whole; the folder before it is what gets cut when space runs out. */
export function PathCell({ path }: { path: string }) {
  const cut = path.lastIndexOf('/', path.length - 2) + 1;
  return (
    <span className="mono path split-path" title={path}>
      <span className="path-dir">{path.slice(0, cut)}</span>
      <span className="path-base">{path.slice(cut)}</span>
    </span>
  );
}

function findCached(pages: ReadonlyMap<number, FimEvent[]>, id: number): FimEvent | undefined {
  for (const rows of pages.values()) {
    const found = rows.find((e) => e.id === id);
    if (found) return found;
  }
  return undefined;
}
