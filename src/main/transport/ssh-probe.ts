// Learning the host key a host presents, before it is trusted.
import { homedir } from 'node:os';
import type { ConnectConfig } from 'ssh2';
import { fingerprint, keyType } from './host-keys.js';
import { connectChain, forwardOut, type HopContext } from './ssh-hops.js';
import { DEFAULT_TIMEOUTS, SshError, hostPort, seconds, ssh2, type SshEndpoint, type SshTransportOptions } from './ssh-endpoint.js';

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
