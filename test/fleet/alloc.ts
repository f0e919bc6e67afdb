// Address blocks and run directories for fleets, safe across processes (vitest workers run test
// files in parallel) and across crashes: a fleet owns the third octet B of 127.0.B.0/24 while the
// directory /tmp/driftwatch-fleet/blocks/B exists and names a live owner. Owned directories
// appear atomically, owner file inside (made under a temporary name, then renamed), so two
// fleets never take the same block and no reaper ever sees one half made; a block or run whose
// owner died is reaped before reuse.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isAlive, killRootedUnder, pidsRootedUnder, startTime } from './proc.js';

export const FLEET_ROOT = '/tmp/driftwatch-fleet';
const BLOCKS = join(FLEET_ROOT, 'blocks');
const RUNS = join(FLEET_ROOT, 'runs');
/** Blocks 1..250 (127.0.0.x is left alone: other services use it). */
const FIRST_BLOCK = 1;
const LAST_BLOCK = 250;

interface Owner {
  pid: number;
  start: string | null;
}

function ownerAlive(file: string): boolean {
  let owner: Owner;
  try {
    owner = JSON.parse(readFileSync(file, 'utf8')) as Owner;
  } catch {
    return false;
  }
  return isAlive(owner.pid) && startTime(owner.pid) === owner.start;
}

function me(): string {
  return JSON.stringify({ pid: process.pid, start: startTime(process.pid) } satisfies Owner);
}

/** A directory that appears with its owner file already inside (mkdir + write, then rename). */
function createOwned(final: string): boolean {
  const tmp = join(dirname(final), `.tmp-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(tmp);
  writeFileSync(join(tmp, 'owner.json'), me());
  try {
    // Fails (ENOTEMPTY/EEXIST) when `final` exists: every owned directory holds its owner file.
    renameSync(tmp, final);
    return true;
  } catch {
    rmSync(tmp, { recursive: true, force: true });
    return false;
  }
}

const TMP_AGE_MS = 60_000;

function isOldTmp(name: string): boolean {
  const ts = Number(name.split('-')[2]);
  return !Number.isFinite(ts) || Date.now() - ts > TMP_AGE_MS;
}

/** Remove runs (and their processes) and blocks whose owning process is gone. */
export function reapStale(): void {
  mkdirSync(RUNS, { recursive: true });
  mkdirSync(BLOCKS, { recursive: true });
  for (const name of readdirSync(RUNS)) {
    const dir = join(RUNS, name);
    if (name.startsWith('.tmp-')) {
      if (isOldTmp(name)) rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (ownerAlive(join(dir, 'owner.json'))) continue;
    killRootedUnder(dir);
    if (pidsRootedUnder(dir).length === 0) rmSync(dir, { recursive: true, force: true });
  }
  for (const name of readdirSync(BLOCKS)) {
    const dir = join(BLOCKS, name);
    if (name.startsWith('.tmp-') || name.includes('.dead-')) {
      if (name.includes('.dead-') || isOldTmp(name)) rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (!ownerAlive(join(dir, 'owner.json'))) {
      // Rename first so that two reapers never both remove a block a third process just took.
      const tomb = `${dir}.dead-${process.pid}-${Math.random().toString(36).slice(2)}`;
      try {
        renameSync(dir, tomb);
        rmSync(tomb, { recursive: true, force: true });
      } catch {
        // someone else reaped it
      }
    }
  }
}

/** Take a free block; returns its number B (hosts get 127.0.B.1, 127.0.B.2, ...). */
export function allocateBlock(preferred?: number): number {
  reapStale();
  const start = preferred ?? FIRST_BLOCK + (process.pid % (LAST_BLOCK - FIRST_BLOCK + 1));
  for (let i = 0; i <= LAST_BLOCK - FIRST_BLOCK; i++) {
    const block = FIRST_BLOCK + ((start - FIRST_BLOCK + i) % (LAST_BLOCK - FIRST_BLOCK + 1));
    if (createOwned(join(BLOCKS, String(block)))) return block;
  }
  throw new Error(`no free address block under ${BLOCKS}`);
}

export function releaseBlock(block: number): void {
  rmSync(join(BLOCKS, String(block)), { recursive: true, force: true });
}

/** A fresh run directory owned by this process. */
export function createRunDir(): string {
  mkdirSync(RUNS, { recursive: true });
  for (;;) {
    const dir = join(RUNS, `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
    if (createOwned(dir)) return dir;
  }
}
