// `driftwatch serve` with the real engine on a temp home: a call over HTTP, and a scan's pushes
// arriving over the event stream.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startConsole, type RunningConsole } from '../../../src/main/server/serve-command.js';

let running: RunningConsole;
let home: string;
let target: string;

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-serve-home-'));
  target = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-serve-target-'));
  fs.writeFileSync(path.join(target, 'a.conf'), 'a=1\n');
  running = await startConsole({ home });
});

afterAll(async () => {
  await running.stop();
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(target, { recursive: true, force: true });
});

async function call(name: string, args?: unknown): Promise<{ ok: boolean; data?: unknown; error?: { code: string } }> {
  const res = await fetch(`${running.server.origin}/api/${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${running.server.token}`, 'content-type': 'application/json' },
    body: args === undefined ? '' : JSON.stringify(args),
  });
  return (await res.json()) as { ok: boolean; data?: unknown };
}

it('serves the real handlers and streams scan progress', async () => {
  expect(await call('servers/list')).toEqual({ ok: true, data: [] });
  expect((await call('servers/add', { name: 'this-machine', local: true })).ok).toBe(true);
  await call('policies/add', { name: 'p' });
  await call('policies/addTarget', { policy: 'p', target: { path: target } });
  await call('groups/add', { name: 'g', policies: ['p'] });
  await call('servers/move', { names: ['this-machine'], group: 'g' });
  expect((await call('baselines/create', { policy: 'p', servers: ['this-machine'] })).ok).toBe(true);

  const received: string[] = [];
  const stream = await new Promise<http.ClientRequest>((resolve, reject) => {
    const req = http.get(
      `${running.server.origin}/api/events`,
      { headers: { authorization: `Bearer ${running.server.token}` } },
      (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          received.push(chunk);
          if (chunk.includes(': connected')) resolve(req);
        });
      },
    );
    req.on('error', reject);
  });
  const scan = (await call('scans/run', { all: true })) as { ok: boolean; data: { servers: { status: string }[] } };
  expect(scan.data.servers[0]!.status).toBe('completed_clean');
  await expect.poll(() => received.join('')).toContain('event: events/changed');
  const text = received.join('');
  expect(text).toContain('event: scan/progress\ndata: {"server":"this-machine","status":"running"}');
  expect(text).toContain('"status":"completed_clean"');
  stream.destroy();
});
