// The SQLite store: one file in the Driftwatch home, WAL, foreign keys on, migrated on open.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations.js';
export { diskFullMessage } from './disk-full.js';

export type Db = Database.Database;

export const STORE_FILE = 'driftwatch.db';

/**
 * Makes the home (and any missing parent, as mkdir -p) readable by its owner only (0700), and
 * every file in it 0600, whatever the umask: it holds inventory, baselines and kept file
 * content. An existing home with wider modes is narrowed; a shared folder (sticky, like /tmp)
 * is refused rather than narrowed. A home that cannot be made says why, plainly.
 */
export function prepareHome(home: string): void {
  try {
    fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new Error(`cannot create the Driftwatch home ${home}: ${why(err, home)}; choose a folder you can write with --home DIR or DRIFTWATCH_HOME`);
  }
  const st = fs.statSync(home);
  if (!st.isDirectory()) throw new Error(`the Driftwatch home ${home} is not a folder`);
  if (st.mode & 0o1000) throw new Error(`the Driftwatch home ${home} is a shared folder (sticky, like /tmp): choose a folder of its own`);
  if ((st.mode & 0o777) !== 0o700) fs.chmodSync(home, 0o700);
  for (const name of fs.readdirSync(home)) {
    const file = path.join(home, name);
    const f = fs.lstatSync(file);
    if (f.isFile() && (f.mode & 0o077) !== 0) fs.chmodSync(file, f.mode & 0o700);
  }
  // SQLite creates the store 0644 less the umask, and its -wal and -shm files with the store's
  // mode: made 0600 before SQLite opens it, all three are.
  fs.closeSync(fs.openSync(path.join(home, STORE_FILE), fs.constants.O_CREAT | fs.constants.O_RDWR, 0o600));
}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOENT: 'a folder on its path cannot be made',
  ENOTDIR: 'a part of its path is not a folder',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exhausted',
};

/** Why a folder could not be made, told by its nearest existing ancestor (Node's recursive mkdir says ENOENT for a read-only one). */
function why(err: unknown, dir: string): string {
  let code = (err as NodeJS.ErrnoException).code;
  let at = path.dirname(dir);
  while (!fs.existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
  try {
    fs.accessSync(at, fs.constants.W_OK);
  } catch (e) {
    code = (e as NodeJS.ErrnoException).code ?? code;
  }
  const reason = (code && REASONS[code]) ?? (err as Error).message;
  return at === path.dirname(dir) ? reason : `${reason} (in ${at})`;
}


/**
 * better-sqlite3's addon, named directly: its default lookup (the `bindings` package) tries a dozen paths and reads
 * a stack trace on every CLI start. Under Electron (rebuilt, perhaps packaged) it keeps its own lookup.
 */
function nativeBinding(): { nativeBinding?: string } {
  if (process.versions.electron) return {};
  const addon = createRequire(import.meta.url).resolve('better-sqlite3/package.json').replace(/package\.json$/, 'build/Release/better_sqlite3.node');
  return fs.existsSync(addon) ? { nativeBinding: addon } : {};
}

export function openStore(home: string): Db {
  prepareHome(home);
  const db = new Database(path.join(home, STORE_FILE), nativeBinding());
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 10000');
  db.pragma('synchronous = NORMAL');
  try {
    migrate(db);
  } catch (err) {
    db.close(); // a refused (newer) or broken store is not left open
    throw err;
  }
  return db;
}

export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new Error(`this store was written by a newer Driftwatch (schema ${current}; this one knows ${migrations.length})`);
  }
  for (let version = current + 1; version <= migrations.length; version++) {
    db.transaction(() => {
      const m = migrations[version - 1]!;
      if (typeof m === 'string') db.exec(m);
      else m(db);
      db.pragma(`user_version = ${version}`);
    })();
  }
}

export function now(): string {
  return new Date().toISOString();
}
