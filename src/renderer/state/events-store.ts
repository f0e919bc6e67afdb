// The events list reads pages on demand: only the rows near the viewport are ever fetched, so a
// list of 100,000 events costs one page (and its total) to show. Newest first unless the query
// says otherwise; the engine reads any page, at any offset, from its indexes.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { DriftwatchBridge, EventFilter } from '../../shared/api.js';
import type { FimEvent } from '../../shared/domain.js';
import { describeError } from '../api/errors.js';

export const PAGE_SIZE = 200;
export const MAX_IN_FLIGHT = 2;

export type EventQuery = Omit<EventFilter, 'offset' | 'limit'>;

export interface EventsState {
  query: EventQuery;
  total: number | null;
  pages: ReadonlyMap<number, FimEvent[]>;
  /** Pages of the previous generation, shown while their fresh copies load. */
  stale: ReadonlyMap<number, FimEvent[]>;
  loading: ReadonlySet<number>;
  error: string | null;
  /** Bumped on every new query (the list then starts again at the top). */
  queryId: number;
  /** Bumped on every new query or invalidation; replies of older generations are dropped. */
  generation: number;
  range: { start: number; end: number };
  setQuery(query: EventQuery): void;
  ensureRange(start: number, end: number): void;
  invalidate(): void;
  /** Puts updated events (after accept) in place, where they are cached. */
  patch(events: FimEvent[]): void;
}

export type EventsStore = StoreApi<EventsState>;

export function rowAt(state: Pick<EventsState, 'pages' | 'stale'>, index: number): FimEvent | undefined {
  const page = Math.floor(index / PAGE_SIZE);
  return (state.pages.get(page) ?? state.stale.get(page))?.[index % PAGE_SIZE];
}

export function createEventsStore(bridge: DriftwatchBridge, initial: EventQuery = { status: 'open', order: 'desc' }): EventsStore {
  const store = createStore<EventsState>()((set, get) => {
    // At most MAX_IN_FLIGHT pages are asked for at once, and only pages of the current range: a fast
    // scroll over thousands of rows does not queue up every page it passed.
    let inFlight = 0;

    function wantedPages(): number[] {
      const { range, total } = get();
      const first = Math.floor(Math.max(0, range.start) / PAGE_SIZE);
      const lastIndex = total === null ? Math.max(range.start, range.end) : Math.min(Math.max(range.start, range.end), Math.max(0, total - 1));
      const last = Math.max(first, Math.floor(lastIndex / PAGE_SIZE));
      const pages: number[] = [];
      for (let page = first; page <= last; page++) pages.push(page);
      // The page under the middle of the view first; pages holding only overscan rows after it.
      const centre = Math.floor((Math.max(0, range.start) + Math.min(lastIndex, Math.max(range.start, range.end))) / 2 / PAGE_SIZE);
      return pages.sort((a, b) => Math.abs(a - centre) - Math.abs(b - centre));
    }

    function pump(): void {
      while (inFlight < MAX_IN_FLIGHT) {
        const { pages, loading } = get();
        const page = wantedPages().find((p) => !pages.has(p) && !loading.has(p));
        if (page === undefined) return;
        fetchPage(page);
      }
    }

    function fetchPage(page: number): void {
      const { generation, query, loading } = get();
      inFlight++;
      set({ loading: new Set(loading).add(page) });
      bridge
        .call('events/list', { ...query, offset: page * PAGE_SIZE, limit: PAGE_SIZE })
        .then(
          (result) => {
            if (get().generation !== generation) return;
            const nextLoading = new Set(get().loading);
            nextLoading.delete(page);
            const nextPages = new Map(get().pages);
            nextPages.set(page, result.events);
            set({ pages: nextPages, loading: nextLoading, total: result.total, error: null });
          },
          (err: unknown) => {
            if (get().generation !== generation) return;
            const nextLoading = new Set(get().loading);
            nextLoading.delete(page);
            set({ loading: nextLoading, error: describeError(err) });
          },
        )
        .finally(() => {
          inFlight--;
          if (!get().error) pump();
        });
    }

    function refetch(): void {
      const { start, end } = get().range;
      get().ensureRange(start, end);
    }

    return {
      query: initial,
      total: null,
      pages: new Map(),
      stale: new Map(),
      loading: new Set(),
      error: null,
      generation: 0,
      queryId: 0,
      range: { start: 0, end: 50 },

      setQuery(query) {
        set((s) => ({ query, total: null, pages: new Map(), stale: new Map(), loading: new Set(), error: null, generation: s.generation + 1, queryId: s.queryId + 1, range: { start: 0, end: 50 } }));
        refetch();
      },

      ensureRange(start, end) {
        const { range } = get();
        if (range.start !== start || range.end !== end) set({ range: { start, end } });
        pump();
      },

      invalidate() {
        // Keep showing the rows we had until the fresh pages arrive, so the list does not flash empty.
        set((s) => ({ generation: s.generation + 1, stale: s.pages.size ? s.pages : s.stale, pages: new Map(), loading: new Set(), error: null }));
        refetch();
      },

      patch(events) {
        const byId = new Map(events.map((e) => [e.id, e]));
        const apply = (pages: ReadonlyMap<number, FimEvent[]>) => {
          const next = new Map<number, FimEvent[]>();
          for (const [page, rows] of pages) next.set(page, rows.map((row) => byId.get(row.id) ?? row));
          return next;
        };
        set((s) => ({ pages: apply(s.pages), stale: apply(s.stale) }));
      },
    };
  });
  return store;
}
