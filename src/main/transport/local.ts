// The local transport: this machine, no SSH. It runs the scanner exactly as the SSH transport
// does (`sh -s -- ARGS`, script on stdin), with no shell string at all: arguments go to spawn.
import { spawn } from 'node:child_process';
import { STDERR_LIMIT, type RunOptions, type ScriptExit, type ScriptProcess, type Transport } from './transport.js';

export class LocalTransport implements Transport {
  async runScript(script: string, args: string[], options: RunOptions = {}): Promise<ScriptProcess> {
    const shell = options.shell ?? 'sh';
    const child = spawn(shell, ['-s', '--', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < STDERR_LIMIT) stderr += chunk.slice(0, STDERR_LIMIT - stderr.length);
    });
    let killedFor: string | null = null;
    const done = new Promise<ScriptExit>((resolve, reject) => {
      child.on('error', (err) => reject(new Error(`cannot start ${shell}: ${err.message}`)));
      child.on('close', (code, signal) => {
        if (killedFor) reject(new Error(killedFor));
        else resolve({ code, signal, stderr });
      });
    });
    // A shell that cannot start rejects `done` before the caller awaits it (it reads stdout
    // first): mark it handled here, or Node ends the process on an unhandled rejection.
    done.catch(() => undefined);
    child.stdin.on('error', () => undefined); // the shell may exit before reading all of it
    child.stdin.end(script);
    return {
      stdout: child.stdout,
      done,
      kill(reason: string) {
        killedFor = reason;
        child.kill('SIGTERM');
      },
    };
  }

  close(): void {}
}
