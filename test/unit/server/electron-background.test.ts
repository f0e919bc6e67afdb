// The desktop app in the background, without Electron: the "stay in tray" preference, what closing
// the last window does, the tray menu, and the quit sequence (scheduler stopped before the store closes).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { afterLastWindowClosed, createShutdown, describeRun, loadPrefs, PREFS_FILE, savePrefs, schedulesWanted, trayMenu } from '../../../src/main/electron/background.js';
import { TRAY_ICON_DATA_URL } from '../../../src/main/electron/tray-icon.js';

const homes: string[] = [];
function home(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-desktop-'));
  homes.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of homes.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('stay in tray preference', () => {
  it('is off until chosen, survives a restart, and is private to the user', () => {
    const dir = home();
    expect(loadPrefs(dir)).toEqual({ stayInTray: false });
    savePrefs(dir, { stayInTray: true });
    expect(loadPrefs(dir)).toEqual({ stayInTray: true });
    expect(fs.statSync(path.join(dir, PREFS_FILE)).mode & 0o777).toBe(0o600);
    savePrefs(dir, { stayInTray: false });
    expect(loadPrefs(dir)).toEqual({ stayInTray: false });
  });

  it('reads a damaged or foreign file as the default', () => {
    const dir = home();
    fs.writeFileSync(path.join(dir, PREFS_FILE), '{not json');
    expect(loadPrefs(dir)).toEqual({ stayInTray: false });
    fs.writeFileSync(path.join(dir, PREFS_FILE), JSON.stringify({ stayInTray: 'yes' }));
    expect(loadPrefs(dir)).toEqual({ stayInTray: false });
  });
});

describe('closing the last window', () => {
  it('quits unless "stay in tray" is on and a tray icon exists', () => {
    expect(afterLastWindowClosed({ stayInTray: false }, true)).toBe('quit');
    expect(afterLastWindowClosed({ stayInTray: true }, true)).toBe('stay');
    expect(afterLastWindowClosed({ stayInTray: true }, false)).toBe('quit');
  });

  it('runs the scheduler unless --no-schedules is given', () => {
    expect(schedulesWanted(['/opt/driftwatch', '--home=/srv/dw'])).toBe(true);
    expect(schedulesWanted(['/opt/driftwatch', '--no-schedules'])).toBe(false);
  });
});

describe('tray menu', () => {
  const actions = () => ({ open: vi.fn(), setStayInTray: vi.fn(), quit: vi.fn() });

  it('opens the window, shows the scheduler, toggles "stay in tray" and quits', () => {
    const a = actions();
    const items = trayMenu({ stayInTray: false, schedules: { running: true, lastRun: 'Last scheduled scan: web, ok at 02:00' } }, a);
    expect(items.filter((i) => i.label).map((i) => i.label)).toEqual([
      'Open Driftwatch',
      'Automatic scans: running',
      'Last scheduled scan: web, ok at 02:00',
      'Keep running in the tray when the window is closed',
      'Quit Driftwatch',
    ]);
    const stay = items.find((i) => i.id === 'stay-in-tray')!;
    expect(stay).toMatchObject({ type: 'checkbox', checked: false });
    stay.click!();
    expect(a.setStayInTray).toHaveBeenCalledWith(true);
    items.find((i) => i.id === 'open')!.click!();
    items.find((i) => i.id === 'quit')!.click!();
    expect(a.open).toHaveBeenCalledOnce();
    expect(a.quit).toHaveBeenCalledOnce();
    expect(items.find((i) => i.id === 'schedules')!.enabled).toBe(false);
  });

  it('says when this app runs no scheduler, and unticks "stay in tray"', () => {
    const a = actions();
    const items = trayMenu({ stayInTray: true, schedules: null }, a);
    expect(items.find((i) => i.id === 'schedules')!.label).toBe('Automatic scans: off in this window (--no-schedules)');
    items.find((i) => i.id === 'stay-in-tray')!.click!();
    expect(a.setStayInTray).toHaveBeenCalledWith(false);
  });

  it('describes the latest scheduled run, and ships a PNG icon', () => {
    expect(describeRun({ group: 'db', status: 'failed', message: 'x' }, new Date(2026, 0, 1, 3, 30))).toMatch(/^Last scheduled scan: db, failed at 0?3:30/);
    const png = Buffer.from(TRAY_ICON_DATA_URL.replace(/^data:image\/png;base64,/, ''), 'base64');
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([32, 32]);
  });
});

describe('quit sequence', () => {
  it('stops the scheduler (waiting for its runs) before closing the store, once', async () => {
    const order: string[] = [];
    let finishRun: () => void = () => undefined;
    const runInProgress = new Promise<void>((resolve) => (finishRun = resolve));
    const shutdown = createShutdown({
      stopScheduler: async () => {
        order.push('stop asked');
        await runInProgress;
        order.push('scheduler stopped');
      },
      closeEngine: () => order.push('store closed'),
    });
    const first = shutdown.run();
    const second = shutdown.run();
    expect(second).toBe(first);
    expect(shutdown.done).toBe(false);
    expect(order).toEqual(['stop asked']);
    finishRun();
    await first;
    expect(order).toEqual(['stop asked', 'scheduler stopped', 'store closed']);
    expect(shutdown.done).toBe(true);
  });

  it('closes the store even when stopping the scheduler fails, and says so', async () => {
    const log = vi.fn();
    const closeEngine = vi.fn();
    const shutdown = createShutdown({
      stopScheduler: () => Promise.reject(new Error('database is locked')),
      closeEngine,
      log,
    });
    await shutdown.run();
    expect(closeEngine).toHaveBeenCalledOnce();
    expect(log).toHaveBeenCalledWith('scheduler: database is locked');
    expect(shutdown.done).toBe(true);
  });
});
