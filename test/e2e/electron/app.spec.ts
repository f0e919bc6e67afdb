// The desktop shell, where an Electron binary exists (the "electron" project is left out otherwise,
// and playwright.config.ts says so). A fresh home per test; the same console over IPC.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';
import { electronBinary, ROOT, SCREENSHOT_DIR } from '../support/env.js';

test('the desktop app runs the console over IPC, locked down', async () => {
  // This project is only selected where a binary exists; if it is selected without one, fail.
  const binary = electronBinary();
  if (!binary) throw new Error('the electron project ran without an Electron binary');
  const built = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-electron.js')], { cwd: ROOT, encoding: 'utf8' });
  expect(built.status, built.stderr).toBe(0);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'driftwatch-electron-home-'));
  const app = await electron.launch({ executablePath: binary!, args: [ROOT, `--home=${home}`], cwd: ROOT });
  try {
    const win = await app.firstWindow();
    await expect(win.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();
    await expect(win.getByText('Desktop', { exact: true })).toBeVisible();
    expect(await win.evaluate(() => location.href)).toMatch(/^app:\/\/driftwatch\//);
    // Only { call, on } crosses the bridge; no Node in the page.
    expect(await win.evaluate(() => Object.keys((window as unknown as { driftwatch: object }).driftwatch).sort())).toEqual(['call', 'on']);
    expect(await win.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe('undefined');
    expect(await win.evaluate(() => typeof (globalThis as unknown as { process?: unknown }).process)).toBe('undefined');
    // A handler error comes back as an ApiError shape with its code.
    const error = await win.evaluate(() =>
      (window as unknown as { driftwatch: { call(n: string, a: unknown): Promise<unknown> } }).driftwatch
        .call('servers/get', { name: 'nope' })
        .then(() => null, (e: { code: string }) => e.code),
    );
    expect(error).toBe('not_found');
    // No new windows, no navigation away.
    const before = app.windows().length;
    await win.evaluate(() => window.open('https://example.com/'));
    await win.evaluate(() => {
      location.href = 'https://example.com/';
    });
    await expect(win.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();
    expect(app.windows().length).toBe(before);
    // Monitor this machine through IPC, as in the browser.
    await win.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: /^Servers/ }).click();
    await win.getByRole('button', { name: 'Monitor this machine' }).first().click();
    await expect(win.getByRole('table', { name: 'Servers' }).getByText('this-machine')).toBeVisible();
    await win.screenshot({ path: path.join(SCREENSHOT_DIR, 'electron-servers.png') });
  } finally {
    await app.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
});
