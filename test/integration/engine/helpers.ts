// Shared helpers of the engine integration tests: the CLI in-process, real temp trees holding
// every kind of file-system object and awkward name, fake shells, and store snapshots.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { loadBaseline } from '../../../src/main/baseline/baselines.js';
import { main } from '../../../src/main/cli/main.js';
import type { EntryState } from '../../../src/main/model/entry.js';
import type { FimEvent } from '../../../src/shared/domain.js';

export const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');

/** The real shells the scanner must run under. */
export const SHELLS = ['dash', 'bash'] as const;

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs `driftwatch --home HOME ARGS...` in this process and captures what it prints. */
export async function cli(home: string, ...args: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['--home', home, ...args], { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Like cli, but the command must succeed (exit 0); returns stdout. */
export async function ok(home: string, ...args: string[]): Promise<string> {
  const r = await cli(home, ...args);
  if (r.code !== 0) throw new Error(`driftwatch ${args.join(' ')} exited ${r.code}\nstdout: ${r.out}\nstderr: ${r.err}`);
  return r.out;
}

export interface ScanJson {
  servers: { name: string; status: string; reason?: string; scanId?: number; counts?: Record<string, number>; openEvents?: number; warnings?: string[]; mode?: string }[];
  events: FimEvent[];
}

export async function scanJson(home: string, ...args: string[]): Promise<{ code: number; json: ScanJson; err: string }> {
  const r = await cli(home, 'scan', '--json', ...args);
  let json: ScanJson;
  try {
    json = JSON.parse(r.out) as ScanJson;
  } catch {
    throw new Error(`scan --json printed no JSON (exit ${r.code})\nstdout: ${r.out}\nstderr: ${r.err}`);
  }
  return { code: r.code, json, err: r.err };
}

export async function eventsJson(home: string, ...args: string[]): Promise<FimEvent[]> {
  return JSON.parse(await ok(home, 'events', '--json', ...args)) as FimEvent[];
}

/** What an event says, in a form to compare exactly: path, change and the changed attribute names. */
export interface Finding {
  server?: string;
  path: string;
  pathEscaped?: true;
  change: string;
  attributes: string[];
}

export function findings(events: FimEvent[], withServer = false): Finding[] {
  return events
    .map((e) => ({
      ...(withServer ? { server: e.server } : {}),
      path: e.path,
      ...(e.pathEscaped ? { pathEscaped: true as const } : {}),
      change: e.change,
      attributes: e.attributes.map((a) => a.name).sort(),
    }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : (a.server ?? '').localeCompare(b.server ?? '')));
}

const temps: string[] = [];

/** A fresh temp folder, readable by everyone (a scan as another user must reach trees in it). */
export function tempDir(prefix = 'dw-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  temps.push(dir);
  return dir;
}

export function removeTemps(): void {
  for (const d of temps.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/** Awkward names (valid UTF-8), each a regular file in the tree's root. */
export const AWKWARD = [
  'new\nline', 'tab\there', 'car\rriage', 'back\\slash', '-dash', 'sp ace', ' ', 'trail ', "quo'te", '"dq"', '$(x)', '`x`', 'st*r', 'q?m', 'br[ack', 'x]',
  '#hash', '~tilde', 'ünïcødé', '\\n-literal', 'n'.repeat(255),
];
/** A file whose path is longer than a hash line can carry (over 3,900 bytes): hashed on its own. */
export const LONG_DIRS = Array.from({ length: 16 }, (_, i) => `${String(i).padStart(2, '0')}${'d'.repeat(248)}`);
/** The one name that is not UTF-8: "bad" 0xff "byte". */
export const BAD_NAME = Buffer.concat([Buffer.from('bad'), Buffer.from([0xff]), Buffer.from('byte')]);
/** A name holding every byte a file name can hold (1-255 but /), in one name of 254 bytes. */
export const ALL_BYTES = Buffer.from(Array.from({ length: 255 }, (_, i) => i + 1).filter((b) => b !== 0x2f));

export function bytePath(dir: string, name: Buffer): Buffer {
  return Buffer.concat([Buffer.from(dir + '/'), name]);
}

export function sh(command: string, ...args: string[]): void {
  execFileSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function mkfifo(p: string): void {
  sh('mkfifo', p);
}

/** A unix socket file, left behind by a process that bound it and exited. */
export function mksock(p: string): void {
  execFileSync('python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', p]);
}

/**
 * A tree with every object type and every awkward name:
 *   a.txt, AWKWARD names, bad\xffbyte, bytes/ALL_BYTES   regular files (and a directory)
 *   sub/ sub/deep/ sub/deep/f           directories
 *   link -> a.txt, dangling -> nowhere, loop1 <-> loop2   symlinks
 *   fifo, sock, chr (1:3, like /dev/null), blk (7:200)
 *   sub/LONG_DIRS.../long.txt          a path over 3,900 bytes
 * Returns the number of entries, the root included.
 */
export function makeTree(root: string): number {
  fs.mkdirSync(path.join(root, 'sub/deep'), { recursive: true });
  fs.writeFileSync(path.join(root, 'a.txt'), 'hello\n');
  AWKWARD.forEach((name, i) => fs.writeFileSync(path.join(root, name), `awkward ${i}\n`));
  fs.writeFileSync(bytePath(root, BAD_NAME), 'not utf-8\n');
  fs.mkdirSync(path.join(root, 'bytes'));
  fs.writeFileSync(bytePath(path.join(root, 'bytes'), ALL_BYTES), 'every byte\n');
  fs.writeFileSync(path.join(root, 'sub/deep/f'), 'deep\n');
  fs.mkdirSync(path.join(root, 'sub', ...LONG_DIRS), { recursive: true });
  fs.writeFileSync(path.join(root, 'sub', ...LONG_DIRS, 'long.txt'), 'long\n');
  fs.symlinkSync('a.txt', path.join(root, 'link'));
  fs.symlinkSync('nowhere', path.join(root, 'dangling'));
  fs.symlinkSync('loop2', path.join(root, 'loop1'));
  fs.symlinkSync('loop1', path.join(root, 'loop2'));
  mkfifo(path.join(root, 'fifo'));
  mksock(path.join(root, 'sock'));
  sh('mknod', path.join(root, 'chr'), 'c', '1', '3');
  sh('mknod', path.join(root, 'blk'), 'b', '7', '200');
  return 1 + 1 + AWKWARD.length + 1 + 2 + 3 + 4 + 4 + LONG_DIRS.length + 1;
}

let refs = 0;

/** Rewrites a file with new content of the same size, and puts its mtime back (to the nanosecond). */
export function rewriteKeepingMtime(p: string, content: string): void {
  const before = fs.statSync(p, { bigint: true });
  if (BigInt(Buffer.byteLength(content)) !== before.size) throw new Error('content must keep the size');
  const ref = path.join(os.tmpdir(), `dw-mtime-ref-${process.pid}-${++refs}`);
  sh('touch', '-r', p, ref);
  fs.writeFileSync(p, content);
  sh('touch', '-r', ref, p);
  fs.rmSync(ref);
  if (fs.statSync(p, { bigint: true }).mtimeNs !== before.mtimeNs) throw new Error('mtime not restored');
}

export function sha256(p: string | Buffer): string {
  return createHash('sha256').update(fs.readFileSync(p)).digest('hex');
}

/** A shell script used as a server's --shell. */
export function fakeShell(dir: string, name: string, body: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return p;
}

/** Every row of every table of the store, for before/after comparisons. */
export function snapshot(home: string, except: string[] = []): Record<string, unknown[]> {
  const db = new Database(path.join(home, 'driftwatch.db'), { readonly: true });
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    const out: Record<string, unknown[]> = {};
    for (const t of tables) if (!except.includes(t)) out[t] = db.prepare(`SELECT * FROM "${t}" ORDER BY 1, 2`).all();
    return out;
  } finally {
    db.close();
  }
}

/** Every stored baseline entry (the packs of baseline_packs, decoded), with its baseline and policy. */
export function baselineEntries(db: Database.Database, baselineId?: number): (EntryState & { baseline: number; policy: number })[] {
  const ids = db.prepare('SELECT id, policy_id AS policy FROM baselines ORDER BY id').all() as { id: number; policy: number }[];
  return ids
    .filter((b) => baselineId === undefined || b.id === baselineId)
    .flatMap((b) => [...loadBaseline(db, b.id).values()].map((e) => ({ ...e, baseline: b.id, policy: b.policy })));
}

/** Runs SQL against the store directly (for states the API refuses to create, like an expired baseline). */
export function withStore<T>(home: string, work: (db: Database.Database) => T): T {
  const db = new Database(path.join(home, 'driftwatch.db'));
  try {
    return work(db);
  } finally {
    db.close();
  }
}

/** policy P with one recursive target ROOT, group G, local server S under SHELL, and a baseline. */
export async function standardSetup(home: string, root: string, shell: string, options: { targetArgs?: string[]; server?: string; baseline?: boolean } = {}): Promise<void> {
  const server = options.server ?? 'gold';
  await ok(home, 'policy', 'add', 'p');
  await ok(home, 'policy', 'target', 'add', 'p', root, ...(options.targetArgs ?? ['--recursive']));
  await ok(home, 'group', 'add', 'g', '--policy', 'p');
  await ok(home, 'server', 'add', server, '--local', '--shell', shell, '--group', 'g');
  if (options.baseline !== false) await ok(home, 'baseline', 'p', '--server', server);
}
