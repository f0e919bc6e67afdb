// Shared bits of the SSH integration tests.
import type { ScriptExit, ScriptProcess } from '../../../src/main/transport/transport.js';
import type { SshEndpoint } from '../../../src/main/transport/ssh-endpoint.js';
import { SshTransport } from '../../../src/main/transport/ssh.js';
import type { Fleet, Host } from '../../fleet/fleet.js';

export interface Collected extends ScriptExit {
  out: Buffer;
  text: string;
}

/** Read all of stdout and wait for the script's end. */
export async function collect(proc: ScriptProcess): Promise<Collected> {
  const chunks: Buffer[] = [];
  proc.stdout.on('data', (c: Buffer) => chunks.push(c));
  proc.stdout.resume(); // a 'data' listener alone does not restart a stream paused on purpose
  const exit = await proc.done;
  await new Promise<void>((resolve) => (proc.stdout.readableEnded ? resolve() : proc.stdout.once('end', () => resolve())));
  const out = Buffer.concat(chunks);
  return { ...exit, out, text: out.toString('utf8') };
}

/** Resolves with everything read so far once stdout has shown `marker`. */
export function waitForOutput(proc: ScriptProcess, marker: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (c: Buffer): void => {
      seen += c.toString('utf8');
      if (seen.includes(marker)) {
        proc.stdout.off('data', onData);
        proc.stdout.resume();
        resolve(seen);
      }
    };
    proc.stdout.on('data', onData);
    proc.done.then(
      () => reject(new Error(`script ended before printing ${marker}: ${seen}`)),
      (err: unknown) => reject(err instanceof Error ? err : new Error(String(err))),
    );
  });
}

/**
 * Resolves once `n` bytes of stdout arrived, and keeps them: they are pushed back with unshift,
 * so a later `collect` still sees the whole output. Leaves the stream paused.
 */
export function waitForBytes(proc: ScriptProcess, n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const onData = (c: Buffer): void => {
      chunks.push(c);
      got += c.length;
      if (got >= n) {
        proc.stdout.off('data', onData);
        proc.stdout.pause();
        proc.stdout.unshift(Buffer.concat(chunks));
        resolve();
      }
    };
    proc.stdout.on('data', onData);
    proc.done.catch((err: unknown) => reject(err instanceof Error ? err : new Error(String(err))));
  });
}

/** An endpoint for a fleet host with the fleet's unencrypted client key. */
export function keyEndpoint(fleet: Fleet, host: Host, user = 'root', overrides: Partial<SshEndpoint> = {}): SshEndpoint {
  return {
    name: host.name,
    host: host.address,
    port: host.port,
    user,
    auth: { kind: 'key', keyFile: fleet.clientKey.privateKey },
    hostKey: host.hostKeyFingerprint,
    ...overrides,
  };
}

/** Poll `check` until it returns true (no fixed sleeps): resolves, or rejects after timeoutMs. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** SSH transports a test file makes with `transport`, every one closed by `closeTransports`. */
export function transports(): { transport: (...args: ConstructorParameters<typeof SshTransport>) => SshTransport; closeTransports: () => void } {
  const open: SshTransport[] = [];
  return {
    transport: (...args) => {
      const t = new SshTransport(...args);
      open.push(t);
      return t;
    },
    closeTransports: () => {
      for (const t of open.splice(0)) t.close();
    },
  };
}
