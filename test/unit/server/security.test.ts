import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostAllowed, newToken, originAllowed, parseCookies, presentedToken, tokenMatches } from '../../../src/main/server/security.js';
import { contentTypeFor, resolveStatic } from '../../../src/main/server/static.js';

describe('token', () => {
  it('is new and long every time, and compared exactly', () => {
    const a = newToken();
    expect(a).not.toBe(newToken());
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(tokenMatches(a, a)).toBe(true);
    expect(tokenMatches(a.slice(0, -1), a)).toBe(false);
    expect(tokenMatches('', a)).toBe(false);
    expect(tokenMatches(undefined, a)).toBe(false);
  });

  it('is read from the bearer header first, else the port cookie', () => {
    expect(presentedToken({ authorization: 'Bearer abc' }, 80)).toBe('abc');
    expect(presentedToken({ authorization: 'Basic abc', cookie: 'driftwatch_80=zzz' }, 80)).toBeUndefined();
    expect(presentedToken({ cookie: 'x=1; driftwatch_80=zzz' }, 80)).toBe('zzz');
    expect(presentedToken({ cookie: 'driftwatch_81=zzz' }, 80)).toBeUndefined();
    expect(parseCookies('a=1; b = 2;c')).toEqual(new Map([['a', '1'], ['b', '2']]));
  });
});

describe('host and origin', () => {
  it('accepts only this server by name and port', () => {
    expect(hostAllowed('127.0.0.1:4000', 4000)).toBe(true);
    expect(hostAllowed('LOCALHOST:4000', 4000)).toBe(true);
    expect(hostAllowed('127.0.0.1', 4000)).toBe(false);
    expect(hostAllowed('attacker.example:4000', 4000)).toBe(false);
    expect(hostAllowed(undefined, 4000)).toBe(false);
    expect(originAllowed(undefined, 4000)).toBe(true);
    expect(originAllowed('http://127.0.0.1:4000', 4000)).toBe(true);
    expect(originAllowed('http://attacker.example:4000', 4000)).toBe(false);
    expect(originAllowed('null', 4000)).toBe(false);
  });
});

describe('static files', () => {
  it('resolves inside the root only', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-root-'));
    fs.writeFileSync(path.join(root, 'index.html'), 'x');
    fs.symlinkSync('/etc/hostname', path.join(root, 'link.txt'));
    expect(resolveStatic(root, '/')).toMatchObject({ kind: 'file', contentType: 'text/html; charset=utf-8' });
    expect(resolveStatic(root, '/../etc/passwd').kind).toBe('forbidden');
    expect(resolveStatic(root, '/%2e%2e/etc/passwd').kind).toBe('forbidden');
    expect(resolveStatic(root, '/a%5c..%5c..%5cetc').kind).toBe('forbidden');
    expect(resolveStatic(root, '/%E0%A4%A').kind).toBe('forbidden');
    expect(resolveStatic(root, '/link.txt').kind).toBe('not_found');
    expect(resolveStatic(root, '/missing.js').kind).toBe('not_found');
    expect(contentTypeFor('a.woff2')).toBe('font/woff2');
    expect(contentTypeFor('a.unknown')).toBe('application/octet-stream');
    fs.rmSync(root, { recursive: true, force: true });
  });
});
