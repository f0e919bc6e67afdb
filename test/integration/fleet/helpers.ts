// Shared bits of the fleet tests: the driftwatch CLI run in this process against a fresh store,
// servers that point at real fleet hosts, trees built inside hosts, and store snapshots.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Io } from '../../../src/main/cli/command.js';
import { main } from '../../../src/main/cli/main.js';
import type { FimEvent, PolicyOutcome } from '../../../src/shared/domain.js';
import type { Fleet, Host } from '../../fleet/fleet.js';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Lines the CLI printed so far, in order; `err` lines are prefixed with `! `. */
export type Transcript = string[];

/** Runs `driftwatch --home HOME ARGS...` in this process, exactly as a user would, capturing its output. */
export async function cli(home: string, ...args: string[]): Promise<CliResult> {
  return cliWatched(home, [], ...args);
}

/** Like cli, but every printed line is also appended to `transcript` as it is printed. */
export async function cliWatched(home: string, transcript: Transcript, ...args: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['--home', home, ...args], {
    out: (t) => {
      out.push(t);
      transcript.push(t);
    },
    err: (t) => {
      err.push(t);
      transcript.push(`! ${t}`);
    },
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Like cli, with more of the CLI's Io given (a terminal for live progress, say). */
export async function cliWith(home: string, extra: Partial<Io>, ...args: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['--home', home, ...args], { out: (t) => out.push(t), err: (t) => err.push(t), ...extra });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** The command must exit 0; returns stdout. */
export async function ok(home: string, ...args: string[]): Promise<string> {
  const r = await cli(home, ...args);
  if (r.code !== 0) throw new Error(`driftwatch ${args.join(' ')} exited ${r.code}\nstdout: ${r.out}\nstderr: ${r.err}`);
  return r.out;
}

export interface ScanServerJson {
  name: string;
  status: string;
  reason?: string;
  scanId?: number;
  counts?: { entries: number; added: number; removed: number; modified: number; unreadable: number };
  openEvents?: number;
  warnings?: string[];
  mode?: string;
  policies?: PolicyOutcome[];
}

export interface ScanJson {
  servers: ScanServerJson[];
  events: FimEvent[];
}

/** `driftwatch scan --json ARGS...`: exit code and the parsed document. */
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

/** One server's result of a scan --json run. */
export function resultOf(json: ScanJson, name: string): ScanServerJson {
  const r = json.servers.find((s) => s.name === name);
  if (!r) throw new Error(`no result for ${name} in ${JSON.stringify(json.servers)}`);
  return r;
}

/** Name → status of a scan --json run. */
export function statuses(json: ScanJson): Record<string, string> {
  return Object.fromEntries(json.servers.map((s) => [s.name, s.status]));
}

export async function eventsJson(home: string, ...args: string[]): Promise<FimEvent[]> {
  return JSON.parse(await ok(home, 'events', '--json', ...args)) as FimEvent[];
}

/** server → sorted `change path` lines, to compare findings exactly. */
export function findingsByServer(events: FimEvent[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of events) (out[e.server] ??= []).push(`${e.change} ${e.path}`);
  for (const k of Object.keys(out)) out[k]!.sort();
  return out;
}

const homes: string[] = [];

/** A fresh, empty store folder. */
export function newHome(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-fleet-home-'));
  homes.push(dir);
  return dir;
}

/** A scratch folder for files the tests write (known_hosts, ssh_config). */
export function scratchDir(): string {
  return newHome();
}

export function removeHomes(): void {
  for (const d of homes.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/** Every byte the store keeps on disk: the database file and its WAL and shared-memory files. */
export function storeBytes(home: string): Buffer {
  return Buffer.concat(fs.readdirSync(home).filter((f) => f.startsWith('driftwatch.db')).map((f) => fs.readFileSync(path.join(home, f))));
}

/** Every row of the given tables (all tables by default), for before/after comparisons. */
export function snapshot(home: string, tables?: string[]): Record<string, unknown[]> {
  const db = new Database(path.join(home, 'driftwatch.db'), { readonly: true });
  try {
    const names = tables ?? (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    const out: Record<string, unknown[]> = {};
    for (const t of names) out[t] = db.prepare(`SELECT * FROM "${t}" ORDER BY 1`).all();
    return out;
  } finally {
    db.close();
  }
}

/** Reads the store directly (for rows the API does not show as such). */
export function query<T>(home: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(path.join(home, 'driftwatch.db'), { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

export type AuthChoice = 'key' | 'agent' | 'password' | 'passphrase';

/** Environment variables the password and passphrase servers name (set by setSecrets). */
export const PASSWORD_ENV = 'DW_FLEET_TEST_PASSWORD';
export const PASSPHRASE_ENV = 'DW_FLEET_TEST_PASSPHRASE';

/** Puts the fleet's password and key passphrase into the variables the servers name. */
export function setSecrets(fleet: Fleet): void {
  process.env[PASSWORD_ENV] = fleet.password;
  process.env[PASSPHRASE_ENV] = fleet.passphraseKey.passphrase;
}

export function clearSecrets(): void {
  delete process.env[PASSWORD_ENV];
  delete process.env[PASSPHRASE_ENV];
}

export interface ServerOptions {
  name?: string;
  user?: string;
  auth?: AuthChoice;
  group?: string;
  sudo?: boolean;
  jump?: string;
  shell?: string;
  /** Pin the host key at once (--accept-new); default false. */
  acceptNew?: boolean;
}

/** The `server add` arguments for a fleet host. */
export function serverAddArgs(fleet: Fleet, host: Host, options: ServerOptions = {}): string[] {
  const auth = options.auth ?? 'key';
  const args = ['server', 'add', options.name ?? host.name, '--host', host.address, '--port', String(host.port), '--user', options.user ?? 'root'];
  if (auth === 'key') args.push('--key', fleet.clientKey.privateKey);
  if (auth === 'passphrase') args.push('--key', fleet.passphraseKey.privateKey, '--passphrase-env', PASSPHRASE_ENV);
  if (auth === 'password') args.push('--password-env', PASSWORD_ENV);
  if (options.group) args.push('--group', options.group);
  if (options.sudo) args.push('--sudo');
  if (options.jump) args.push('--jump', options.jump);
  if (options.shell) args.push('--shell', options.shell);
  if (options.acceptNew) args.push('--accept-new');
  return args;
}

/** `server add` for a fleet host, then (unless told otherwise) `server trust --fingerprint` with its real key. */
export async function addServer(home: string, fleet: Fleet, host: Host, options: ServerOptions & { trust?: boolean } = {}): Promise<string> {
  const name = options.name ?? host.name;
  await ok(home, ...serverAddArgs(fleet, host, options));
  if (options.trust !== false && !options.acceptNew) await ok(home, 'server', 'trust', name, '--fingerprint', host.hostKeyFingerprint);
  return name;
}

/** policy P with one recursive target ROOT, in group G. */
export async function policyAndGroup(home: string, root: string, options: { policy?: string; group?: string; targetArgs?: string[] } = {}): Promise<void> {
  const policy = options.policy ?? 'p';
  await ok(home, 'policy', 'add', policy);
  await ok(home, 'policy', 'target', 'add', policy, root, ...(options.targetArgs ?? ['--recursive']));
  await ok(home, 'group', 'add', options.group ?? 'g', '--policy', policy);
}

/**
 * The same small application tree inside a host: directories, regular files, a symlink, an
 * executable and a file only root may read. Identical on every host it is made on (content,
 * modes, owners), so a gold master from one host matches the others.
 */
export async function makeAppTree(host: Host, root = '/srv/app'): Promise<string[]> {
  await host.sh(`set -e
r='${root}'
rm -rf "$r"
mkdir -p "$r/etc" "$r/bin" "$r/lib/plugins" "$r/data"
printf 'listen=8080\\nmode=prod\\n' > "$r/etc/app.conf"
printf 'secret=s3cr3t\\n' > "$r/etc/secret.conf"
chmod 600 "$r/etc/secret.conf"
printf '#!/bin/sh\\necho app\\n' > "$r/bin/app"
chmod 755 "$r/bin/app"
printf 'lib v1\\n' > "$r/lib/libapp.so"
printf 'plugin a\\n' > "$r/lib/plugins/a.so"
printf 'plugin b\\n' > "$r/lib/plugins/b.so"
ln -s ../etc/app.conf "$r/data/config-link"
: > "$r/data/empty"
chmod 755 "$r" "$r/etc" "$r/bin" "$r/lib" "$r/lib/plugins" "$r/data"
chmod 644 "$r/etc/app.conf" "$r/lib/libapp.so" "$r/lib/plugins/a.so" "$r/lib/plugins/b.so" "$r/data/empty"`);
  return ['', '/etc', '/etc/app.conf', '/etc/secret.conf', '/bin', '/bin/app', '/lib', '/lib/libapp.so', '/lib/plugins', '/lib/plugins/a.so', '/lib/plugins/b.so', '/data', '/data/config-link', '/data/empty'].map(
    (p) => `${root}${p}`,
  );
}

/** A generated tree of `files` regular files (`perDir` per directory) of a few hundred bytes each. */
export async function makeBigTree(host: Host, root: string, files: number, perDir = 100): Promise<void> {
  await host.sh(`set -e
rm -rf '${root}'
mkdir -p '${root}'
cd '${root}'
i=0
while [ $i -lt ${files} ]; do
  d=d$((i / ${perDir}))
  [ -d $d ] || mkdir $d
  printf 'file %08d of a generated tree, padded so that every record carries a real hash: %0200d\\n' $i $i > $d/f$i
  i=$((i + 1))
done`);
}

/** Poll `check` until it holds (no fixed sleeps); rejects after timeoutMs naming `what`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** What the gated wrapper shell lets through of a scan's stream before it holds the rest. */
export const GATE_PASSED = 16_384;

/** A server's --shell wrapper inside a host as it is between faults: the real shell, untouched. */
export const PLAIN_SHELL = `#!/bin/sh
exec sh "$@"
`;

/**
 * A --shell wrapper that lets 16 KiB of the stream through, says so (/tmp/dw-streaming; the
 * scanner's sh pid in /tmp/dw-sh.pid), and holds the rest until /tmp/dw-gate (a FIFO) is written.
 */
export const GATED_SHELL = `#!/bin/bash
set -o pipefail
{ echo $BASHPID > /tmp/dw-sh.pid; exec sh "$@"; } | { head -c ${GATE_PASSED}; : > /tmp/dw-streaming; read -r _ < /tmp/dw-gate; }
`;

/** Writes the gate FIFO in the host if its gated wrapper is still waiting on it (never blocks). */
export async function openGate(host: Host): Promise<void> {
  let fd: fs.promises.FileHandle;
  try {
    fd = await fs.promises.open(`/proc/${host.holderPid}/root/tmp/dw-gate`, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENXIO') return; // no reader: the wrapper is gone already
    throw err;
  }
  try {
    await fd.write('go\n');
  } finally {
    await fd.close();
  }
}
