// What the Electron shell trusts (pure functions; Electron itself is not needed).
import { describe, expect, it } from 'vitest';
import { APP_URL, externalUrlAllowed, homeFlag, isAppUrl, isTrustedSender, type FrameLike } from '../../../src/main/electron/policy.js';

const frame = (url: string, parent: FrameLike | null = null): FrameLike => ({ url, parent });

describe('electron policy', () => {
  it('knows its own page', () => {
    expect(isAppUrl(APP_URL)).toBe(true);
    expect(isAppUrl('app://driftwatch/index.html#/events')).toBe(true);
    expect(isAppUrl('app://evil/index.html')).toBe(false);
    expect(isAppUrl('app://user@driftwatch/index.html')).toBe(false);
    expect(isAppUrl('file:///home/user/driftwatch/dist/renderer/index.html')).toBe(false);
    expect(isAppUrl('https://driftwatch/')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
  });

  it('answers IPC only for the top frame of the app page', () => {
    expect(isTrustedSender(frame(APP_URL))).toBe(true);
    expect(isTrustedSender(null)).toBe(false);
    expect(isTrustedSender(frame('https://example.com/'))).toBe(false);
    expect(isTrustedSender(frame(APP_URL, frame(APP_URL)))).toBe(false);
    expect(isTrustedSender(frame('http://127.0.0.1:1234/'))).toBe(false);
  });

  it('hands only https: links to the system browser', () => {
    expect(externalUrlAllowed('https://www.pcisecuritystandards.org/')).toBe(true);
    for (const url of ['http://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'ms-msdt:/id', 'https://u:p@example.com/', '']) {
      expect(externalUrlAllowed(url), url).toBe(false);
    }
  });

  it('reads --home from the command line', () => {
    expect(homeFlag(['electron', '.', '--home=/tmp/x'])).toBe('/tmp/x');
    expect(homeFlag(['electron', '.', '--home', '/tmp/y'])).toBe('/tmp/y');
    expect(homeFlag(['electron', '.'])).toBeUndefined();
  });
});
