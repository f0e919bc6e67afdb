// Where the store lives: --home DIR, else $DRIFTWATCH_HOME, else the folder Electron's
// app.getPath('userData') gives an app named Driftwatch, so the CLI and the desktop app share it.
import os from 'node:os';
import path from 'node:path';

export const APP_NAME = 'Driftwatch';

export function defaultUserDataDir(platform: NodeJS.Platform = process.platform, env = process.env, home = os.homedir()): string {
  if (platform === 'win32') return path.win32.join(env.APPDATA ?? path.win32.join(home, 'AppData', 'Roaming'), APP_NAME);
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Application Support', APP_NAME);
  return path.posix.join(env.XDG_CONFIG_HOME || path.posix.join(home, '.config'), APP_NAME);
}

export function resolveHome(flag?: string, env = process.env): string {
  if (flag) return path.resolve(flag);
  if (env.DRIFTWATCH_HOME) return path.resolve(env.DRIFTWATCH_HOME);
  return defaultUserDataDir(process.platform, env);
}
