#!/usr/bin/env node
// `npm start [-- --home DIR] [--port N] [--serve] [--no-open] [--no-schedules]`
// 1. Builds the renderer when dist/renderer is missing or older than its sources.
// 2. If the optional `electron` package is installed *and its binary exists*, bundles the Electron
//    main and preload and launches the desktop app.
// 3. Otherwise (or with --serve) runs the loopback console, exactly like `driftwatch serve`.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));

function parseArgs(argv) {
  const opts = { home: undefined, port: undefined, serve: false, open: !process.env.CI, schedules: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--home' || arg.startsWith('--home=')) opts.home = value();
    else if (arg === '--port' || arg.startsWith('--port=')) opts.port = Number(value());
    else if (arg === '--serve') opts.serve = true;
    else if (arg === '--no-open') opts.open = false;
    else if (arg === '--open') opts.open = true;
    else if (arg === '--no-schedules') opts.schedules = false;
    else throw new Error(`unknown option ${arg} (use --home DIR, --port N, --serve, --no-open, --no-schedules)`);
  }
  if (opts.port !== undefined && !(Number.isInteger(opts.port) && opts.port >= 0 && opts.port <= 65535)) throw new Error('--port must be 0-65535');
  return opts;
}

/** Newest modification time of the files below `dir` (skipping node_modules). */
function newest(dir) {
  let latest = 0;
  const stack = [dir];
  while (stack.length) {
    const current = stack.pop();
    let stat;
    try {
      stat = fs.statSync(current);
    } catch {
      continue;
    }
    if (stat.isDirectory()) {
      if (path.basename(current) === 'node_modules') continue;
      for (const name of fs.readdirSync(current)) stack.push(path.join(current, name));
    } else latest = Math.max(latest, stat.mtimeMs);
  }
  return latest;
}

export function rendererIsStale(projectRoot = root) {
  const built = path.join(projectRoot, 'dist', 'renderer', 'index.html');
  if (!fs.existsSync(built)) return true;
  const builtAt = fs.statSync(built).mtimeMs;
  const sources = [path.join(projectRoot, 'src', 'renderer'), path.join(projectRoot, 'src', 'shared'), path.join(projectRoot, 'vite.config.ts')];
  return sources.some((s) => newest(s) > builtAt);
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
  if (rendererIsStale()) {
    console.log('Building the console (dist/renderer)…');
    run(process.execPath, [require.resolve('vite/bin/vite.js'), 'build', '--logLevel', 'warn'], 'vite build');
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
  const { register } = await import('tsx/esm/api');
  register();
  const { resolveHome } = await import(pathToFileURL(path.join(root, 'src', 'main', 'store', 'home.ts')).href);
  const { serveCommand } = await import(pathToFileURL(path.join(root, 'src', 'main', 'server', 'serve-command.ts')).href);
  await serveCommand({ home: resolveHome(opts.home), ...(opts.port !== undefined ? { port: opts.port } : {}), open: opts.open, schedules: opts.schedules });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(`driftwatch start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
