// A session channel of the SSH transport: guarding ssh2's writes into a dead connection, sending
// signals to the remote script, and recognising sudo's refusals.
import type { ClientChannel } from 'ssh2';
import { SshError } from './ssh-endpoint.js';

/** How long a killed script gets to end on TERM before KILL and closing its channel. */
export const KILL_GRACE_MS = 1_000;

/**
 * ssh2 lets a channel that ends after its connection was torn down (a killed script whose
 * close races `close()`) write its CHANNEL_CLOSE into the dead protocol, which throws from a
 * stream callback (with compression: "Invalid Zlib instance") and would crash the process.
 * There is nothing left to tell a dead connection, so those writes are dropped.
 */
export function guardChannel(channel: ClientChannel): void {
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
export function signalChannel(channel: ClientChannel, signal: 'TERM' | 'KILL'): void {
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
export function sudoProblem(code: number, stderr: string, name: string, user: string): SshError | null {
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
