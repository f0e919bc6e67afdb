// The Electron main process: the same engine and handler table as the CLI and `driftwatch serve`,
// opened on the same home (resolveHome), reached by the renderer only through the preload's
// { call, on }. Hardening: contextIsolation, sandbox, no node integration, a custom app:// scheme
// serving dist/renderer with a CSP, IPC answered only for the app's own top frame, no new windows,
// no navigation away, https: links handed to the system browser, every permission request denied.
//
// While the app runs, so does the scheduler (groups' automatic scans, alert retries); it is stopped
// (waiting for runs in progress) before the store closes on quit. With "stay in tray" (the tray
// icon's menu) closing the window leaves the app and its scheduler running in the background.
import fs from 'node:fs';
import path from 'node:path';
import { app, BrowserWindow, ipcMain, Menu, nativeImage, protocol, session, shell, dialog, Tray, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { dispatch } from '../api/dispatch.js';
import { openEngine, type Engine } from '../engine/engine.js';
import { startScheduler, type Scheduler } from '../schedule/scheduler.js';
import { resolveStatic } from '../server/static.js';
import { resolveHome } from '../store/home.js';
import type { PushEvents } from '../../shared/api.js';
import { CALL_CHANNEL, PUSH_CHANNEL } from '../../preload/channels.js';
import { afterLastWindowClosed, createShutdown, describeRun, loadPrefs, savePrefs, schedulesWanted, trayMenu, type DesktopPrefs } from './background.js';
import { APP_CSP, APP_HOST, APP_SCHEME, APP_URL, externalUrlAllowed, homeFlag, isAppUrl, isTrustedSender } from './policy.js';
import { TRAY_ICON_DATA_URL } from './tray-icon.js';

app.setName('Driftwatch');
const home = resolveHome(homeFlag(process.argv));
// Chromium's caches stay out of the store's own folder.
app.setPath('sessionData', path.join(home, 'electron-session'));

// The scanner script and the policy templates: in resources/ when packaged (electron-builder.yml
// extraResources), else next to the sources.
const resources = (process as { resourcesPath?: string }).resourcesPath ?? '';
process.env.DRIFTWATCH_SCRIPTS ??= app.isPackaged ? path.join(resources, 'remote-scripts') : path.join(app.getAppPath(), 'remote-scripts');
process.env.DRIFTWATCH_TEMPLATES ??= app.isPackaged ? path.join(resources, 'policy-templates') : path.join(app.getAppPath(), 'policy-templates');

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

let engine: Engine | null = null;
let mainWindow: BrowserWindow | null = null;
let scheduler: (Scheduler & { ready: Promise<void> }) | null = null;
let tray: Tray | null = null;
let lastRun: string | null = null;
const prefs: DesktopPrefs = loadPrefs(home);
const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
const shutdown = createShutdown({
  stopScheduler: async () => {
    await scheduler?.stop();
    scheduler = null;
    await engine?.alerts.settled();
  },
  closeEngine: () => {
    engine?.close();
    engine = null;
  },
  log,
});

if (!app.requestSingleInstanceLock()) {
  // Another window already has this home open: it is brought to the front instead.
  app.quit();
} else {
  app.on('second-instance', () => showWindow());
  app.on('activate', () => showWindow());
  app.on('web-contents-created', (_event, contents) => harden(contents));
  app.on('window-all-closed', () => {
    if (afterLastWindowClosed(prefs, tray !== null) === 'quit') app.quit();
  });
  app.on('will-quit', (event) => {
    // Stop the scheduler (its runs in progress finish) and close the store, then quit for real.
    if (shutdown.done) return;
    event.preventDefault();
    void shutdown.run().finally(() => app.quit());
  });
  app.whenReady().then(start, (err: unknown) => fail(err));
}

function fail(err: unknown): void {
  dialog.showErrorBox('Driftwatch could not start', err instanceof Error ? err.message : String(err));
  app.exit(1);
}

async function start(): Promise<void> {
  try {
    engine = openEngine({ home });
  } catch (err) {
    fail(err);
    return;
  }
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  serveRenderer(path.join(app.getAppPath(), 'dist', 'renderer'));
  registerIpc(engine);
  engine.onPush((name, payload) => {
    if (name === 'schedules/run') {
      lastRun = describeRun(payload as PushEvents['schedules/run']);
      updateTray();
    }
    for (const win of BrowserWindow.getAllWindows()) {
      const contents = win.webContents;
      if (!contents.isDestroyed() && isAppUrl(contents.mainFrame.url)) contents.send(PUSH_CHANNEL, name, payload);
    }
  });
  if (schedulesWanted(process.argv)) {
    scheduler = startScheduler(engine, { log });
    log(`scheduler ${scheduler.owner} started`);
  }
  createTray();
  createWindow();
}

function showWindow(): void {
  if (!engine) return;
  if (!mainWindow || mainWindow.isDestroyed()) {
    createWindow();
    return;
  }
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
}

/** The tray icon: open the window, see whether automatic scans run, choose "stay in tray", quit. */
function createTray(): void {
  try {
    const icon = nativeImage.createFromDataURL(TRAY_ICON_DATA_URL);
    tray = new Tray(icon);
    tray.setToolTip('Driftwatch');
    tray.on('click', () => showWindow());
    updateTray();
  } catch (err) {
    // No tray on this desktop: closing the window quits, as without "stay in tray".
    log(`no tray icon: ${(err as Error).message}`);
    tray = null;
  }
}

function updateTray(): void {
  if (!tray || tray.isDestroyed()) return;
  const items = trayMenu(
    { stayInTray: prefs.stayInTray, schedules: scheduler ? { running: !shutdown.done, lastRun } : null },
    {
      open: () => showWindow(),
      setStayInTray: (value) => {
        prefs.stayInTray = value;
        try {
          savePrefs(home, prefs);
        } catch (err) {
          log(`could not save the tray preference: ${(err as Error).message}`);
        }
        updateTray();
      },
      quit: () => app.quit(),
    },
  );
  tray.setContextMenu(Menu.buildFromTemplate(items));
  tray.setToolTip(lastRun ? `Driftwatch — ${lastRun}` : 'Driftwatch');
}

function serveRenderer(root: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST) return new Response('Not found', { status: 404 });
    const found = resolveStatic(root, url.pathname);
    if (found.kind === 'forbidden') return new Response('Forbidden', { status: 403 });
    if (found.kind === 'not_found') return new Response('Not found', { status: 404 });
    const body = await fs.promises.readFile(found.file);
    return new Response(body, {
      headers: { 'Content-Type': found.contentType, 'Content-Security-Policy': APP_CSP, 'X-Content-Type-Options': 'nosniff' },
    });
  });
}

function registerIpc(active: Engine): void {
  ipcMain.handle(CALL_CHANNEL, async (event: IpcMainInvokeEvent, name: unknown, args: unknown) => {
    if (!isTrustedSender(event.senderFrame)) {
      return { ok: false, error: { code: 'unauthorized', message: 'IPC refused: the caller is not the Driftwatch window' } };
    }
    if (typeof name !== 'string') return { ok: false, error: { code: 'invalid_input', message: 'the call needs a handler name' } };
    return dispatch(active.handlers, name, args);
  });
}

function harden(contents: WebContents): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (externalUrlAllowed(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  const stayInApp = (event: { url: string; preventDefault(): void }) => {
    if (isAppUrl(event.url)) return;
    event.preventDefault();
    if (externalUrlAllowed(event.url)) void shell.openExternal(event.url);
  };
  contents.on('will-navigate', stayInApp);
  contents.on('will-redirect', stayInApp);
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

function createWindow(): void {
  const win = new BrowserWindow({
    width: 1360,
    height: 880,
    minWidth: 960,
    minHeight: 600,
    title: 'Driftwatch',
    show: false,
    backgroundColor: '#f4f6f9',
    autoHideMenuBar: true,
    webPreferences: {
      preload: path.join(app.getAppPath(), 'dist', 'electron', 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });
  mainWindow = win;
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => {
    mainWindow = null;
  });
  void win.loadURL(APP_URL);
}
