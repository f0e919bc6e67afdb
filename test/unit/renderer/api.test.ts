// The renderer's transports: envelopes in, ApiErrors out, pushes to listeners.
import { describe, expect, it, vi } from 'vitest';
import { ApiError, type DriftwatchBridge } from '../../../src/shared/api.js';
import { describeError, toApiError } from '../../../src/renderer/api/errors.js';
import { createHttpBridge, type EventSourceLike } from '../../../src/renderer/api/http-bridge.js';
import { createIpcBridge } from '../../../src/renderer/api/ipc-bridge.js';
import { pickBridge } from '../../../src/renderer/api/pick.js';

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

describe('errors', () => {
  it('rebuilds ApiError from every shape that crosses a transport', () => {
    const same = new ApiError('conflict', 'x');
    expect(toApiError(same)).toBe(same);
    expect(toApiError({ code: 'not_found', message: 'no server' })).toMatchObject({ code: 'not_found', message: 'no server' });
    expect(toApiError(new Error('boom'))).toMatchObject({ code: 'internal', message: 'boom' });
    expect(toApiError({ code: 'made_up', message: 'm' })).toMatchObject({ code: 'internal', message: 'm' });
    expect(toApiError('plain')).toMatchObject({ code: 'internal', message: 'plain' });
    expect(toApiError(undefined)).toBeInstanceOf(ApiError);
  });

  it('describes errors in words', () => {
    expect(describeError(new ApiError('host_key_mismatch', 'web-1 changed its key'))).toBe('Host key mismatch: web-1 changed its key');
    expect(describeError(new ApiError('internal', ''))).toBe('Error: no details were given');
  });
});

describe('HTTP transport', () => {
  it('POSTs JSON args to /api/<name> and unwraps the envelope', async () => {
    const fetch = vi.fn(async () => jsonResponse(200, { ok: true, data: [{ name: 'web' }] }));
    const bridge = createHttpBridge({ baseUrl: 'http://127.0.0.1:9', fetch: fetch as unknown as typeof globalThis.fetch });
    await expect(bridge.call('groups/list', undefined)).resolves.toEqual([{ name: 'web' }]);
    await bridge.call('groups/add', { name: 'db' });
    const [url, init] = fetch.mock.calls[1] as unknown as [string, RequestInit];
    expect(url).toBe('http://127.0.0.1:9/api/groups/add');
    expect(init.method).toBe('POST');
    expect(init.body).toBe('{"name":"db"}');
    expect((init.headers as Record<string, string>)['content-type']).toBe('application/json');
    expect((fetch.mock.calls[0] as unknown as [string, RequestInit])[1].body).toBe('');
  });

  it('rebuilds envelope errors as ApiError with their code', async () => {
    const bridge = createHttpBridge({ fetch: (async () => jsonResponse(404, { ok: false, error: { code: 'not_found', message: "no server 'x'" } })) as typeof fetch });
    const err = await bridge.call('servers/get', { name: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'not_found', message: "no server 'x'" });
  });

  it('turns a network failure and an unreadable reply into words', async () => {
    const down = createHttpBridge({ fetch: (async () => { throw new TypeError('Failed to fetch'); }) as typeof fetch });
    await expect(down.call('servers/list', undefined)).rejects.toMatchObject({ code: 'internal', message: expect.stringContaining('cannot reach') });
    const html = createHttpBridge({ fetch: (async () => new Response('<html>', { status: 401 })) as typeof fetch });
    await expect(html.call('servers/list', undefined)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('opens one event stream and routes pushes by name', () => {
    const handlers = new Map<string, (e: MessageEvent<string>) => void>();
    const open = vi.fn((): EventSourceLike => ({ addEventListener: (type, l) => handlers.set(type, l), close: () => undefined }));
    const bridge = createHttpBridge({ baseUrl: '', openEventSource: open, fetch: (async () => jsonResponse(200, { ok: true })) as typeof fetch });
    const progress = vi.fn();
    const changed = vi.fn();
    const off = bridge.on('scan/progress', progress);
    bridge.on('events/changed', changed);
    expect(open).toHaveBeenCalledTimes(1);
    expect(open).toHaveBeenCalledWith('/api/events');
    handlers.get('scan/progress')!({ data: '{"server":"web-1","status":"running"}' } as MessageEvent<string>);
    expect(progress).toHaveBeenCalledWith({ server: 'web-1', status: 'running' });
    expect(changed).not.toHaveBeenCalled();
    off();
    handlers.get('scan/progress')!({ data: '{"server":"web-1","status":"failed"}' } as MessageEvent<string>);
    expect(progress).toHaveBeenCalledTimes(1);
    handlers.get('scan/progress')!({ data: 'not json' } as MessageEvent<string>);
  });
});

describe('IPC transport', () => {
  it('rebuilds the plain { code, message } the preload rejects with', async () => {
    const raw: DriftwatchBridge = {
      call: (async () => Promise.reject({ code: 'conflict', message: 'exists' })) as DriftwatchBridge['call'],
      on: () => () => undefined,
    };
    const err = await createIpcBridge(raw).call('groups/add', { name: 'web' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'conflict', message: 'exists' });
  });

  it('is picked when the preload exposed window.driftwatch, HTTP otherwise', () => {
    const raw: DriftwatchBridge = { call: (async () => undefined) as DriftwatchBridge['call'], on: () => () => undefined };
    expect(pickBridge({ driftwatch: raw }).kind).toBe('ipc');
    expect(pickBridge({}).kind).toBe('http');
  });
});
