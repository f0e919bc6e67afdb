// The full-disk message, apart from the store's driver: the CLI says it without loading SQLite.
import fs from 'node:fs';

/**
 * A plain sentence for a store that cannot be written because its disk is full (SQLite says
 * "database or disk is full", or "disk I/O error" when the WAL or its index cannot grow), else
 * null. SQLite rolled the transaction back: nothing of the failed command is in the store.
 */
export function diskFullMessage(err: unknown, home: string): string | null {
  const code = String((err as { code?: unknown }).code ?? '');
  const full = code === 'SQLITE_FULL' || code === 'ENOSPC' || (code.startsWith('SQLITE_IOERR') && freeBytes(home) === 0);
  return full ? `the disk holding the Driftwatch store (${home}) is full: this was not saved, and the store keeps what it held before. Free some space and run it again` : null;
}

function freeBytes(home: string): number | null {
  try {
    const s = fs.statfsSync(home);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}
