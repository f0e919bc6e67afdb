// An SSH hop (a server, or a jump host on the way to one), the timeouts and errors of the SSH
// transport, and the ssh2 module its parts share (loaded on first use: it is slow to load).
import type Ssh2 from 'ssh2';
import type { Server, ServerAuth } from '../../shared/domain.js';
import { lazyRequire } from '../lazy-require.js';

export const ssh2 = lazyRequire<typeof Ssh2>('ssh2');
export type SshClient = InstanceType<typeof Ssh2.Client>;

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

export const label = (ep: SshEndpoint): string => ep.name ?? ep.host;
export const hostPort = (ep: SshEndpoint): string => (portOf(ep) === 22 ? ep.host : `${ep.host}:${portOf(ep)}`);
export const portOf = (ep: SshEndpoint): number => ep.port ?? 22;
/** `name (host:port)`, or just `host:port` when the server has no other name. */
export const where = (ep: SshEndpoint): string => (ep.name && ep.name !== ep.host ? `${ep.name} (${hostPort(ep)})` : hostPort(ep));
export const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(3))}s`;

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

/** 127.0.0.0/8, ::1 or localhost: a host on this very machine. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::1' || h === 'localhost' || h === 'localhost.';
}
