// A CLI process that dies mid-run, through the real command in a child process against a real host:
// killed (kill -9) mid-scan and mid-baseline, its lease is taken over at once by the next run
// (the holder's pid and start time are checked), which says so; a damaged quick-scan reference
// read while the host connects fails the scan instead of ending the process; and a run failed on
// a hostile stream that keeps sending ends its process at once (not after the idle timeout).
//
// Deterministic, no sleeps: the server's --shell is a wrapper inside the host that lets 16 KiB of
// the stream through, says so, and holds the rest until /tmp/dw-gate (a FIFO) is written.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreCheck } from '../../../src/shared/api.js';
import { startFleet, type Fleet, type Host } from '../../fleet/fleet.js';
import { addServer, cli, GATED_SHELL, makeBigTree, newHome, ok, openGate, PLAIN_SHELL, query, removeHomes, resultOf, scanJson, until, type ScanJson } from './helpers.js';

const FILES = 2000;
const WRAPPER = '/usr/local/bin/dw-sh';
const BIN = path.resolve('bin/driftwatch.js');

/**
 * Hostile: the start marker (the script's first line), a version this console does not speak,
 * then more records every 20 ms for a minute, deaf to TERM, HUP and PIPE: data keeps arriving
 * after the console has failed the run.
 */
const HOSTILE = `#!/bin/bash
trap '' TERM HUP PIPE
IFS= read -r first
eval "$first"
printf 'V\\0999\\0'
for i in $(seq 3000); do printf 'hostile-%d\\0' $i; sleep 0.02; done
`;

let fleet: Fleet;
let host: Host;
let home: string;

beforeAll(async () => {
  fleet = await startFleet({ hosts: 1 });
  host = fleet.hosts[0]!;
  await makeBigTree(host, '/srv/big', FILES);
  await host.writeFile(WRAPPER, PLAIN_SHELL, 0o755);
  home = newHome();
  await ok(home, 'policy', 'add', 'p');
  await ok(home, 'policy', 'target', 'add', 'p', '/srv/big', '--recursive');
  await ok(home, 'group', 'add', 'g', '--policy', 'p');
  await addServer(home, fleet, host, { name: 'victim', group: 'g', shell: WRAPPER });
});
afterAll(async () => {
  await fleet?.stop();
  removeHomes();
});

interface Child {
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>;
}

/** `driftwatch --home HOME ARGS...` in a child process, as a user runs it. */
function spawnCli(...args: string[]): Child {
  const child = spawn(process.execPath, [BIN, '--home', home, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, out, err })));
  return { pid: child.pid!, exited };
}

const locks = () => query<{ name: string; owner: string }>(home, 'SELECT name, owner FROM locks');

/** Starts `args` in a child through the gated wrapper, and kill -9s it once 16 KiB of the stream went out. */
async function killMidStream(...args: string[]): Promise<number> {
  await host.sh('rm -f /tmp/dw-streaming /tmp/dw-sh.pid /tmp/dw-gate && mkfifo /tmp/dw-gate');
  await host.writeFile(WRAPPER, GATED_SHELL, 0o755);
  const child = spawnCli(...args);
  try {
    await until(() => fs.existsSync(`/proc/${host.holderPid}/root/tmp/dw-streaming`), 'the first 16 KiB to go out');
    // The lease names the holder: host, pid, process start time (/proc/PID/stat field 22), tag.
    expect(locks()).toEqual([{ name: expect.stringMatching(/^scan:server:\d+$/), owner: expect.stringMatching(new RegExp(`^engine@[^:]+:${child.pid}:\\d+:[0-9a-f]{8}#\\d+$`)) }]);
    process.kill(child.pid, 'SIGKILL');
    expect((await child.exited).signal).toBe('SIGKILL');
  } finally {
    await openGate(host);
    await host.writeFile(WRAPPER, PLAIN_SHELL, 0o755);
  }
  expect(locks()).toHaveLength(1); // still there: nobody released it
  return child.pid;
}

async function storeIntact(): Promise<void> {
  const r = await cli(home, 'store', 'check', '--json');
  expect(r.code).toBe(0);
  expect(JSON.parse(r.out) as StoreCheck).toMatchObject({ ok: true, sqlite: [], damaged: [] });
}

describe('a CLI process killed mid-run', () => {
  it('kill -9 mid-baseline: the next baseline takes the dead process\'s lease over at once and says so', async () => {
    const pid = await killMidStream('baseline', 'p', '--server', 'victim');
    const r = await cli(home, 'baseline', 'p', '--server', 'victim');
    expect(r.err).toContain(`warning: victim: took over the lease of a dead process (pid ${pid})`);
    expect(r.code).toBe(0);
    expect(r.err).not.toContain('another scan');
    expect(locks()).toEqual([]);
    expect(query<{ n: number }>(home, 'SELECT COUNT(*) AS n FROM baselines')[0]!.n).toBe(1);
    await storeIntact();
  });

  it('kill -9 mid-scan: the next scan takes the lease over at once, completes, and says so in its warnings', async () => {
    const pid = await killMidStream('scan', '--full');
    const { code, json } = await scanJson(home, '--full');
    expect(code).toBe(0);
    const result = resultOf(json, 'victim');
    expect(result.status).toBe('completed_clean');
    expect(result.warnings).toContain(`took over the lease of a dead process (pid ${pid})`);
    expect(locks()).toEqual([]);
    await storeIntact();
  });

  it('a live holder is still respected: a second scan while one runs is refused as busy', async () => {
    await host.sh('rm -f /tmp/dw-streaming /tmp/dw-sh.pid /tmp/dw-gate && mkfifo /tmp/dw-gate');
    await host.writeFile(WRAPPER, GATED_SHELL, 0o755);
    const child = spawnCli('scan', '--json');
    try {
      await until(() => fs.existsSync(`/proc/${host.holderPid}/root/tmp/dw-streaming`), 'the first 16 KiB to go out');
      const { json } = await scanJson(home);
      expect(resultOf(json, 'victim').reason).toMatch(new RegExp(`^another scan of victim is running \\(engine@[^:]+:${child.pid}:`));
    } finally {
      await openGate(host);
      await host.writeFile(WRAPPER, PLAIN_SHELL, 0o755);
    }
    expect((await child.exited).code).toBe(2); // the gated run's stream was cut short
    expect(locks()).toEqual([]);
  });
});

describe('failures inside a scan never end the process', () => {
  it('a quick-scan reference damaged on disk, read while the host connects: the scan fails naming it, recorded, lease released', async () => {
    expect(resultOf((await scanJson(home, '--full')).json, 'victim').status).toBe('completed_clean'); // the reference
    const id = query<{ id: number }>(home, "SELECT id FROM servers WHERE name = 'victim'")[0]!.id;
    const withDb = await import('better-sqlite3');
    const db = new withDb.default(path.join(home, 'driftwatch.db'));
    try {
      const row = db.prepare('SELECT rowid, data FROM server_full_packs WHERE server_id = ? ORDER BY first_path LIMIT 1').get(id) as { rowid: number; data: Buffer };
      const data = Buffer.from(row.data);
      for (let i = 40; i < 56; i++) data[i] = 0xff;
      db.prepare('UPDATE server_full_packs SET data = ? WHERE rowid = ?').run(data, row.rowid);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
    const failedBefore = query(home, "SELECT id FROM scans WHERE status = 'failed'").length;
    const r = await spawnCli('scan', '--quick', '--json').exited;
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    const result = resultOf(JSON.parse(r.out) as ScanJson, 'victim');
    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(/^the last full scan of victim \(its quick-scan reference\) is damaged in the store \(its pack from \/srv\/big.*: checksum mismatch/);
    expect(query<{ reason: string }>(home, "SELECT reason FROM scans WHERE status = 'failed' ORDER BY id").slice(failedBefore).map((s) => s.reason)).toEqual([result.reason]);
    expect(locks()).toEqual([]);
    // A full scan writes the reference anew.
    expect((await scanJson(home, '--full')).json.servers[0]!.status).toBe('completed_clean');
    await storeIntact();
  });

  it('a stream failed at once that keeps sending: the process ends as soon as the result is out, not after the idle timeout', async () => {
    await host.writeFile(WRAPPER, HOSTILE, 0o755);
    try {
      // With the default idle timeout (120 s), data arriving after the failure kept the process for 120 s more.
      const r = await spawnCli('scan', '--json').exited;
      expect(r.code).toBe(2);
      expect(resultOf(JSON.parse(r.out) as ScanJson, 'victim').reason).toMatch(/^malformed scanner output: protocol version 999 \(this console speaks \d+\)/);
      expect(locks()).toEqual([]);
    } finally {
      await host.exec('pkill -f "^/bin/bash ${WRAPPER}"');
      await host.writeFile(WRAPPER, PLAIN_SHELL, 0o755);
    }
  }, 90_000);
});
