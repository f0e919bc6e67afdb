// Shared by playwright.config.ts, the global setup and the specs: where things are, and how the
// browser is launched (Debian's Chromium; Playwright never downloads one here).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const SCREENSHOT_DIR = path.join(ROOT, 'test-results', 'screenshots');
export const CHROMIUM = process.env.DRIFTWATCH_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where the global setup leaves the running console's URL (with its token) for the specs. */
export const STATE_FILE = path.join(ROOT, 'test-results', '.e2e-console.json');

export interface ConsoleState {
  url: string;
  origin: string;
  home: string;
  pid: number;
}

export function readConsoleState(): ConsoleState {
  return JSON.parse(fs.readFileSync(STATE_FILE, 'utf8')) as ConsoleState;
}

/** The Electron binary, when the optional package and its binary are installed (never require('electron'): it would try to download). */
export function electronBinary(): string | null {
  const require = createRequire(path.join(ROOT, 'package.json'));
  let pkg: string;
  try {
    pkg = require.resolve('electron/package.json');
  } catch {
    return null;
  }
  const pathFile = path.join(path.dirname(pkg), 'path.txt');
  if (!fs.existsSync(pathFile)) return null;
  const exe = path.join(path.dirname(pkg), 'dist', fs.readFileSync(pathFile, 'utf8').trim());
  return fs.existsSync(exe) ? exe : null;
}
