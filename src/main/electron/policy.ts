// What the Electron shell trusts, as pure functions (unit-tested without Electron): the app's own
// page is app://driftwatch/…, IPC is answered only for that page's top frame, and the only URLs
// handed to the operating system are https: ones.
export const APP_SCHEME = 'app';
export const APP_HOST = 'driftwatch';
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** The renderer's Content-Security-Policy inside Electron (the loopback server sends its own). */
export const APP_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** app://driftwatch/… (a custom scheme's URL has origin "null" in Node, so compare its parts). */
export function isAppUrl(url: string): boolean {
  const u = parse(url);
  return u !== null && u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '';
}

export interface FrameLike {
  readonly url: string;
  readonly parent: FrameLike | null;
}

/** The sender of an IPC call must be the top frame of the app's own page (GHSA-mq8j-3h7h-p8g7). */
export function isTrustedSender(frame: FrameLike | null | undefined): boolean {
  if (!frame) return false;
  if (frame.parent !== null) return false;
  return isAppUrl(frame.url);
}

/** Links leave the app only as https: URLs, opened by the system browser. */
export function externalUrlAllowed(url: string): boolean {
  const u = parse(url);
  return u !== null && u.protocol === 'https:' && u.username === '' && u.password === '';
}

/** `--home=DIR` or `--home DIR` on the Electron command line (npm start passes it through). */
export function homeFlag(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith('--home=')) return arg.slice('--home='.length);
    if (arg === '--home') return argv[i + 1];
  }
  return undefined;
}
