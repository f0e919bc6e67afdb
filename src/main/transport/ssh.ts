// The SSH transport: runs the scanner on a server over SSH exactly as the local transport runs it
// here: `sh -s -- ARGS` with the script on stdin, so nothing is written on the host.
//
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
//   that the scan itself needs.
//
// Connecting and verifying the hops is ssh-hops.ts, authentication ssh-auth.ts, probing a host key
// ssh-probe.ts.
import { homedir } from 'node:os';
import { PassThrough } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import type { Server } from '../../shared/domain.js';
import { quoteProgram, shellQuote } from './shell-quote.js';
import { KILL_GRACE_MS, guardChannel, signalChannel, sudoProblem } from './ssh-channel.js';
import { DEFAULT_TIMEOUTS, SshError, isLoopback, label, resolveJumpChain, seconds, type SshClient, type SshEndpoint, type SshErrorKind, type SshTimeouts, type SshTransportOptions } from './ssh-endpoint.js';
import { connectChain, type HopContext, type HopResult } from './ssh-hops.js';
import { STDERR_LIMIT, type RunOptions, type ScriptExit, type ScriptProcess, type Transport } from './transport.js';

interface Connection {
  hops: HopResult[];
  client: SshClient;
  /** Why the connection died, once it has. */
  lost: string | null;
  onLost: Set<(reason: string) => void>;
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
