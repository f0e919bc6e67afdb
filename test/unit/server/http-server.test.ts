// The loopback server over real HTTP on 127.0.0.1, against a fake handler table.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HandlerTable, PushListener } from '../../../src/main/api/dispatch.js';
import { startConsoleServer, type ConsoleServer } from '../../../src/main/server/http-server.js';
import { ApiError } from '../../../src/shared/api.js';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(
  server: ConsoleServer,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: { host: `127.0.0.1:${server.port}`, ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

function call(server: ConsoleServer, name: string, args: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return request(server, {
    method: 'POST',
    path: `/api/${name}`,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}`, ...headers },
    body: args === undefined ? '' : JSON.stringify(args),
  });
}

const listeners = new Set<PushListener>();
const calls: unknown[] = [];
const fakeHandlers = {
  'servers/list': () => [{ name: 'web-1' }],
  'groups/add': (args: { name: string }) => {
    calls.push(args);
    return { name: args.name, policies: [] };
  },
  'servers/get': (args: { name: string }) => {
    throw new ApiError('not_found', `no server '${args.name}'`);
  },
  'servers/remove': () => undefined,
} as unknown as HandlerTable;

let server: ConsoleServer;
let staticDir: string;

beforeAll(async () => {
  staticDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-static-'));
  fs.mkdirSync(path.join(staticDir, 'assets'));
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>Driftwatch</title>');
  fs.writeFileSync(path.join(staticDir, 'assets', 'app-1234.js'), 'console.log(1)');
  fs.writeFileSync(path.join(staticDir, 'assets', 'app-1234.css'), 'body{}');
  fs.writeFileSync(path.join(path.dirname(staticDir), 'dw-secret.txt'), 'secret');
  server = await startConsoleServer({
    handlers: fakeHandlers,
    onPush: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    staticDir,
    heartbeatMs: 50,
  });
});

afterAll(async () => {
  await server.close();
  fs.rmSync(staticDir, { recursive: true, force: true });
});

describe('binding and token', () => {
  it('listens on 127.0.0.1 with a long random token in the printed URL', () => {
    expect(server.origin).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.url).toBe(`${server.origin}/?token=${server.token}`);
    expect(server.token.length).toBeGreaterThanOrEqual(40);
  });

  it('refuses an API call without a token (401, unauthorized envelope)', async () => {
    const reply = await request(server, { method: 'POST', path: '/api/servers/list', headers: { 'content-type': 'application/json' } });
    expect(reply.status).toBe(401);
    expect(JSON.parse(reply.body)).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
  });

  it('refuses a wrong token, as bearer or cookie', async () => {
    const bearer = await call(server, 'servers/list', undefined, { authorization: `Bearer ${server.token.slice(1)}x` });
    expect(bearer.status).toBe(401);
    const cookie = await request(server, {
      method: 'POST',
      path: '/api/servers/list',
      headers: { 'content-type': 'application/json', cookie: `driftwatch_${server.port}=nope` },
    });
    expect(cookie.status).toBe(401);
  });

  it('refuses a page without the token with words, not a blank page', async () => {
    const reply = await request(server, { path: '/', headers: { accept: 'text/html' } });
    expect(reply.status).toBe(401);
    expect(reply.body).toContain('driftwatch serve');
  });

  it('swaps ?token= for an HttpOnly SameSite=Strict cookie and redirects without it', async () => {
    const reply = await request(server, { path: `/?token=${server.token}` });
    expect(reply.status).toBe(303);
    expect(reply.headers.location).toBe('/');
    const setCookie = reply.headers['set-cookie']?.[0] ?? '';
    expect(setCookie).toContain(`driftwatch_${server.port}=${server.token}`);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    const withCookie = await request(server, { path: '/', headers: { cookie: `driftwatch_${server.port}=${server.token}` } });
    expect(withCookie.status).toBe(200);
    expect(withCookie.body).toContain('Driftwatch');
  });

  it('does not set a cookie for a wrong ?token=', async () => {
    const reply = await request(server, { path: '/?token=wrong', headers: { accept: 'text/html' } });
    expect(reply.status).toBe(401);
    expect(reply.headers['set-cookie']).toBeUndefined();
  });
});

describe('DNS rebinding and cross-origin', () => {
  it('refuses a foreign Host header even with the right token (403)', async () => {
    const reply = await call(server, 'servers/list', undefined, { host: `evil.example:${server.port}` });
    expect(reply.status).toBe(403);
    const otherPort = await call(server, 'servers/list', undefined, { host: `127.0.0.1:${server.port + 1}` });
    expect(otherPort.status).toBe(403);
  });

  it('refuses a foreign Origin even with the right token (403)', async () => {
    for (const origin of ['http://evil.example', `http://127.0.0.1:${server.port + 1}`, 'null', `https://127.0.0.1:${server.port}`]) {
      const reply = await call(server, 'servers/list', undefined, { origin });
      expect(reply.status, origin).toBe(403);
    }
  });

  it('refuses cross-site fetch metadata', async () => {
    const reply = await call(server, 'servers/list', undefined, { 'sec-fetch-site': 'cross-site' });
    expect(reply.status).toBe(403);
  });

  it('accepts its own Origin and localhost', async () => {
    const own = await call(server, 'servers/list', undefined, { origin: server.origin });
    expect(own.status).toBe(200);
    const localhost = await call(server, 'servers/list', undefined, {
      host: `localhost:${server.port}`,
      origin: `http://localhost:${server.port}`,
    });
    expect(localhost.status).toBe(200);
  });

  it('sends a restrictive Content-Security-Policy', async () => {
    const reply = await call(server, 'servers/list', undefined);
    expect(reply.headers['content-security-policy']).toContain("default-src 'self'");
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('API calls', () => {
  it('dispatches a good call and returns the envelope', async () => {
    const reply = await call(server, 'servers/list', undefined);
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ ok: true, data: [{ name: 'web-1' }] });
  });

  it('passes the JSON args to the handler', async () => {
    const reply = await call(server, 'groups/add', { name: 'web' });
    expect(JSON.parse(reply.body)).toEqual({ ok: true, data: { name: 'web', policies: [] } });
    expect(calls).toContainEqual({ name: 'web' });
  });

  it('returns a void result as ok without data', async () => {
    const reply = await call(server, 'servers/remove', { name: 'x' });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ ok: true });
  });

  it('carries ApiError codes in the envelope', async () => {
    const reply = await call(server, 'servers/get', { name: 'ghost' });
    expect(reply.status).toBe(404);
    expect(JSON.parse(reply.body)).toEqual({ ok: false, error: { code: 'not_found', message: "no server 'ghost'" } });
  });

  it('answers an unknown handler with not_found, including prototype names', async () => {
    for (const name of ['nope/nothing', 'constructor', '__proto__']) {
      const reply = await call(server, name, {});
      expect(JSON.parse(reply.body)).toMatchObject({ ok: false, error: { code: 'not_found' } });
    }
  });

  it('refuses bad JSON, other content types and GET on handlers', async () => {
    const bad = await request(server, {
      method: 'POST',
      path: '/api/groups/add',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
      body: '{nope',
    });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    const form = await request(server, {
      method: 'POST',
      path: '/api/groups/add',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${server.token}` },
      body: 'name=x',
    });
    expect(form.status).toBe(415);
    const get = await request(server, { path: '/api/servers/list', headers: { authorization: `Bearer ${server.token}` } });
    expect(get.status).toBe(405);
  });
});

describe('server-sent events', () => {
  it('delivers an engine push to a connected stream, and unsubscribes on close', async () => {
    const received = await new Promise<string>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: server.port,
          path: '/api/events',
          headers: { host: `127.0.0.1:${server.port}`, authorization: `Bearer ${server.token}`, accept: 'text/event-stream' },
        },
        (res) => {
          expect(res.statusCode).toBe(200);
          expect(res.headers['content-type']).toContain('text/event-stream');
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
            if (text.includes(': connected')) {
              for (const listener of listeners) listener('scan/progress', { server: 'web-1', status: 'running' });
            }
            if (text.includes('event: scan/progress')) {
              req.destroy();
              resolve(text);
            }
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(received).toContain('event: scan/progress\ndata: {"server":"web-1","status":"running"}\n\n');
    await expect.poll(() => listeners.size).toBe(0);
  });

  it('refuses the event stream without the token', async () => {
    const reply = await request(server, { path: '/api/events' });
    expect(reply.status).toBe(401);
  });
});

describe('static files', () => {
  const auth = () => ({ authorization: `Bearer ${server.token}` });

  it('serves the renderer with the right content types', async () => {
    const js = await request(server, { path: '/assets/app-1234.js', headers: auth() });
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const css = await request(server, { path: '/assets/app-1234.css', headers: auth() });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    const html = await request(server, { path: '/index.html', headers: auth() });
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(html.headers['cache-control']).toBe('no-store');
  });

  it('refuses directory traversal in every spelling', async () => {
    for (const p of ['/../dw-secret.txt', '/assets/../../dw-secret.txt', '/%2e%2e/dw-secret.txt', '/%2e%2e%2fdw-secret.txt', '/..%5cdw-secret.txt', '/%00index.html']) {
      const reply = await request(server, { path: p, headers: auth() });
      expect([403, 404], p).toContain(reply.status);
      expect(reply.body, p).not.toContain('secret');
    }
  });

  it('answers 404 for missing files and directories', async () => {
    expect((await request(server, { path: '/nope.js', headers: auth() })).status).toBe(404);
    expect((await request(server, { path: '/assets', headers: auth() })).status).toBe(404);
  });
});
