// The SSH transport: runs the scanner on a server over SSH exactly as the local transport runs it
// here: `sh -s -- ARGS` with the script on stdin, so nothing is written on the host.
//
// - Every hop (jump hosts, then the server) is verified against its pinned host-key fingerprint
//   before anything else happens on it: an unknown key fails with `host_key_unknown`, a changed
//   one with `host_key_mismatch`, and nothing is authenticated to, forwarded through or scanned
//   through an unverified hop.
// - Authentication: ssh-agent (SSH_AUTH_SOCK), a private key file (passphrase from the
//   environment variable the server names), or a password from the environment variable the
//   server names. Secrets are read when connecting and never stored.
// - Arguments are single-quoted one by one (shell-quote.ts): SSH has no argv, the server's login
//   shell parses the command line, so nothing from user data ever reaches it unquoted.
// - Compression: SSH's own `zlib@openssh.com` (negotiated, delayed until after authentication),
//   not `| gzip -1` on the host. It needs nothing on the server beyond sshd (whose default is
//   `Compression yes`), keeps the script's exit status and signals intact (a pipeline would report
//   gzip's), cannot fail half-way because a host lacks gzip, and falls back to no compression by
//   negotiation alone. The scanner's output (paths, hex digests, repeated attribute values)
//   compresses several-fold either way. Only the last hop compresses: the jump hops carry the
//   inner connection's already encrypted bytes. A server reached directly at a loopback address
//   is not compressed by default: there is no wire to save, and zlib would cost both ends CPU
//   (about 0.4 s per 20 MB of scanner output) that the scan itself needs.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { PassThrough, type Duplex } from 'node:stream';
import type Ssh2 from 'ssh2';
import type { AnyAuthMethod, AuthenticationType, ClientChannel, ConnectConfig, NextAuthHandler, ParsedKey } from 'ssh2';
import { ApiError } from '../../shared/api.js';
import { lazyRequire } from '../lazy-require.js';
import type { Server, ServerAuth } from '../../shared/domain.js';
import { fingerprint, keyType, verify } from './host-keys.js';
import { quoteProgram, shellQuote } from './shell-quote.js';
import { STDERR_LIMIT, type RunOptions, type ScriptExit, type ScriptProcess, type Transport } from './transport.js';

const ssh2 = lazyRequire<typeof Ssh2>('ssh2');
type SshClient = InstanceType<typeof Ssh2.Client>;

/** One SSH hop: a server, or a jump host on the way to one. `Server` fits as is. */
export interface SshEndpoint {
  /** Name for messages (the server's name); defaults to the host. */
  name?: string;
  host: string;
  port?: number;
  user: string;
  auth: ServerAuth;
  /** Pinned OpenSSH fingerprint `SHA256:...`; null means not trusted yet (always refused). */
  hostKey: string | null;
}

export interface SshTimeouts {
  /** TCP connect + SSH handshake + authentication, per hop (ssh2 readyTimeout). */
  connectMs: number;
  /** No byte on stdout or stderr for this long while a script runs: the script is killed. */
  idleMs: number;
  /** Longest a script may run, connection included. */
  overallMs: number;
  /** SSH keepalive probe interval; the connection is declared dead after keepaliveCountMax misses. */
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
}

export const DEFAULT_TIMEOUTS: SshTimeouts = {
  connectMs: 15_000,
  idleMs: 120_000,
  overallMs: 3_600_000,
  keepaliveIntervalMs: 10_000,
  keepaliveCountMax: 3,
};

export interface SshTransportOptions {
  /** Jump hosts, outermost first (the first one is connected to directly). */
  jumps?: SshEndpoint[];
  timeouts?: Partial<SshTimeouts>;
  /** Where SSH_AUTH_SOCK and the named secret variables are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Ask for zlib@openssh.com compression on the last hop (default: yes, unless the server is reached directly at a loopback address). */
  compression?: boolean;
  /** Home directory for `~` in key file paths (default os.homedir()). */
  home?: string;
}

export type SshErrorKind = 'config' | 'connect' | 'auth' | 'timeout' | 'lost' | 'sudo' | 'killed';

/** A failure of the SSH transport (host-key failures are ApiErrors with their own codes). */
export class SshError extends Error {
  constructor(
    readonly kind: SshErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'SshError';
  }
}

const label = (ep: SshEndpoint): string => ep.name ?? ep.host;
const hostPort = (ep: SshEndpoint): string => (portOf(ep) === 22 ? ep.host : `${ep.host}:${portOf(ep)}`);
const portOf = (ep: SshEndpoint): number => ep.port ?? 22;
/** `name (host:port)`, or just `host:port` when the server has no other name. */
const where = (ep: SshEndpoint): string => (ep.name && ep.name !== ep.host ? `${ep.name} (${hostPort(ep)})` : hostPort(ep));
const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(3))}s`;

/** Resolve a server's jump chain (outermost first) by name; refuses loops. */
export function resolveJumpChain(server: Server, lookup: (name: string) => Server | undefined): Server[] {
  const chain: Server[] = [];
  const seen = new Set([server.name]);
  let jump = server.jump;
  while (jump) {
    if (seen.has(jump)) throw new SshError('config', `jump host loop through ${jump} for ${server.name}`);
    seen.add(jump);
    const hop = lookup(jump);
    if (!hop) throw new SshError('config', `jump host ${jump} of ${server.name} is not a known server`);
    if (hop.local || hop.auth.kind === 'local') throw new SshError('config', `jump host ${jump} is a local server`);
    chain.unshift(hop);
    jump = hop.jump;
  }
  return chain;
}

// ---- authentication ------------------------------------------------------------------------------

interface AuthPlan {
  /** The ssh2 method and what we call it in messages. */
  methods: { method: AnyAuthMethod; wire: AuthenticationType; name: string }[];
}

async function planAuth(ep: SshEndpoint, env: NodeJS.ProcessEnv, home: string): Promise<AuthPlan> {
  const auth = ep.auth;
  const who = `${ep.user}@${hostPort(ep)}`;
  switch (auth.kind) {
    case 'local':
      throw new SshError('config', `${label(ep)} is a local server, not an SSH one`);
    case 'agent': {
      const sock = env.SSH_AUTH_SOCK;
      if (!sock) throw new SshError('auth', `authentication failed for ${who}: agent auth needs SSH_AUTH_SOCK (no ssh-agent in this environment)`);
      const agent = new (ssh2().OpenSSHAgent)(sock);
      const keys = await new Promise<unknown[]>((resolve, reject) => {
        agent.getIdentities((err, list) => (err ? reject(err) : resolve(Array.isArray(list) ? list : [])));
      }).catch((err: Error) => {
        throw new SshError('auth', `authentication failed for ${who}: cannot use ssh-agent at ${sock}: ${err.message}`);
      });
      if (keys.length === 0) throw new SshError('auth', `authentication failed for ${who}: the ssh-agent at ${sock} holds no keys`);
      return { methods: [{ method: { type: 'agent', username: ep.user, agent }, wire: 'publickey', name: 'publickey (ssh-agent)' }] };
    }
    case 'key': {
      const file = auth.keyFile.startsWith('~/') ? `${home}/${auth.keyFile.slice(2)}` : auth.keyFile;
      let data: Buffer;
      try {
        data = await readFile(file);
      } catch (err) {
        throw new SshError('config', `cannot read key file ${file}: ${(err as Error).message}`);
      }
      let passphrase: string | undefined;
      if (auth.passphraseEnv) {
        passphrase = env[auth.passphraseEnv];
        if (passphrase === undefined) {
          throw new SshError('auth', `authentication failed for ${who}: the passphrase variable ${auth.passphraseEnv} is not set`);
        }
      }
      const parsed = ssh2().utils.parseKey(data, passphrase);
      if (parsed instanceof Error) {
        const msg = parsed.message;
        if (/no passphrase/i.test(msg)) {
          throw new SshError('auth', `key file ${file} is passphrase-protected: set passphraseEnv to the variable that holds its passphrase`);
        }
        if (passphrase !== undefined && /decrypt|passphrase|bad/i.test(msg)) {
          throw new SshError('auth', `cannot decrypt key file ${file} with the passphrase from ${auth.passphraseEnv}: ${msg}`);
        }
        throw new SshError('config', `cannot parse key file ${file}: ${msg}`);
      }
      const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey) : parsed;
      if (!key.isPrivateKey()) throw new SshError('config', `key file ${file} holds no private key`);
      return { methods: [{ method: { type: 'publickey', username: ep.user, key }, wire: 'publickey', name: 'publickey' }] };
    }
    case 'password': {
      if (!auth.passwordEnv) {
        throw new SshError('config', `password auth for ${label(ep)} names no environment variable (passwordEnv) to read the password from`);
      }
      const password = env[auth.passwordEnv];
      if (password === undefined) {
        throw new SshError('auth', `authentication failed for ${who}: the password variable ${auth.passwordEnv} is not set`);
      }
      return { methods: [{ method: { type: 'password', username: ep.user, password }, wire: 'password', name: 'password' }] };
    }
  }
}

// ---- one hop ------------------------------------------------------------------------------------

interface HopResult {
  client: SshClient;
  compress: string | null;
}

interface HopContext {
  timeouts: SshTimeouts;
  env: NodeJS.ProcessEnv;
  home: string;
  compression: boolean;
}

function hostKeyError(ep: SshEndpoint, presented: string, type: string | null): ApiError | null {
  const verdict = verify(ep.hostKey, presented);
  if (verdict === 'match') return null;
  const what = `${type ?? 'host'} key`;
  if (verdict === 'unknown') {
    return new ApiError(
      'host_key_unknown',
      `the host key of ${where(ep)} is not trusted yet: it presents ${what} ${presented}. Verify it and trust it before scanning.`,
      { host: where(ep), presented },
    );
  }
  return new ApiError(
    'host_key_mismatch',
    `the host key of ${where(ep)} has changed: pinned ${ep.hostKey}, presented ${what} ${presented}. This may be an attack; nothing was scanned.`,
    { host: where(ep), pinned: ep.hostKey ?? '', presented },
  );
}

/** Connect, verify the host key, authenticate. `sock` is a forwarded stream for hops past the first. */
async function connectHop(ep: SshEndpoint, sock: Duplex | null, ctx: HopContext, last: boolean): Promise<HopResult> {
  // The host key is verified before any problem with the credentials is reported: a host that is
  // not trusted yet, or changed, says so (with its fingerprint) even when a secret is missing.
  const planned: Promise<AuthPlan | Error> = planAuth(ep, ctx.env, ctx.home).catch((err: Error) => err);
  const client = new (ssh2().Client)();
  const who = `${ep.user}@${hostPort(ep)}`;
  return new Promise<HopResult>((resolve, reject) => {
    let keyError: ApiError | null = null;
    let settled = false;
    let compress: string | null = null;
    const tried: string[] = [];
    let serverMethods: string[] | null = null;
    let next = 0;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      client.removeAllListeners('ready');
      client.on('error', () => undefined);
      client.end();
      sock?.destroy();
      reject(err);
    };
    const authHandler = (methodsLeft: AuthenticationType[] | null, _partial: boolean | null, cb: NextAuthHandler): void => {
      if (methodsLeft) serverMethods = methodsLeft;
      void planned.then((plan) => {
        if (plan instanceof Error) return fail(plan);
        while (next < plan.methods.length) {
          const m = plan.methods[next++]!;
          if (methodsLeft && !methodsLeft.includes(m.wire)) continue;
          tried.push(m.name);
          cb(m.method);
          return;
        }
        cb(false as unknown as AuthenticationType);
      });
    };
    const config: ConnectConfig = {
      username: ep.user,
      readyTimeout: ctx.timeouts.connectMs,
      keepaliveInterval: ctx.timeouts.keepaliveIntervalMs,
      keepaliveCountMax: ctx.timeouts.keepaliveCountMax,
      hostVerifier: (key: Buffer): boolean => {
        keyError = hostKeyError(ep, fingerprint(key), keyType(key));
        return keyError === null;
      },
      authHandler: authHandler as unknown as ConnectConfig['authHandler'],
      algorithms: {
        compress: ctx.compression && last ? ['zlib@openssh.com', 'zlib', 'none'] : ['none', 'zlib@openssh.com', 'zlib'],
      },
    };
    if (sock) config.sock = sock;
    else {
      config.host = ep.host;
      config.port = portOf(ep);
    }
    client.on('handshake', (negotiated: { sc?: { compress?: string } }) => {
      compress = negotiated.sc?.compress ?? null;
    });
    client.on('ready', () => {
      if (settled) return;
      settled = true;
      resolve({ client, compress: compress === 'none' ? null : compress });
    });
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (keyError) return fail(keyError);
      if (err.level === 'client-authentication') {
        const offered = tried.length > 0 ? tried.join(', ') : 'none';
        const allowed = serverMethods && tried.length === 0 ? `; the server allows only ${serverMethods.join(', ')}` : '';
        return fail(new SshError('auth', `authentication failed for ${who} (tried: ${offered})${allowed}`));
      }
      if (err.level === 'client-timeout') {
        return fail(new SshError('timeout', `timed out after ${seconds(ctx.timeouts.connectMs)} connecting to ${where(ep)}`));
      }
      if (err.level === 'client-socket') {
        const reason = err.code === 'ECONNREFUSED' ? 'connection refused' : err.code === 'EHOSTUNREACH' ? 'host unreachable' : err.message;
        return fail(new SshError('connect', `cannot connect to ${where(ep)}: ${reason}`));
      }
      return fail(new SshError('connect', `SSH connection to ${where(ep)} failed: ${err.message}`));
    });
    client.on('close', () => {
      if (keyError) return fail(keyError);
      fail(new SshError('connect', `connection to ${where(ep)} closed during the handshake`));
    });
    try {
      client.connect(config);
      // Without it the client's small packets wait for the server's delayed ACK (Nagle): ~40 ms
      // at the service request, and again in later round trips, on every connection.
      client.setNoDelay(true);
    } catch (err) {
      fail(new SshError('config', `cannot connect to ${label(ep)}: ${(err as Error).message}`));
    }
  });
}

function forwardOut(client: SshClient, ep: SshEndpoint, via: SshEndpoint): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    client.forwardOut('127.0.0.1', 0, ep.host, portOf(ep), (err, stream) => {
      if (err) reject(new SshError('connect', `jump host ${label(via)} cannot reach ${where(ep)}: ${err.message}`));
      else resolve(stream);
    });
  });
}

/** A verified, authenticated chain: jump clients then the server's client (last). */
async function connectChain(target: SshEndpoint, jumps: SshEndpoint[], ctx: HopContext): Promise<HopResult[]> {
  const hops = [...jumps, target];
  const done: HopResult[] = [];
  try {
    for (let i = 0; i < hops.length; i++) {
      const ep = hops[i]!;
      const sock = i === 0 ? null : await forwardOut(done[i - 1]!.client, ep, hops[i - 1]!);
      done.push(await connectHop(ep, sock, ctx, i === hops.length - 1));
    }
  } catch (err) {
    for (const h of done.reverse()) h.client.end();
    throw err;
  }
  return done;
}

// ---- probing a host key -------------------------------------------------------------------------

export interface ProbedHostKey {
  fingerprint: string;
  keyType: string | null;
  /** `TYPE BASE64`, as in known_hosts. */
  publicKey: string;
}

/**
 * Connect just far enough to learn the host key `host:port` presents (through `jumps`, which are
 * themselves verified and authenticated). Nothing is authenticated to the probed host.
 */
export async function probeHostKey(
  host: string,
  port = 22,
  jumps: SshEndpoint[] = [],
  options: Omit<SshTransportOptions, 'jumps' | 'compression'> = {},
): Promise<ProbedHostKey> {
  const ctx: HopContext = {
    timeouts: { ...DEFAULT_TIMEOUTS, ...options.timeouts },
    env: options.env ?? process.env,
    home: options.home ?? homedir(),
    compression: false,
  };
  const chain = jumps.length > 0 ? await connectChain(jumps[jumps.length - 1]!, jumps.slice(0, -1), ctx) : [];
  const target: SshEndpoint = { host, port, user: 'driftwatch-probe', auth: { kind: 'agent' }, hostKey: null };
  try {
    const sock = chain.length > 0 ? await forwardOut(chain[chain.length - 1]!.client, target, jumps[jumps.length - 1]!) : null;
    return await new Promise<ProbedHostKey>((resolve, reject) => {
      const client = new (ssh2().Client)();
      let found: ProbedHostKey | null = null;
      const finish = (): void => {
        client.end();
        sock?.destroy();
        if (found) resolve(found);
      };
      client.on('error', (err: Error & { level?: string; code?: string }) => {
        if (found) return finish();
        client.end();
        if (err.level === 'client-timeout') reject(new SshError('timeout', `timed out after ${seconds(ctx.timeouts.connectMs)} connecting to ${hostPort(target)}`));
        else if (err.code === 'ECONNREFUSED') reject(new SshError('connect', `cannot connect to ${hostPort(target)}: connection refused`));
        else reject(new SshError('connect', `cannot read the host key of ${hostPort(target)}: ${err.message}`));
      });
      client.on('close', () => {
        if (found) resolve(found);
        else reject(new SshError('connect', `connection to ${hostPort(target)} closed before it showed a host key`));
      });
      const config: ConnectConfig = {
        username: target.user,
        readyTimeout: ctx.timeouts.connectMs,
        hostVerifier: (key: Buffer): boolean => {
          const type = keyType(key);
          found = { fingerprint: fingerprint(key), keyType: type, publicKey: `${type ?? 'unknown'} ${key.toString('base64')}` };
          setImmediate(finish);
          return false;
        },
      };
      if (sock) config.sock = sock;
      else {
        config.host = host;
        config.port = port;
      }
      client.connect(config);
      client.setNoDelay(true);
    });
  } finally {
    for (const h of chain.reverse()) h.client.end();
  }
}

// ---- the transport ------------------------------------------------------------------------------

interface Connection {
  hops: HopResult[];
  client: SshClient;
  /** Why the connection died, once it has. */
  lost: string | null;
  onLost: Set<(reason: string) => void>;
}

/** 127.0.0.0/8, ::1 or localhost: a host on this very machine. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::1' || h === 'localhost' || h === 'localhost.';
}

export class SshTransport implements Transport {
  readonly target: SshEndpoint;
  readonly jumps: SshEndpoint[];
  readonly timeouts: SshTimeouts;
  private readonly env: NodeJS.ProcessEnv;
  private readonly home: string;
  private readonly compression: boolean;
  private connecting: Promise<Connection> | null = null;
  private closed = false;

  constructor(target: SshEndpoint, options: SshTransportOptions = {}) {
    this.target = target;
    this.jumps = options.jumps ?? [];
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.env = options.env ?? process.env;
    this.home = options.home ?? homedir();
    this.compression = options.compression ?? !(this.jumps.length === 0 && isLoopback(target.host));
  }

  get login(): string {
    return `${this.target.user}@${label(this.target)}`;
  }

  /** A transport for a server, its jump chain resolved by name through `lookup`. */
  static forServer(server: Server, lookup: (name: string) => Server | undefined, options: Omit<SshTransportOptions, 'jumps'> = {}): SshTransport {
    return new SshTransport(server, { ...options, jumps: resolveJumpChain(server, lookup) });
  }

  /** The compression negotiated for the server-to-client direction of the last hop (null: none). */
  async compressionInUse(): Promise<string | null> {
    const conn = await this.connection();
    return conn.hops[conn.hops.length - 1]!.compress;
  }

  /** Connect (once; later calls share the connection until it drops). */
  connect(): Promise<void> {
    return this.connection().then(() => undefined);
  }

  private connection(): Promise<Connection> {
    if (this.closed) return Promise.reject(new SshError('config', 'the transport is closed'));
    if (this.connecting) return this.connecting;
    const ctx: HopContext = { timeouts: this.timeouts, env: this.env, home: this.home, compression: this.compression };
    const attempt = connectChain(this.target, this.jumps, ctx).then((hops) => {
      const conn: Connection = { hops, client: hops[hops.length - 1]!.client, lost: null, onLost: new Set() };
      const markLost = (reason: string): void => {
        if (conn.lost) return;
        conn.lost = reason;
        if (this.connecting === attempt) this.connecting = null;
        for (const f of conn.onLost) f(reason);
        for (const h of [...hops].reverse()) h.client.end();
      };
      hops.forEach((hop, i) => {
        const ep = i === hops.length - 1 ? this.target : this.jumps[i]!;
        const what = i === hops.length - 1 ? label(ep) : `jump host ${label(ep)}`;
        hop.client.on('error', (err: Error & { level?: string }) => {
          const why = /keepalive/i.test(err.message) ? `no answer to keepalives for ${seconds(this.timeouts.keepaliveIntervalMs * (this.timeouts.keepaliveCountMax + 1))}` : err.message;
          markLost(`connection to ${what} lost: ${why}`);
        });
        hop.client.on('close', () => markLost(`connection to ${what} closed`));
      });
      if (this.closed) markLost('the transport is closed');
      return conn;
    });
    this.connecting = attempt;
    attempt.catch(() => {
      if (this.connecting === attempt) this.connecting = null;
    });
    return attempt;
  }

  /** The command line: `exec [sudo -n --] SHELL -s -- 'ARG'...`, every word quoted. */
  commandLine(args: readonly string[], options: RunOptions = {}): string {
    // `exec` makes the shell (or sudo) the session's own process, so a signal that kills it is
    // reported to us as a signal rather than as the login shell's exit status 128+N.
    const words = [options.sudo ? 'exec sudo -n --' : 'exec', quoteProgram(options.shell ?? 'sh'), '-s', '--', ...args.map(shellQuote)];
    return words.join(' ');
  }

  async runScript(script: string, args: string[], options: RunOptions = {}): Promise<ScriptProcess> {
    const started = Date.now();
    let conn = await this.connection();
    if (conn.lost) conn = await this.connection(); // it dropped since: connect afresh, once
    const remaining = this.timeouts.overallMs - (Date.now() - started);
    const name = label(this.target);
    const command = this.commandLine(args, options);
    // Exit status and close are plain events: a script that ends at once (e.g. a missing sudo)
    // can deliver both in the same read as the exec reply, before `await` returns here. So they
    // are recorded from inside the callback, and replayed once the rest is wired up.
    let exitCode: number | null = null;
    let exitSignal: string | null = null;
    let closed = false;
    let onClose: (() => void) | null = null;
    const channel = await new Promise<ClientChannel>((resolve, reject) => {
      try {
        conn.client.exec(command, (err, ch) => {
          if (err) return reject(new SshError('connect', `cannot start a session on ${name}: ${err.message}`));
          guardChannel(ch);
          ch.on('exit', (code: number | null, signal?: string) => {
            if (typeof code === 'number') exitCode = code;
            else if (signal) exitSignal = signal;
          });
          ch.on('close', () => {
            closed = true;
            onClose?.();
          });
          resolve(ch);
        });
      } catch (err) {
        reject(new SshError('lost', `cannot start a session on ${name}: ${(err as Error).message}`));
      }
    });

    const stdout = new PassThrough();
    let stderr = '';
    let failure: Error | null = null;
    let settled = false;
    let idleTimer: NodeJS.Timeout | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let resolveDone!: (exit: ScriptExit) => void;
    let rejectDone!: (err: Error) => void;
    const done = new Promise<ScriptExit>((resolve, reject) => {
      resolveDone = resolve;
      rejectDone = reject;
    });
    // `done` may reject before the caller awaits it (it reads stdout first): mark it handled,
    // or Node ends the process on an unhandled rejection. The caller still sees the rejection.
    done.catch(() => undefined);

    const overallTimer = setTimeout(() => kill(`exceeded the overall limit of ${seconds(this.timeouts.overallMs)} on ${name}`, 'timeout'), Math.max(0, remaining));
    const cleanup = (): void => {
      clearTimeout(idleTimer);
      clearTimeout(overallTimer);
      conn.onLost.delete(onLost);
      channel.off('data', armIdle);
      channel.stderr.off('data', onStderr);
    };
    const settle = (): void => {
      if (settled) return;
      settled = true;
      cleanup();
      if (failure) {
        // Whatever still arrives is dropped: the consumer sees its stream end, then `done` reject.
        channel.unpipe(stdout);
        channel.resume();
        if (!stdout.writableEnded) stdout.end();
        return rejectDone(failure);
      }
      if (exitSignal !== null) {
        return rejectDone(new SshError('killed', `the scan on ${name} was killed by signal ${exitSignal}${stderr.trim() ? `: ${stderr.trim().slice(0, 500)}` : ''}`));
      }
      if (exitCode === null) {
        return rejectDone(new SshError('lost', `the session on ${name} ended without an exit status`));
      }
      if (options.sudo && exitCode !== 0) {
        const sudoFailure = sudoProblem(exitCode, stderr, name, this.target.user);
        if (sudoFailure) return rejectDone(sudoFailure);
      }
      resolveDone({ code: exitCode, signal: null, stderr });
    };
    // Stopping a remote script: sshd delivers a `signal` request to the session's process group
    // (as the login user). TERM first, which sudo relays to the script; if the channel is still
    // open after a grace period, KILL and close it. Closing makes sshd close the script's pipes,
    // so it dies of SIGPIPE at its next write even where sshd refuses signals (it does for root
    // logins, which run without a privilege-separated child). `done` rejects at once with the
    // reason: a hung host must not hold the caller up.
    const kill = (reason: string, kind: SshErrorKind = 'killed'): void => {
      if (settled) return;
      failure = new SshError(kind, reason);
      signalChannel(channel, 'TERM');
      settle();
      killTimer = setTimeout(() => {
        signalChannel(channel, 'KILL');
        try {
          channel.close();
        } catch {
          // already closed
        }
      }, KILL_GRACE_MS);
      killTimer.unref();
    };
    const onLost = (reason: string): void => {
      if (!failure) failure = new SshError('lost', reason);
      settle();
    };
    conn.onLost.add(onLost);

    const armIdle = (): void => {
      clearTimeout(idleTimer);
      // Once the run has ended (failed, say on a bad stream) what still arrives is dropped: it
      // must not arm a timer that keeps the process alive for idleMs.
      if (settled) return;
      idleTimer = setTimeout(() => {
        // A consumer that does not read makes the server wait on the SSH window: that is not
        // the host being idle, so only kill when we were ready for more.
        if (stdout.writableNeedDrain || stdout.readableLength >= stdout.readableHighWaterMark) return armIdle();
        kill(`idle for ${seconds(this.timeouts.idleMs)}`, 'timeout');
      }, this.timeouts.idleMs);
    };
    function onStderr(chunk: Buffer): void {
      armIdle();
      if (stderr.length < STDERR_LIMIT) stderr += chunk.toString('utf8').slice(0, STDERR_LIMIT - stderr.length);
    }
    armIdle();

    channel.on('data', armIdle);
    channel.pipe(stdout);
    channel.stderr.on('data', onStderr);
    channel.on('error', (err: Error) => {
      if (!failure) failure = new SshError('lost', `session on ${name} failed: ${err.message}`);
    });
    onClose = () => {
      clearTimeout(killTimer);
      settle();
    };
    if (closed) onClose();
    else channel.end(script);

    return { stdout, done, kill: (reason: string) => kill(reason) };
  }

  close(): void {
    this.closed = true;
    const pending = this.connecting;
    this.connecting = null;
    pending?.then(
      (conn) => {
        for (const h of [...conn.hops].reverse()) h.client.end();
      },
      () => undefined,
    );
  }
}

/** How long a killed script gets to end on TERM before KILL and closing its channel. */
const KILL_GRACE_MS = 1_000;

/**
 * ssh2 lets a channel that ends after its connection was torn down (a killed script whose
 * close races `close()`) write its CHANNEL_CLOSE into the dead protocol, which throws from a
 * stream callback (with compression: "Invalid Zlib instance") and would crash the process.
 * There is nothing left to tell a dead connection, so those writes are dropped.
 */
function guardChannel(channel: ClientChannel): void {
  const ch = channel as unknown as { close(): void; eof(): void };
  for (const method of ['close', 'eof'] as const) {
    const original = ch[method].bind(channel);
    ch[method] = () => {
      try {
        original();
      } catch {
        // the connection is already gone
      }
    };
  }
}

/**
 * Send a `signal` channel request. ssh2's Channel.signal() is a no-op once our side has sent
 * EOF, which we always have (the script is all of stdin), although the request stays valid
 * until the channel closes; so it is sent through the same protocol call directly.
 */
function signalChannel(channel: ClientChannel, signal: 'TERM' | 'KILL'): void {
  const ch = channel as unknown as {
    outgoing?: { state?: string; id?: number };
    _client?: { _protocol?: { signal(id: number, name: string): void } };
  };
  try {
    if ((ch.outgoing?.state === 'open' || ch.outgoing?.state === 'eof') && typeof ch.outgoing.id === 'number' && ch._client?._protocol) {
      ch._client._protocol.signal(ch.outgoing.id, signal);
    }
  } catch {
    // the connection is gone; nothing to signal
  }
}

/** Recognise sudo's own refusals (sudo -n exits 1 with a message on stderr). */
function sudoProblem(code: number, stderr: string, name: string, user: string): SshError | null {
  if (code === 1 && /a password is required|a terminal is required|no tty present/i.test(stderr)) {
    return new SshError('sudo', `sudo requires a password on ${name}`);
  }
  if (code === 1 && /is not in the sudoers file|is not allowed to run sudo|may not run sudo/i.test(stderr)) {
    return new SshError('sudo', `${user} may not use sudo on ${name}`);
  }
  if (code === 127 && /sudo: (command )?not found|sudo: No such file/i.test(stderr)) {
    return new SshError('sudo', `sudo is not installed on ${name}`);
  }
  return null;
}
