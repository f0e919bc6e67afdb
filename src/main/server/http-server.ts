// The loopback console server behind `driftwatch serve`: the same handler table as the CLI and the
// Electron IPC bridge, over HTTP on 127.0.0.1 only.
//
//   POST /api/<namespace>/<action>   JSON args  → Envelope JSON (through `dispatch`)
//   GET  /api/events                 server-sent events: `event: <push name>` / `data: <json>`
//   GET  /…                          the built renderer (dist/renderer)
//
// Every request must name this server in its Host header (DNS rebinding → 403), carry no foreign
// Origin (→ 403), and present the per-run token (→ 401): `Authorization: Bearer <token>`, or the
// HttpOnly SameSite=Strict cookie that opening the printed `/?token=…` URL sets. See docs/console.md.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dispatch, type HandlerTable, type PushListener } from '../api/dispatch.js';
import type { Envelope, ErrorCode, PushEvents, PushName } from '../../shared/api.js';
import { hostAllowed, newToken, originAllowed, presentedToken, sessionCookie, tokenMatches } from './security.js';
import { resolveStatic } from './static.js';

export interface ConsoleServerOptions {
  handlers: HandlerTable;
  /** Subscribes to engine pushes; returns the unsubscribe function. */
  onPush: (listener: PushListener) => () => void;
  /** 0 (the default) lets the system pick a free port. */
  port?: number;
  /** The built renderer; when missing, `/` explains how to build it. */
  staticDir?: string;
  /** Only tests pass one; otherwise a new random token is made for this run. */
  token?: string;
  /** How often an idle event stream gets a comment line, so proxies and browsers keep it. */
  heartbeatMs?: number;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes?: number;
}

export interface ConsoleServer {
  port: number;
  token: string;
  /** http://127.0.0.1:PORT */
  origin: string;
  /** The URL to open: it carries the token once, and the server swaps it for a session cookie. */
  url: string;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const DEFAULT_MAX_BODY = 16 * 1024 * 1024;

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const STATUS_FOR: Record<ErrorCode, number> = {
  invalid_input: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  host_key_unknown: 409,
  host_key_mismatch: 409,
  scan_failed: 502,
  internal: 500,
};

export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const token = options.token ?? newToken();
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const streams = new Set<http.ServerResponse>();
  let port = 0;

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendEnvelope(res, 500, { ok: false, error: { code: 'internal', message: String(err) } });
      else res.destroy();
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    if (!hostAllowed(req.headers.host, port)) {
      return sendText(res, 403, 'Forbidden: this server answers only to 127.0.0.1 and localhost (Host header refused).');
    }
    const origin = req.headers.origin;
    if (!originAllowed(origin, port) || req.headers['sec-fetch-site'] === 'cross-site') {
      return sendText(res, 403, 'Forbidden: requests from other origins are refused.');
    }
    const url = new URL(req.url ?? '/', `http://${HOST}:${port}`);

    // The printed URL carries the token once; swap it for the session cookie and drop it from the address bar.
    const queryToken = url.searchParams.get('token');
    if (queryToken !== null && (req.method === 'GET' || req.method === 'HEAD')) {
      if (!tokenMatches(queryToken, token)) return unauthorized(req, res);
      url.searchParams.delete('token');
      res.setHeader('Set-Cookie', sessionCookie(port, token));
      res.setHeader('Cache-Control', 'no-store');
      res.writeHead(303, { Location: url.pathname + url.search });
      res.end();
      return;
    }
    if (!tokenMatches(presentedToken(req.headers, port), token)) return unauthorized(req, res);

    if (url.pathname === '/api/events') {
      if (req.method !== 'GET') return methodNotAllowed(res, 'GET');
      return openEventStream(req, res);
    }
    if (url.pathname.startsWith('/api/')) {
      if (req.method !== 'POST') return methodNotAllowed(res, 'POST');
      return apiCall(req, res, url.pathname.slice('/api/'.length));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
    return serveStatic(req, res, url.pathname);
  }

  async function apiCall(req: http.IncomingMessage, res: http.ServerResponse, name: string): Promise<void> {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      return sendEnvelope(res, 415, { ok: false, error: { code: 'invalid_input', message: 'send the arguments as application/json' } });
    }
    let body: string;
    try {
      body = await readBody(req, maxBody);
    } catch (err) {
      return sendEnvelope(res, 413, { ok: false, error: { code: 'invalid_input', message: (err as Error).message } });
    }
    let args: unknown;
    try {
      args = body.trim() === '' ? undefined : JSON.parse(body);
    } catch {
      return sendEnvelope(res, 400, { ok: false, error: { code: 'invalid_input', message: 'the request body is not valid JSON' } });
    }
    let decodedName: string;
    try {
      decodedName = decodeURIComponent(name);
    } catch {
      decodedName = name;
    }
    const envelope = await dispatch(options.handlers, decodedName, args);
    sendEnvelope(res, envelope.ok ? 200 : STATUS_FOR[envelope.error.code], envelope);
  }

  function openEventStream(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 2000\n: connected\n\n');
    streams.add(res);
    const listener: PushListener = <K extends PushName>(name: K, payload: PushEvents[K]) => {
      res.write(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`);
    };
    const unsubscribe = options.onPush(listener);
    const heartbeat = setInterval(() => res.write(': ping\n\n'), heartbeatMs);
    heartbeat.unref();
    const done = () => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(res);
    };
    req.on('close', done);
    res.on('close', done);
  }

  function serveStatic(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): void {
    const root = options.staticDir;
    if (!root || !fs.existsSync(root)) {
      if (pathname === '/' || pathname === '/index.html') {
        return sendText(res, 503, 'The console has not been built yet: run `npm run build:renderer` (or `npm start`), then reload.');
      }
      return sendText(res, 404, 'Not found.');
    }
    const found = resolveStatic(root, pathname);
    if (found.kind === 'forbidden') return sendText(res, 403, 'Forbidden path.');
    if (found.kind === 'not_found') return sendText(res, 404, 'Not found.');
    const stat = fs.statSync(found.file);
    res.writeHead(200, {
      'Content-Type': found.contentType,
      'Content-Length': String(stat.size),
      // Hashed asset names may be cached; index.html must not be, so a rebuild shows at once.
      'Cache-Control': pathname.startsWith('/assets/') ? 'private, max-age=31536000, immutable' : 'no-store',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    fs.createReadStream(found.file).pipe(res);
  }

  function unauthorized(req: http.IncomingMessage, res: http.ServerResponse): void {
    const wantsJson = (req.url ?? '').startsWith('/api/') || !(req.headers.accept ?? '').includes('text/html');
    if (wantsJson) {
      return sendEnvelope(res, 401, {
        ok: false,
        error: { code: 'unauthorized', message: 'missing or wrong console token: open the URL that `driftwatch serve` printed' },
      });
    }
    res.writeHead(401, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(
      '<!doctype html><meta charset="utf-8"><title>Driftwatch: token needed</title>' +
        '<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;line-height:1.5">' +
        '<h1>Driftwatch console</h1><p>This page needs the access token of the running console. ' +
        'Open the full URL that <code>driftwatch serve</code> printed in its terminal ' +
        '(it ends with <code>?token=…</code>). Each run makes a new token.</p></body>',
    );
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://${HOST}:${port}`;

  return {
    port,
    token,
    origin,
    url: `${origin}/?token=${token}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of streams) res.end();
        streams.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function sendEnvelope(res: http.ServerResponse, status: number, envelope: Envelope<unknown>): void {
  const body = JSON.stringify(envelope) ?? 'null';
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(body);
}

function sendText(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text + '\n');
}

function methodNotAllowed(res: http.ServerResponse, allow: string): void {
  res.setHeader('Allow', allow);
  sendText(res, 405, `Method not allowed (use ${allow}).`);
}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return; // keep draining, so the reply can still be read
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
        reject(new Error(`the request body is larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
