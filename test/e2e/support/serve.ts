// Starts `driftwatch serve` (the real CLI) on a home and reads the tokenized URL it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './env.js';

export interface ServeProcess {
  url: string;
  origin: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export function startServe(home: string, timeoutMs = 60_000): Promise<ServeProcess> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'driftwatch.js'), '--home', home, 'serve'], {
    cwd: ROOT,
    env: { ...process.env, DRIFTWATCH_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`driftwatch serve printed no URL within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /(http:\/\/127\.0\.0\.1:\d+)\/\?token=[A-Za-z0-9_-]+/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      resolve({
        url: match[0],
        origin: match[1]!,
        child,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`driftwatch serve exited (${code}) before printing its URL:\n${output}`));
    });
  });
}
