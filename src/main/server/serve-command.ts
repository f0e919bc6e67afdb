// `driftwatch serve [--port N] [--open]`: opens the engine on the CLI's home and serves the console
// on 127.0.0.1 until SIGINT / SIGTERM. The URL it prints carries this run's token.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openEngine } from '../engine.js';
import { startConsoleServer, type ConsoleServer } from './http-server.js';

export interface ServeOptions {
  home: string;
  port?: number;
  open?: boolean;
}

/** dist/renderer next to the source tree (src/main/server → ../../../dist/renderer), or $DRIFTWATCH_RENDERER_DIR. */
export function rendererDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DRIFTWATCH_RENDERER_DIR) return path.resolve(env.DRIFTWATCH_RENDERER_DIR);
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'dist', 'renderer');
}

export interface RunningConsole {
  server: ConsoleServer;
  stop(): Promise<void>;
}

/** Opens the engine and the server; the caller decides how long they live (tests, bin/start.js). */
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
  let stopped = false;
  return {
    server,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.close();
      engine.close();
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
      `Open this URL in a browser: it holds this run's access token (a new one every run). Press Ctrl+C to stop.\n`,
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
