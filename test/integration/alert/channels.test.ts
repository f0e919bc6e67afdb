// The SIEM channels of an alert profile, each against a real endpoint on loopback: a webhook (HTTP
// server), syslog over UDP and TCP (RFC 5424), and a JSON-lines file; and host-key mismatches.
import dgram from 'node:dgram';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/shared/api.js';
import { call, cleanup, scanDelivered, setupLocal, tempDir, type Setup } from './helpers.js';

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function local(prefix: string, options: Parameters<typeof setupLocal>[1] = {}): Promise<Setup> {
  const s = await setupLocal(prefix, options);
  closers.push(() => {
    s.engine.close();
    cleanup(s.home, s.tree);
  });
  return s;
}

async function webhookServer(status = () => 200) {
  const bodies: { headers: http.IncomingHttpHeaders; body: unknown }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const code = status();
      if (code === 200) bodies.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(code, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/hook`, bodies };
}

const RFC5424 = /^<(\d{1,3})>1 (\S+) (\S+) driftwatch (\d+) (\S+) \[driftwatch@32473((?: [a-z]+="(?:[^"\\\]]|\\["\\\]])*")*)\] (.*)$/;

function sdParams(sd: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of sd.matchAll(/ ([a-z]+)="((?:[^"\\\]]|\\["\\\]])*)"/g)) out[m[1]!] = m[2]!.replace(/\\(["\\\]])/g, '$1');
  return out;
}

describe('alert channels', () => {
  it('POSTs one JSON document per scan and profile to a webhook', async () => {
    const hook = await webhookServer();
    const { engine, tree } = await local('hook');
    await call(engine, 'alertProfiles/add', { name: 'siem', webhook: hook.url, isDefault: true });
    fs.writeFileSync(path.join(tree, 'alert', 'a.conf'), 'changed\n');
    fs.writeFileSync(path.join(tree, 'quiet', 'new'), 'new\n');
    const [r] = await scanDelivered(engine, { groups: ['G'] });
    expect(hook.bodies).toHaveLength(1);
    const { headers, body } = hook.bodies[0]! as { headers: http.IncomingHttpHeaders; body: Record<string, unknown> & { events: Record<string, unknown>[] } };
    expect(headers['content-type']).toBe('application/json');
    expect(body).toMatchObject({ driftwatch: 1, kind: 'events', profile: 'siem', server: 's1', group: 'G', scanId: r!.scanId, scheduled: false });
    expect(body.events.map((e) => [e.path, e.change, e.critical]).sort()).toEqual([
      [path.join(tree, 'alert', 'a.conf'), 'modified', true],
      [path.join(tree, 'quiet', 'new'), 'added', false],
    ]);
    expect(body.events.find((e) => e.change === 'modified')!.attributes).toContainEqual(expect.objectContaining({ name: 'size', baseline: 14, current: 8 }));
  });

  it('retries a webhook that answers with an error and delivers later', async () => {
    let code = 503;
    const hook = await webhookServer(() => code);
    const { engine, tree } = await local('hook2');
    await call(engine, 'alertProfiles/add', { name: 'siem', webhook: hook.url, isDefault: true });
    fs.writeFileSync(path.join(tree, 'alert', 'a.conf'), 'changed\n');
    await scanDelivered(engine, { groups: ['G'] });
    const [pending] = await call(engine, 'alerts/outbox', {});
    expect(pending).toMatchObject({ channel: 'webhook', status: 'pending', attempts: 1, lastError: 'webhook answered HTTP 503' });
    code = 200;
    expect(await call(engine, 'alerts/flush', {})).toMatchObject({ sent: 1, pending: 0 });
    expect(hook.bodies).toHaveLength(1);
  });

  it('sends RFC 5424 syslog messages over UDP, one per event', async () => {
    const socket = dgram.createSocket('udp4');
    const got: string[] = [];
    let wake: () => void = () => undefined;
    socket.on('message', (m) => {
      got.push(m.toString('utf8'));
      wake();
    });
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
    closers.push(() => new Promise<void>((r) => socket.close(() => r())));
    const { engine, tree } = await local('udp');
    await call(engine, 'alertProfiles/add', { name: 'siem', syslog: `127.0.0.1:${socket.address().port}`, isDefault: true });
    fs.writeFileSync(path.join(tree, 'alert', 'a.conf'), 'changed\n');
    fs.writeFileSync(path.join(tree, 'quiet', 'q "x"]'), 'new\n');
    await scanDelivered(engine, { groups: ['G'] });
    // UDP delivery on loopback is in order but asynchronous: wait for both datagrams.
    while (got.length < 2) await new Promise<void>((r) => (wake = r));
    const parsed = got.map((g) => RFC5424.exec(g));
    expect(parsed.every(Boolean)).toBe(true);
    const crit = parsed.find((p) => p![7]!.startsWith('critical'))!;
    const warn = parsed.find((p) => p !== crit)!;
    expect(Number(crit[1])).toBe(16 * 8 + 2); // local0.crit
    expect(Number(warn[1])).toBe(16 * 8 + 4); // local0.warning
    expect(Number.isNaN(Date.parse(crit[2]!))).toBe(false);
    expect(crit[5]).toBe('fim_event');
    expect(sdParams(crit[6]!)).toMatchObject({ server: 's1', group: 'G', policy: 'P', path: path.join(tree, 'alert', 'a.conf'), change: 'modified', critical: 'true' });
    expect(sdParams(warn[6]!)).toMatchObject({ path: path.join(tree, 'quiet', 'q "x"]'), change: 'added', critical: 'false' });
    expect(crit[7]).toBe(`critical modified ${path.join(tree, 'alert', 'a.conf')} on s1 (size, sha256)`);
  });

  it('sends RFC 5424 syslog over TCP with octet-counting framing', async () => {
    const frames: string[] = [];
    let done!: () => void;
    const closed = new Promise<void>((r) => (done = r));
    const server = net.createServer((sock) => {
      const chunks: Buffer[] = [];
      sock.on('data', (c) => chunks.push(c));
      sock.on('end', () => {
        let buf = Buffer.concat(chunks);
        while (buf.length) {
          const sp = buf.indexOf(0x20);
          const len = Number(buf.subarray(0, sp).toString());
          frames.push(buf.subarray(sp + 1, sp + 1 + len).toString('utf8'));
          buf = buf.subarray(sp + 1 + len);
        }
        done();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise<void>((r) => server.close(() => r())));
    const { engine, tree } = await local('tcp');
    await call(engine, 'alertProfiles/add', { name: 'siem', syslog: `tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`, isDefault: true });
    fs.writeFileSync(path.join(tree, 'alert', 'a.conf'), 'changed\n');
    fs.writeFileSync(path.join(tree, 'alert', 'b'), 'b\n');
    await scanDelivered(engine, { groups: ['G'] });
    await closed;
    expect(frames).toHaveLength(2);
    for (const f of frames) expect(f).toMatch(RFC5424);
    expect(frames.map((f) => sdParams(RFC5424.exec(f)![6]!).path).sort()).toEqual([path.join(tree, 'alert', 'a.conf'), path.join(tree, 'alert', 'b')]);
  });

  it('appends one JSON line per event to a file', async () => {
    const dir = tempDir('jsonl');
    closers.push(() => cleanup(dir));
    const file = path.join(dir, 'siem', 'driftwatch.jsonl');
    const { engine, tree } = await local('jsonl');
    await call(engine, 'alertProfiles/add', { name: 'siem', jsonl: file, events: 'critical', isDefault: true });
    fs.writeFileSync(path.join(tree, 'alert', 'a.conf'), 'changed\n');
    fs.writeFileSync(path.join(tree, 'quiet', 'a.conf'), 'changed\n');
    await scanDelivered(engine, { groups: ['G'] });
    fs.writeFileSync(path.join(tree, 'alert', 'c'), 'c\n');
    await scanDelivered(engine, { groups: ['G'] });
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { kind: string; server: string; event: { path: string; critical: boolean } });
    expect(lines.map((l) => [l.kind, l.server, l.event.path, l.event.critical])).toEqual([
      ['events', 's1', path.join(tree, 'alert', 'a.conf'), true],
      ['events', 's1', path.join(tree, 'alert', 'c'), true],
    ]);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('alerts a host-key mismatch once while it persists, whatever the target flags', async () => {
    const dir = tempDir('hk');
    closers.push(() => cleanup(dir));
    const file = path.join(dir, 'alerts.jsonl');
    // A remote server whose transport reports a changed host key, as the SSH transport does.
    const { engine } = await local('hk', {
      remoteTransport: async (server) => {
        throw new ApiError('host_key_mismatch', `the host key of ${server.host}:${server.port} has changed: pinned SHA256:old, presented ssh-ed25519 key SHA256:new.`, {
          pinned: 'SHA256:old',
          presented: 'SHA256:new',
        });
      },
    });
    await call(engine, 'alertProfiles/add', { name: 'siem', jsonl: file, events: 'non-critical', isDefault: true });
    await call(engine, 'servers/add', { name: 'web-1', host: '127.0.0.1', port: 2222, group: 'G' });
    const [r] = await scanDelivered(engine, { servers: ['web-1'] });
    expect(r!.status).toBe('failed');
    await scanDelivered(engine, { servers: ['web-1'] });
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { kind: string; server: string; event: { change: string; critical: boolean; attributes: unknown[] } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ kind: 'host_key_mismatch', server: 'web-1', event: { change: 'host_key_mismatch', critical: true } });
    expect(lines[0]!.event.attributes).toEqual([{ name: 'hostKey', baseline: 'SHA256:old', current: 'SHA256:new' }]);
  });
});
