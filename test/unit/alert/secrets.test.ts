// Sealed secrets: AES-256-GCM with a per-home key file, pluggable ciphers (the desktop app's
// safeStorage), and clear errors for what cannot be opened.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isSealed, KEY_FILE, SecretBox, secretFromEnv, validEnvName } from '../../../src/main/secrets/secrets.js';

const homes: string[] = [];
const home = () => {
  const h = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-secrets-'));
  homes.push(h);
  return h;
};
afterAll(() => homes.forEach((h) => fs.rmSync(h, { recursive: true, force: true })));

describe('secret box', () => {
  it('seals with a random key kept in the home (0600), never the plain text', () => {
    const h = home();
    const box = new SecretBox(h);
    const sealed = box.seal('hunter2 ☃');
    expect(isSealed(sealed)).toBe(true);
    expect(sealed).toMatch(/^dwsecret:1:local-key:[A-Za-z0-9+/=]+$/);
    expect(sealed).not.toContain('hunter2');
    expect(box.seal('hunter2 ☃')).not.toBe(sealed); // a fresh IV each time
    expect(new SecretBox(h).open(sealed)).toBe('hunter2 ☃');
    expect(fs.statSync(path.join(h, KEY_FILE)).mode & 0o777).toBe(0o600);
  });

  it('cannot open with another home’s key, or a tampered value', () => {
    const sealed = new SecretBox(home()).seal('s3cret');
    expect(() => new SecretBox(home()).open(sealed)).toThrow(/cannot be opened with 'local-key'.*set it again/);
    const box = new SecretBox(home());
    const good = box.seal('s3cret');
    const raw = Buffer.from(good.split(':')[3]!, 'base64');
    raw[raw.length - 1]! ^= 1;
    expect(() => box.open(`dwsecret:1:local-key:${raw.toString('base64')}`)).toThrow(/cannot be opened/);
    expect(() => box.open('plain text')).toThrow(/not a sealed value/);
  });

  it('takes a plugged-in cipher (as the desktop app does with safeStorage), and says when a process lacks it', () => {
    const h = home();
    const desktop = new SecretBox(h);
    desktop.register({ id: 'safe-storage', encrypt: (s) => Buffer.from(s).reverse().toString('base64'), decrypt: (p) => Buffer.from(p, 'base64').reverse().toString() }, true);
    expect(desktop.defaultCipher).toBe('safe-storage');
    const sealed = desktop.seal('pw');
    expect(sealed.startsWith('dwsecret:1:safe-storage:')).toBe(true);
    expect(desktop.open(sealed)).toBe('pw');
    const headless = new SecretBox(h);
    expect(() => headless.open(sealed)).toThrow(/sealed by 'safe-storage', which this process cannot open.*--password-env/);
    // Values sealed before the switch still open.
    expect(desktop.open(headless.seal('old'))).toBe('old');
    expect(() => desktop.register({ id: 'Bad Id', encrypt: (s) => s, decrypt: (s) => s })).toThrow(/bad cipher id/);
  });
});

describe('environment variables', () => {
  it('reads a named variable, and says when it is missing', () => {
    expect(secretFromEnv('X', { X: 'v' })).toBe('v');
    expect(() => secretFromEnv('X', {})).toThrow(/environment variable X .* is not set/);
    expect(() => secretFromEnv('X', { X: '' })).toThrow(/is not set/);
    expect(validEnvName('SMTP_PASSWORD')).toBe('SMTP_PASSWORD');
    for (const bad of ['1X', 'A-B', '', 'A B']) expect(() => validEnvName(bad)).toThrow(/environment variable name/);
  });
});
