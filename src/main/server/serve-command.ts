// `driftwatch serve [--port N] [--open] [--no-schedules]`: opens the engine on the CLI's home, serves
// the console on 127.0.0.1 and runs the groups' automatic scans (the scheduler) until SIGINT /
// SIGTERM. The URL it prints carries this run's token.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openEngine } from '../engine/engine.js';
import { startScheduler, type Scheduler } from '../schedule/scheduler.js';
import { startConsoleServer, type ConsoleServer } from './http-server.js';

export interface ServeOptions {
  home: string;
  port?: number;
  open?: boolean;
  /** Run the scheduler (the default): scheduled and scan-on-start scans, alert retries. */
  schedules?: boolean;
  /** Where the scheduler's lines go (one per run; default: standard output with a timestamp). */
  log?: (line: string) => void;
}

// bin/start.js runs the console from the compiled entry of this file: the store's folder comes with it.
export { resolveHome } from '../store/home.js';

/** The arguments after `serve`; throws a sentence for anything else. */
export function parseServeArgs(argv: readonly string[]): Omit<ServeOptions, 'home' | 'log'> {
  const options: Omit<ServeOptions, 'home' | 'log'> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--port' || arg.startsWith('--port=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (value === undefined || !/^\d+$/.test(value) || Number(value) > 65535) throw new Error(`--port takes a port number (0-65535), got ${value === undefined ? 'nothing' : `'${value}'`}`);
      options.port = Number(value);
    } else if (arg === '--no-schedules') options.schedules = false;
    else if (arg === '--open') options.open = true;
    else throw new Error(`unknown option '${arg}' for serve`);
  }
  return options;
}

/** dist/renderer next to the source tree (src/main/server → ../../../dist/renderer), or $DRIFTWATCH_RENDERER_DIR. */
export function rendererDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DRIFTWATCH_RENDERER_DIR) return path.resolve(env.DRIFTWATCH_RENDERER_DIR);
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'dist', 'renderer');
}

export interface RunningConsole {
  server: ConsoleServer;
  /** The scheduler this console runs (null with schedules: false). */
  scheduler: (Scheduler & { ready: Promise<void> }) | null;
  /** Stops the scheduler (waiting for the runs in progress), the server, then closes the store. */
  stop(): Promise<void>;
}

const stamped = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

/** Opens the engine, the server and the scheduler; the caller decides how long they live (tests, bin/start.js). */
export async function startConsole(opts: ServeOptions): Promise<RunningConsole> {
  const engine = openEngine({ home: opts.home });
  let server: ConsoleServer;
  try {
    server = await startConsoleServer({
      handlers: engine.handlers,
      onPush: (listener) => engine.onPush(listener),
      port: opts.port ?? 0,
      staticDir: rendererDir(),
    });
  } catch (err) {
    engine.close();
    throw err;
  }
  // Two consoles (or a console and `run-schedules`) on one store are safe: each run is claimed in
  // the store (a lease per group and per server), so no occurrence runs twice (docs/operations.md).
  const log = opts.log ?? stamped;
  const scheduler = opts.schedules === false ? null : startScheduler(engine, { log });
  let stopping: Promise<void> | null = null;
  return {
    server,
    scheduler,
    stop() {
      stopping ??= (async () => {
        try {
          await scheduler?.stop();
          await engine.alerts.settled();
        } finally {
          await server.close();
          engine.close();
        }
      })();
      return stopping;
    },
  };
}

export async function serveCommand(opts: ServeOptions): Promise<void> {
  const running = await startConsole(opts);
  const { server } = running;
  if (!fs.existsSync(path.join(rendererDir(), 'index.html'))) {
    process.stderr.write('warning: the console is not built (dist/renderer is missing): run `npm run build:renderer`.\n');
  }
  process.stdout.write(
    `Driftwatch console for ${opts.home}\n` +
      `  ${server.url}\n` +
      `Open this URL in a browser: it holds this run's access token (a new one every run). Press Ctrl+C to stop.\n` +
      (running.scheduler ? `Automatic scans run while this console runs (scheduler ${running.scheduler.owner}; --no-schedules to leave them to another process).\n` : 'Automatic scans are off in this console (--no-schedules).\n'),
  );
  if (opts.open) openBrowser(server.url);

  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      running.stop().then(resolve, (err: unknown) => {
        process.stderr.write(`error while stopping: ${String(err)}\n`);
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Best effort: the URL is printed anyway. */
export function openBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['rundll32', ['url.dll,FileProtocolHandler', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => process.stderr.write(`could not start ${command}; open the URL above by hand.\n`));
    child.unref();
  } catch {
    process.stderr.write(`could not start ${command}; open the URL above by hand.\n`);
  }
}
