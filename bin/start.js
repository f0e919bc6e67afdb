#!/usr/bin/env node
// `npm start [-- --home DIR] [--port N] [--serve] [--no-open] [--no-schedules]`
// 1. Builds the console (scripts/build-renderer.js) and the engine (scripts/build-engine.js) when they are
//    missing or were built from other sources than those on disk.
// 2. If the optional `electron` package is installed *and its binary exists*, bundles the Electron
//    main and preload and launches the desktop app.
// 3. Otherwise (or with --serve) runs the loopback console, exactly like `driftwatch serve`.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importEngine } from '../scripts/build-engine.js';
import { buildRenderer, rendererIsStale } from '../scripts/build-renderer.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));

export const USAGE = `usage: npm start [-- [--serve] [--no-open] [--home DIR] [--port N] [--no-schedules]]
       (or node bin/start.js [OPTIONS])

Builds what is missing or stale, then opens the desktop app (Electron) where its binary is installed;
elsewhere, or with --serve, serves the same console on 127.0.0.1 and prints its URL.
  --serve          the loopback console even where Electron is installed
  --no-open        do not open a browser on the console's URL (the default when $CI is set)
  --home DIR       the store folder (default: $DRIFTWATCH_HOME, else the app's data folder)
  --port N         the console's port (default: any free one)
  --no-schedules   do not run the groups' scheduled scans while the console is open`;

function parseArgs(argv) {
  const opts = { help: false, home: undefined, port: undefined, serve: false, open: !process.env.CI, schedules: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--help' || arg === '-h') opts.help = true;
    else if (arg === '--home' || arg.startsWith('--home=')) opts.home = value();
    else if (arg === '--port' || arg.startsWith('--port=')) opts.port = Number(value());
    else if (arg === '--serve') opts.serve = true;
    else if (arg === '--no-open') opts.open = false;
    else if (arg === '--open') opts.open = true;
    else if (arg === '--no-schedules') opts.schedules = false;
    else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  if (opts.port !== undefined && !(Number.isInteger(opts.port) && opts.port >= 0 && opts.port <= 65535)) throw new Error('--port must be 0-65535');
  return opts;
}

/** The Electron binary, or null: never require('electron') here — without its binary it tries to download one. */
export function electronBinary() {
  let pkgJson;
  try {
    pkgJson = require.resolve('electron/package.json');
  } catch {
    return null;
  }
  const dir = path.dirname(pkgJson);
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    const exe = path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, process.platform === 'win32' ? 'electron.exe' : 'electron');
    return fs.existsSync(exe) ? exe : null;
  }
  const pathFile = path.join(dir, 'path.txt');
  if (!fs.existsSync(pathFile)) return null;
  const exe = path.join(dir, 'dist', fs.readFileSync(pathFile, 'utf8').trim());
  return fs.existsSync(exe) ? exe : null;
}

function run(command, args, what) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status ?? result.signal})`);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) {
    console.log(USAGE);
    return;
  }
  if (rendererIsStale()) {
    console.log('Building the console (dist/renderer)…');
    await buildRenderer();
  }

  const electron = opts.serve ? null : electronBinary();
  if (electron) {
    console.log('Starting the Driftwatch desktop app (Electron)…');
    run(process.execPath, [path.join(root, 'scripts', 'build-electron.js')], 'the Electron bundle');
    const args = [root, ...(opts.home ? [`--home=${path.resolve(opts.home)}`] : []), ...(opts.schedules ? [] : ['--no-schedules'])];
    const child = spawn(electron, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ELECTRON_RUN_AS_NODE: '' } });
    child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
    return;
  }

  if (!opts.serve) {
    console.log('Electron is not available here (it is an optional dependency and its binary is not installed): starting the loopback console instead.');
  }
  const { resolveHome, serveCommand } = await importEngine('serve-command');
  await serveCommand({ home: resolveHome(opts.home), ...(opts.port !== undefined ? { port: opts.port } : {}), open: opts.open, schedules: opts.schedules });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(`driftwatch start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
