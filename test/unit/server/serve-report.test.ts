// `driftwatch serve` keeps answering while it makes a big PDF report: the report is drawn in
// slices that give the event loop back, so API calls made and an event stream opened after the
// report was asked for are answered before it is done. The real engine on a temp home, a real scan, the loopback server.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startConsole, type RunningConsole } from '../../../src/main/server/serve-command.js';

let running: RunningConsole;
let home: string;
let target: string;

/** One API call on a connection of its own (no kept-alive socket the server may close meanwhile). */
function call(name: string, args?: unknown): Promise<{ ok: boolean; data?: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${running.server.origin}/api/${name}`,
      { method: 'POST', agent: false, headers: { authorization: `Bearer ${running.server.token}`, 'content-type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { ok: boolean; data?: unknown }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(args === undefined ? '' : JSON.stringify(args));
  });
}

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-serve-report-home-'));
  target = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-serve-report-target-'));
  running = await startConsole({ home });
  await call('servers/add', { name: 'this-machine', local: true });
  await call('policies/add', { name: 'p' });
  await call('policies/addTarget', { policy: 'p', target: { path: target } });
  await call('groups/add', { name: 'g', policies: ['p'] });
  await call('servers/move', { names: ['this-machine'], group: 'g' });
  expect((await call('baselines/create', { policy: 'p', servers: ['this-machine'] })).ok).toBe(true);
  // 3,000 added files: 3,000 events, a report of many pages.
  for (let i = 0; i < 3000; i++) fs.writeFileSync(path.join(target, `added-file-with-a-longish-name-${String(i).padStart(4, '0')}.conf`), `${i}\n`);
  expect((await call('scans/run', { all: true })).ok).toBe(true);
}, 120_000);

afterAll(async () => {
  await running.stop();
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(target, { recursive: true, force: true });
});

it('answers other API calls and opens the event stream while a large PDF report is being made', async () => {
  const order: string[] = [];
  const report = call('reports/pdf', { kind: 'events', filter: { status: 'all' } }).then((r) => {
    order.push('report');
    return r;
  });
  // The event stream opened after the report was asked for connects before it is done.
  const stream = http.get(`${running.server.origin}/api/events`, { agent: false, headers: { authorization: `Bearer ${running.server.token}` } }, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      if (chunk.includes(': connected') && !order.includes('stream')) order.push('stream');
    });
  });
  stream.on('error', () => undefined);
  // One call after another, each asked once the previous one is answered, until the report is done.
  let answered = 0;
  while (!order.includes('report')) {
    const r = await call('servers/list');
    if (order.includes('report')) break;
    expect(r.ok).toBe(true);
    answered += 1;
    order.push('list');
  }
  const pdf = (await report) as { ok: boolean; data: { pages: number } };
  expect(pdf.ok).toBe(true);
  expect(pdf.data.pages).toBeGreaterThan(20);
  // Blocking the event loop lets at most the first call in before the report; slices let many.
  expect(answered).toBeGreaterThanOrEqual(3);
  expect(order.at(-1)).toBe('report');
  expect(order.indexOf('stream')).toBeGreaterThanOrEqual(0);
  stream.destroy();
}, 120_000);
