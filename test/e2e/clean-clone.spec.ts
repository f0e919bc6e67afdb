// A new user's first minutes: the README's start command, run on a copy of the checkout as git has it
// (tracked and new files, nothing ignored: no dist/, no node_modules), must install, build and serve a console
// whose Dashboard opens in Chromium. The command is read from the README itself, so what the README says is
// what this test runs. A build left in the checkout can never hide a broken first run here.
//
// Its npm install uses npm's cache first (warmed by the `npm ci` before it) and does not download Electron's
// binary: the command serves the console on loopback (--serve) wherever Electron is installed or not.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { ConsolePage } from './pages/console.js';
import { ROOT } from './support/env.js';

const INSTALL_AND_SERVE = /^npm install && npm start -- --serve\b.*$/m;

/** The README's command that installs and serves the console without a desktop app or a browser. */
function readmeCommand(readme: string): string {
  const block = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const line = INSTALL_AND_SERVE.exec(block)?.[0];
  if (!line) throw new Error('the README\'s first sh block has no "npm install && npm start -- --serve ..." line');
  return line.replace(/\s+#.*$/, '').trim();
}

/** Copies what git would clone (tracked files, and new ones not ignored) from `from` to `to`. */
function copyCheckout(from: string, to: string): number {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: from, encoding: 'utf8' });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  let copied = 0;
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    const source = path.join(from, file);
    if (!fs.existsSync(source)) continue; // deleted in the working tree, not committed yet
    fs.mkdirSync(path.dirname(path.join(to, file)), { recursive: true });
    fs.cpSync(source, path.join(to, file), { preserveTimestamps: false });
    copied++;
  }
  return copied;
}

/**
 * The environment of a user's shell: this test's, without what npm gave the test runner (`npm test` sets
 * npm_config_local_prefix and friends to this checkout, which would point the copy's npm at it).
 */
function userEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name) && name !== 'INIT_CWD' && name !== 'NODE_ENV'));
}

function waitForUrl(child: ChildProcess, log: { text: string }, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no console URL within ${timeoutMs / 1000} s:\n${log.text.slice(-6000)}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      log.text += chunk.toString('utf8');
      const url = /http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+/.exec(log.text)?.[0];
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the command exited (${code ?? signal}) before printing a console URL:\n${log.text.slice(-6000)}`));
    });
  });
}

/** Stops the command and everything it started (npm, node bin/start.js): they share its process group. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  process.kill(-child.pid!, 'SIGTERM');
  const timer = setTimeout(() => child.exitCode === null && process.kill(-child.pid!, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

test('a clean copy of the checkout: the README\'s `npm install && npm start` serves a console that opens on its Dashboard', async ({ page }) => {
  test.setTimeout(20 * 60_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'driftwatch-clean-clone-'));
  const clone = path.join(dir, 'driftwatch');
  const home = path.join(dir, 'home');
  let child: ChildProcess | null = null;
  try {
    expect(copyCheckout(ROOT, clone)).toBeGreaterThan(100);
    expect(fs.existsSync(path.join(clone, 'dist'))).toBe(false);
    expect(fs.existsSync(path.join(clone, 'node_modules'))).toBe(false);
    const command = readmeCommand(fs.readFileSync(path.join(clone, 'README.md'), 'utf8'));

    child = spawn('sh', ['-c', command], {
      cwd: clone,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...userEnvironment(),
        DRIFTWATCH_HOME: home,
        npm_config_prefer_offline: 'true',
        npm_config_audit: 'false',
        npm_config_fund: 'false',
        npm_config_update_notifier: 'false',
        ELECTRON_SKIP_BINARY_DOWNLOAD: '1',
      },
    });
    const log = { text: '' };
    const url = await waitForUrl(child, log, 15 * 60_000);

    // npm's prepare step compiled the CLI, and the start command built the console, both in the copy.
    expect(fs.existsSync(path.join(clone, 'dist', 'main', 'cli', 'main.js'))).toBe(true);
    expect(fs.existsSync(path.join(clone, 'dist', 'renderer', 'index.html'))).toBe(true);
    expect(log.text).toContain(`Driftwatch console for ${home}`);

    const consolePage = new ConsolePage(page);
    await consolePage.open(url);
    await consolePage.screenshot('clean-clone-dashboard');

    // The compiled CLI of the copy answers too.
    const version = spawnSync(process.execPath, [path.join(clone, 'bin', 'driftwatch.js'), '--version'], { encoding: 'utf8' });
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toBe(`driftwatch ${(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version}`);
  } finally {
    if (child) await stopGroup(child);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
