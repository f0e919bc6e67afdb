// The SQLite store: one file in the Driftwatch home, WAL, foreign keys on, migrated on open.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations.js';

export type Db = Database.Database;

export const STORE_FILE = 'driftwatch.db';

export function openStore(home: string): Db {
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  const db = new Database(path.join(home, STORE_FILE));
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
