// Serves the built renderer (dist/renderer): known content types, no directory listing, and no way
// out of the root (encoded dots, backslashes and NUL bytes are refused before the file system sees them).
import fs from 'node:fs';
import path from 'node:path';

export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export type StaticResolution =
  | { kind: 'file'; file: string; contentType: string }
  | { kind: 'not_found' }
  | { kind: 'forbidden' };

/**
 * Maps a URL path (without the query) to a file below `root`. `/` is index.html. Returns
 * forbidden for anything that tries to leave the root, not_found for what is not a regular file.
 */
export function resolveStatic(root: string, urlPath: string): StaticResolution {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { kind: 'forbidden' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { kind: 'forbidden' };
  const segments = decoded.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return { kind: 'forbidden' };
  const relative = decoded.replace(/^\/+/, '') || 'index.html';
  const rootAbs = path.resolve(root);
  const file = path.resolve(rootAbs, relative);
  if (file !== rootAbs && !file.startsWith(rootAbs + path.sep)) return { kind: 'forbidden' };
  let stat: fs.Stats;
  try {
    // lstat on the real path: a symlink inside dist pointing outside is not followed.
    stat = fs.lstatSync(file);
  } catch {
    return { kind: 'not_found' };
  }
  if (!stat.isFile()) return { kind: 'not_found' };
  return { kind: 'file', file, contentType: contentTypeFor(file) };
}
