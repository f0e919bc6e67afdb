// The desktop app in the background, as pure functions (unit-tested without Electron): the
// "stay in tray" preference, what closing the last window does, the tray menu, and the quit
// sequence that stops the scheduler (waiting for its runs) before the store is closed.
import fs from 'node:fs';
import path from 'node:path';

/** The desktop app's own preferences, in <home>/desktop.json (not in the store: the CLI has no use for them). */
export interface DesktopPrefs {
  /** Closing the window leaves Driftwatch running in the tray, so automatic scans go on. */
  stayInTray: boolean;
}

export const PREFS_FILE = 'desktop.json';
const DEFAULT_PREFS: DesktopPrefs = { stayInTray: false };

export function loadPrefs(home: string): DesktopPrefs {
  try {
    const raw = JSON.parse(fs.readFileSync(path.join(home, PREFS_FILE), 'utf8')) as Partial<DesktopPrefs>;
    return { stayInTray: raw.stayInTray === true };
  } catch {
    return { ...DEFAULT_PREFS };
  }
}

export function savePrefs(home: string, prefs: DesktopPrefs): void {
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  const file = path.join(home, PREFS_FILE);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(prefs, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}

/** `--no-schedules` on the Electron command line (npm start passes it through). */
export function schedulesWanted(argv: readonly string[]): boolean {
  return !argv.includes('--no-schedules');
}

/** Closing the last window quits, unless the user chose to stay in the tray and there is a tray to stay in. */
export function afterLastWindowClosed(prefs: DesktopPrefs, hasTray: boolean): 'quit' | 'stay' {
  return prefs.stayInTray && hasTray ? 'stay' : 'quit';
}

/** The items of the tray menu (Electron's MenuItemConstructorOptions, minus what we do not use). */
export interface TrayItem {
  id?: string;
  label?: string;
  type?: 'normal' | 'separator' | 'checkbox';
  checked?: boolean;
  enabled?: boolean;
  click?: () => void;
}

export interface TrayState {
  stayInTray: boolean;
  /** null: this app runs no scheduler (--no-schedules). */
  schedules: { running: boolean; lastRun: string | null } | null;
}

export interface TrayActions {
  open(): void;
  setStayInTray(value: boolean): void;
  quit(): void;
}

export function trayMenu(state: TrayState, actions: TrayActions): TrayItem[] {
  const schedules =
    state.schedules === null
      ? 'Automatic scans: off in this window (--no-schedules)'
      : state.schedules.running
        ? 'Automatic scans: running'
        : 'Automatic scans: stopping…';
  return [
    { id: 'open', label: 'Open Driftwatch', click: actions.open },
    { type: 'separator' },
    { id: 'schedules', label: schedules, enabled: false },
    ...(state.schedules?.lastRun ? [{ id: 'last-run', label: state.schedules.lastRun, enabled: false }] : []),
    {
      id: 'stay-in-tray',
      label: 'Keep running in the tray when the window is closed',
      type: 'checkbox',
      checked: state.stayInTray,
      click: () => actions.setStayInTray(!state.stayInTray),
    },
    { type: 'separator' },
    { id: 'quit', label: 'Quit Driftwatch', click: actions.quit },
  ];
}

/** One line for the tray about the latest scheduled run (from the schedules/run push). */
export function describeRun(run: { group: string; status: string; message: string }, at: Date = new Date()): string {
  const time = at.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return `Last scheduled scan: ${run.group}, ${run.status} at ${time}`;
}

/**
 * The quit sequence, run once however many times quitting is asked for: stop the scheduler (it
 * stops starting runs and waits for the ones in progress), then close the store. A failing step
 * does not keep the store open.
 */
export function createShutdown(steps: { stopScheduler(): Promise<void>; closeEngine(): void; log?: (line: string) => void }): {
  run(): Promise<void>;
  readonly done: boolean;
} {
  let running: Promise<void> | null = null;
  let done = false;
  return {
    run() {
      running ??= (async () => {
        try {
          await steps.stopScheduler();
        } catch (err) {
          steps.log?.(`scheduler: ${(err as Error).message}`);
        } finally {
          try {
            steps.closeEngine();
          } finally {
            done = true;
          }
        }
      })();
      return running;
    },
    get done() {
      return done;
    },
  };
}
