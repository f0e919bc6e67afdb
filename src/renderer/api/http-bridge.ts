// The browser transport: POST /api/<name> with JSON for calls, one EventSource on /api/events for
// pushes. The per-run token travels in the HttpOnly session cookie that the server set when the
// printed URL was opened, so this code never sees it (docs/console.md).
import { ApiError, type ArgsOf, type DriftwatchBridge, type Envelope, type HandlerName, type PushEvents, type PushName, type ResultOf } from '../../shared/api.js';
import { toApiError } from './errors.js';

export interface EventSourceLike {
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  close(): void;
}

export interface HttpBridgeOptions {
  /** Where the server is; '' means this page's own origin. */
  baseUrl?: string;
  fetch?: typeof fetch;
  openEventSource?: (url: string) => EventSourceLike;
}

export function unwrapEnvelope<T>(envelope: Envelope<T>): T {
  if (envelope && typeof envelope === 'object' && 'ok' in envelope) {
    if (envelope.ok) return envelope.data;
    throw toApiError(envelope.error);
  }
  throw new ApiError('internal', 'the engine sent a reply that is not an envelope');
}

export function createHttpBridge(options: HttpBridgeOptions = {}): DriftwatchBridge {
  const base = options.baseUrl ?? '';
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const openEventSource = options.openEventSource ?? ((url: string) => new EventSource(url));
  const listeners = new Map<PushName, Set<(payload: never) => void>>();
  let source: EventSourceLike | null = null;
  const subscribed = new Set<PushName>();

  function ensureSource(name: PushName): void {
    source ??= openEventSource(`${base}/api/events`);
    if (subscribed.has(name)) return;
    subscribed.add(name);
    source.addEventListener(name, (event) => {
      let payload: unknown;
      try {
        payload = JSON.parse(event.data);
      } catch {
        return;
      }
      for (const listener of listeners.get(name) ?? []) (listener as (p: unknown) => void)(payload);
    });
  }

  return {
    async call<K extends HandlerName>(name: K, args: ArgsOf<K>): Promise<ResultOf<K>> {
      let response: Response;
      try {
        response = await doFetch(`${base}/api/${name}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: args === undefined ? '' : JSON.stringify(args),
          credentials: 'same-origin',
        });
      } catch {
        throw new ApiError('internal', 'cannot reach the Driftwatch engine: is `driftwatch serve` still running?');
      }
      let envelope: Envelope<ResultOf<K>>;
      try {
        envelope = (await response.json()) as Envelope<ResultOf<K>>;
      } catch {
        throw new ApiError(response.status === 401 ? 'unauthorized' : 'internal', `the engine answered HTTP ${response.status} without a readable reply`);
      }
      return unwrapEnvelope(envelope);
    },
    on<K extends PushName>(name: K, listener: (payload: PushEvents[K]) => void): () => void {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      set.add(listener as (payload: never) => void);
      ensureSource(name);
      return () => {
        set.delete(listener as (payload: never) => void);
      };
    },
  };
}
