// Where the store lives (src/main/store/home.ts): --home, else $DRIFTWATCH_HOME, else the folder
// Electron's app.getPath('userData') gives an app named Driftwatch on each platform.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_NAME, defaultUserDataDir, resolveHome } from '../../../src/main/store/home.js';

describe('resolveHome', () => {
  it('--home wins over $DRIFTWATCH_HOME, and is made absolute', () => {
    expect(resolveHome('/flag/home', { DRIFTWATCH_HOME: '/env/home' })).toBe('/flag/home');
    expect(resolveHome('rel/home', { DRIFTWATCH_HOME: '/env/home' })).toBe(path.resolve('rel/home'));
  });

  it('$DRIFTWATCH_HOME comes next, made absolute', () => {
    expect(resolveHome(undefined, { DRIFTWATCH_HOME: '/env/home' })).toBe('/env/home');
    expect(resolveHome(undefined, { DRIFTWATCH_HOME: 'env/home' })).toBe(path.resolve('env/home'));
    expect(resolveHome('', { DRIFTWATCH_HOME: '/env/home' })).toBe('/env/home');
  });

  it('then the userData folder of this platform, from the environment given', () => {
    const env = { XDG_CONFIG_HOME: '/xdg' };
    expect(resolveHome(undefined, env)).toBe(defaultUserDataDir(process.platform, env));
    if (process.platform === 'linux') expect(resolveHome(undefined, env)).toBe('/xdg/Driftwatch');
    expect(resolveHome(undefined, { DRIFTWATCH_HOME: '' , XDG_CONFIG_HOME: '/xdg' })).toBe(defaultUserDataDir(process.platform, { XDG_CONFIG_HOME: '/xdg' }));
  });
});

describe('defaultUserDataDir (Electron app.getPath("userData") for "Driftwatch")', () => {
  it('is named for the app', () => {
    expect(APP_NAME).toBe('Driftwatch');
  });

  it('Linux: $XDG_CONFIG_HOME/Driftwatch, else ~/.config/Driftwatch', () => {
    expect(defaultUserDataDir('linux', { XDG_CONFIG_HOME: '/cfg' }, '/home/u')).toBe('/cfg/Driftwatch');
    expect(defaultUserDataDir('linux', {}, '/home/u')).toBe('/home/u/.config/Driftwatch');
    expect(defaultUserDataDir('linux', { XDG_CONFIG_HOME: '' }, '/home/u')).toBe('/home/u/.config/Driftwatch');
    expect(defaultUserDataDir('freebsd', {}, '/home/u')).toBe('/home/u/.config/Driftwatch');
  });

  it('macOS: ~/Library/Application Support/Driftwatch', () => {
    expect(defaultUserDataDir('darwin', { XDG_CONFIG_HOME: '/cfg' }, '/Users/u')).toBe('/Users/u/Library/Application Support/Driftwatch');
  });

  it('Windows: %APPDATA%\\Driftwatch, else the roaming folder of the profile', () => {
    expect(defaultUserDataDir('win32', { APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'C:\\Users\\u')).toBe('C:\\Users\\u\\AppData\\Roaming\\Driftwatch');
    expect(defaultUserDataDir('win32', {}, 'C:\\Users\\u')).toBe('C:\\Users\\u\\AppData\\Roaming\\Driftwatch');
  });
});
