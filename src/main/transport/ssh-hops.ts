// Connecting a chain of hops (jump hosts, then the server). Every hop is verified against its
// pinned host-key fingerprint before anything else happens on it: an unknown key fails with
// `host_key_unknown`, a changed one with `host_key_mismatch`, and nothing is authenticated to,
// forwarded through or scanned through an unverified hop.
import type { Duplex } from 'node:stream';
import type { AuthenticationType, ConnectConfig, NextAuthHandler } from 'ssh2';
import { ApiError } from '../../shared/api.js';
import { fingerprint, keyType, verify } from './host-keys.js';
import { planAuth, type AuthPlan } from './ssh-auth.js';
import { SshError, hostPort, label, portOf, seconds, ssh2, where, type SshClient, type SshEndpoint, type SshTimeouts } from './ssh-endpoint.js';

export interface HopResult {
  client: SshClient;
  compress: string | null;
}

export interface HopContext {
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
      // Without it the client's small packets wait for the server's delayed ACK (Nagle) at the
      // service request, and again in later round trips, on every connection.
      client.setNoDelay(true);
    } catch (err) {
      fail(new SshError('config', `cannot connect to ${label(ep)}: ${(err as Error).message}`));
    }
  });
}

export function forwardOut(client: SshClient, ep: SshEndpoint, via: SshEndpoint): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    client.forwardOut('127.0.0.1', 0, ep.host, portOf(ep), (err, stream) => {
      if (err) reject(new SshError('connect', `jump host ${label(via)} cannot reach ${where(ep)}: ${err.message}`));
      else resolve(stream);
    });
  });
}

/** A verified, authenticated chain: jump clients then the server's client (last). */
export async function connectChain(target: SshEndpoint, jumps: SshEndpoint[], ctx: HopContext): Promise<HopResult[]> {
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
