// The SQLite store: one file in the Driftwatch home, WAL, foreign keys on, migrated on open.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations.js';

export type Db = Database.Database;

export const STORE_FILE = 'driftwatch.db';

/**
 * better-sqlite3's addon, named directly: its default lookup (the `bindings` package) tries a dozen paths and reads
 * a stack trace, 5-30 ms of every CLI start. Under Electron (rebuilt, perhaps packaged) it keeps its own lookup.
 */
function nativeBinding(): { nativeBinding?: string } {
  if (process.versions.electron) return {};
  const addon = createRequire(import.meta.url).resolve('better-sqlite3/package.json').replace(/package\.json$/, 'build/Release/better_sqlite3.node');
  return fs.existsSync(addon) ? { nativeBinding: addon } : {};
}

export function openStore(home: string): Db {
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
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
