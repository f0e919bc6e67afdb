// Helpers of the alerting, scheduling and report tests: a real SMTP server on loopback (smtp-server)
// that keeps and parses what arrives, a small MIME reader, temporary homes and file trees, and an
// engine set up with a local server, a policy, a group and a baseline.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import type { ArgsOf, HandlerName, ResultOf, ScanRequest } from '../../../src/shared/api.js';
import type { ServerScanResult } from '../../../src/shared/domain.js';
import { main } from '../../../src/main/cli/main.js';
import { openEngine, type Engine, type EngineOptions } from '../../../src/main/engine/engine.js';

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `dw-${prefix}-`));
}

/** The driftwatch command on a store, with what it wrote and its exit code. */
export async function cliOn(home: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const o: string[] = [];
  const e: string[] = [];
  const code = await main(['--home', home, ...argv], { out: (t) => o.push(t), err: (t) => e.push(t) });
  return { code, out: o.join('\n'), err: e.join('\n') };
}

export const call = <K extends HandlerName>(engine: Engine, name: K, args: ArgsOf<K>): Promise<ResultOf<K>> =>
  Promise.resolve(engine.handlers[name](args as never) as ResultOf<K>);

/** A scan, then the first delivery attempt of the alerts it handed to the outbox (which the scan does not wait for). */
export async function scanDelivered(engine: Engine, request: ScanRequest): Promise<ServerScanResult[]> {
  const results = await engine.scan(request);
  await engine.alerts.settled();
  return results;
}

// ---- a MIME reader (enough for nodemailer's messages) -------------------------------------------

export interface ParsedMail {
  headers: Map<string, string>;
  subject: string;
  to: string[];
  from: string;
  text: string;
  html: string;
  raw: string;
}

function decodeQp(s: string): Buffer {
  const bytes: number[] = [];
  const src = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < src.length; i++) {
    if (src[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(src.slice(i + 1, i + 3))) {
      bytes.push(parseInt(src.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(src[i]!, 'utf8'));
  }
  return Buffer.from(bytes);
}

function decodeWords(v: string): string {
  return v.replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=(\s+(?==\?))?/g, (_m, _cs: string, enc: string, text: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : decodeQp(text.replace(/_/g, ' ')).toString('utf8'),
  );
}

function splitEntity(raw: string): { headers: Map<string, string>; body: string } {
  const at = raw.search(/\r?\n\r?\n/);
  const head = at === -1 ? raw : raw.slice(0, at);
  const body = at === -1 ? '' : raw.slice(at).replace(/^\r?\n\r?\n/, '');
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return { headers, body };
}

function decodeBody(headers: Map<string, string>, body: string): string {
  const cte = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  if (cte === 'quoted-printable') return decodeQp(body).toString('utf8');
  if (cte === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return body;
}

export function parseMail(raw: string): ParsedMail {
  const { headers, body } = splitEntity(raw);
  let text = '';
  let html = '';
  const walk = (h: Map<string, string>, b: string) => {
    const type = h.get('content-type') ?? 'text/plain';
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (/^multipart\//i.test(type) && boundary) {
      for (const part of b.split(`--${boundary}`).slice(1)) {
        if (part.startsWith('--')) break;
        const e = splitEntity(part.replace(/^\r?\n/, ''));
        walk(e.headers, e.body);
      }
    } else if (/^text\/html/i.test(type)) html += decodeBody(h, b);
    else if (/^text\/plain/i.test(type)) text += decodeBody(h, b);
  };
  walk(headers, body);
  const addresses = (v: string | undefined) => (v ?? '').split(',').map((a) => (/<([^>]+)>/.exec(a)?.[1] ?? a).trim()).filter(Boolean);
  return { headers, subject: decodeWords(headers.get('subject') ?? ''), to: addresses(headers.get('to')), from: addresses(headers.get('from'))[0] ?? '', text: text.replace(/\r\n/g, '\n'), html, raw };
}

// ---- a real SMTP server on loopback --------------------------------------------------------------

export type SmtpMode = 'accept' | 'reject' | 'hang';

export interface TestSmtp {
  port: number;
  messages: ParsedMail[];
  /** Envelope recipients of each message. */
  envelopes: string[][];
  /** DATA commands seen (accepted or not). */
  attempts: number;
  mode: SmtpMode;
  /** Reject this many DATA commands, then accept. */
  rejectNext: number;
  /** Resolves when a DATA command arrives in 'hang' mode. */
  hung: Promise<void>;
  logins: { user: string; pass: string }[];
  close(): Promise<void>;
}

export async function startSmtp(options: { auth?: { user: string; pass: string } } = {}): Promise<TestSmtp> {
  let hungResolve!: () => void;
  const state: TestSmtp = {
    port: 0,
    messages: [],
    envelopes: [],
    attempts: 0,
    mode: 'accept',
    rejectNext: 0,
    hung: new Promise<void>((r) => (hungResolve = r)),
    logins: [],
    close: async () => undefined,
  };
  const server = new SMTPServer({
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !options.auth,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, cb) {
      state.logins.push({ user: auth.username ?? '', pass: auth.password ?? '' });
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass) cb(null, { user: auth.username });
      else cb(new Error('535 authentication failed'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        state.attempts++;
        if (state.mode === 'hang') {
          hungResolve();
          return; // never answers
        }
        if (state.mode === 'reject' || state.rejectNext > 0) {
          if (state.rejectNext > 0) state.rejectNext--;
          const err = Object.assign(new Error('mailbox unavailable, try again later'), { responseCode: 451 });
          cb(err);
          return;
        }
        state.messages.push(parseMail(Buffer.concat(chunks).toString('utf8')));
        state.envelopes.push(session.envelope.rcptTo.map((r) => r.address));
        cb();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  state.port = (server.server.address() as { port: number }).port;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}

// ---- an engine with one local server, a policy over a temporary tree, a group and a baseline ----

export interface Setup {
  home: string;
  tree: string;
  engine: Engine;
}

/** Files: tree/alert/* (critical, alert, content kept), tree/quiet/* (alert, not critical), tree/silent/* (no alert). */
export async function setupLocal(prefix: string, options: Partial<EngineOptions> = {}): Promise<Setup> {
  const home = tempDir(`${prefix}-home`);
  const tree = tempDir(`${prefix}-tree`);
  for (const d of ['alert', 'quiet', 'silent']) {
    fs.mkdirSync(path.join(tree, d));
    fs.writeFileSync(path.join(tree, d, 'a.conf'), 'line 1\nline 2\n');
  }
  const engine = openEngine({ home, ...options });
  await call(engine, 'policies/add', { name: 'P' });
  await call(engine, 'policies/addTarget', { policy: 'P', target: { path: path.join(tree, 'alert'), depth: null, critical: true, alert: true, content: 65536 } });
  await call(engine, 'policies/addTarget', { policy: 'P', target: { path: path.join(tree, 'quiet'), depth: null, critical: false, alert: true } });
  await call(engine, 'policies/addTarget', { policy: 'P', target: { path: path.join(tree, 'silent'), depth: null, critical: true, alert: false } });
  await call(engine, 'groups/add', { name: 'G', policies: ['P'] });
  await call(engine, 'servers/add', { name: 's1', local: true, group: 'G' });
  const run = await call(engine, 'baselines/create', { policy: 'P', servers: ['s1'] });
  if (run.failures.length) throw new Error(`baseline failed: ${run.failures.map((f) => f.reason).join('; ')}`);
  return { home, tree, engine };
}

export function cleanup(...dirs: string[]): void {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
}
