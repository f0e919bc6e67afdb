// The loopback server's gatekeeping, as pure functions: the per-run token, and the Host / Origin
// checks that stop DNS rebinding and cross-site requests. See docs/console.md.
import { randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes, URL-safe base64: a new one every run, never stored. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time comparison of a presented token with the real one. */
export function tokenMatches(presented: string | undefined | null, token: string): boolean {
  if (!presented) return false;
  const a = Buffer.from(presented, 'utf8');
  const b = Buffer.from(token, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The cookie carries the port in its name: cookies are shared by every port of 127.0.0.1. */
export function cookieName(port: number): string {
  return `driftwatch_${port}`;
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (!cookies.has(name)) cookies.set(name, value);
  }
  return cookies;
}

/** `Authorization: Bearer <token>` or the session cookie; the first one present is what counts. */
export function presentedToken(headers: { authorization?: string; cookie?: string }, port: number): string | undefined {
  const auth = headers.authorization;
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return m?.[1];
  }
  return parseCookies(headers.cookie).get(cookieName(port));
}

/** The Host header values that name this server. Anything else is a rebinding attempt. */
export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
}

export function hostAllowed(host: string | undefined, port: number): boolean {
  if (!host) return false;
  return allowedHosts(port).has(host.toLowerCase());
}

/** No Origin (curl, same-origin GET) is fine; any Origin must be this server itself. */
export function originAllowed(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true;
  const lower = origin.toLowerCase();
  return lower === `http://127.0.0.1:${port}` || lower === `http://localhost:${port}`;
}

/** Set-Cookie for the session: HttpOnly, SameSite=Strict, the whole path, ends with the browser session. */
export function sessionCookie(port: number, token: string): string {
  return `${cookieName(port)}=${token}; Path=/; HttpOnly; SameSite=Strict`;
}
