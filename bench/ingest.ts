// The console's side of a scan, alone: a synthetic scanner stream of N entries (the current
// protocol, as GNU find and openssl print it) fed through a fake transport into the real scanServer():
// parse, assemble entries, compare with a gold-master baseline of the same N entries (1 % of
// them changed, 0.1 % added, 0.1 % removed) and write events. Run as its own process so that
// its peak RSS is its own:  tsx bench/ingest.ts ENTRIES setup HOME; tsx bench/ingest.ts ENTRIES measure HOME
// → one line of JSON. `quick` instead of `measure`: a quick rescan of the unchanged server, whose
// quick-scan reference is that very baseline (what the console does for it, all of it reused).
// setup also writes the streams that measure and quick read into HOME: they then arrive through a
// pipe from another process (`cat`), as a scanner's do, so that making the synthetic text (about
// a second for a million entries) is not counted as the console's work.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { openEngine } from '../src/main/engine/engine.js';
import * as inventory from '../src/main/inventory/inventory.js';
import * as policies from '../src/main/policy/policies.js';
import { activeBaselineIds } from '../src/main/baseline/baselines.js';
import { evaluatePolicy } from '../src/main/compare/evaluate.js';
import { collect } from '../src/main/scan/collect.js';
import { expectedEntries } from '../src/main/scan/scan-history.js';
import { referenceOf } from '../src/main/scan/reference/stored-reference.js';
import { buildPlan } from '../src/main/scanner/plan.js';
import { PROTOCOL_VERSION } from '../src/main/scanner/protocol.js';
import { leaveOutCleanPaths } from '../src/main/scan/clean-paths.js';
import { baselineServer, type ScanContext } from '../src/main/scan/scan-server.js';
import type { ScriptProcess, Transport } from '../src/main/transport/transport.js';

const N = Number(process.argv[2] ?? 1_000_000);
const ROOT = '/synthetic';
const CHUNK = 64 * 1024;

/**
 * The stream a scan of N files would produce; `variant` 1 changes 1 % of them, adds and removes
 * some. Without `hash` (a quick scan's metadata pass), no hash section.
 */
function* stream(variant: 0 | 1, hash = true): Generator<Buffer> {
  const parts: string[] = [];
  let size = 0;
  const push = (s: string) => {
    parts.push(s);
    size += s.length;
  };
  const flush = function* () {
    if (!size) return;
    yield Buffer.from(parts.join(''), 'latin1');
    parts.length = 0;
    size = 0;
  };
  push(`V\x00${PROTOCOL_VERSION}\x00P\x00hasher\x00openssl\x00P\x00getfattr\x00no\x00P\x00lsattr\x00no\x00P\x00getfacl\x00no\x00P\x00getcap\x00no\x00`);
  push('U\x00root:x:0:0:root:/root:/bin/sh\n\x00G\x00root:x:0:\n\x00T\x000\x00ok\x00');
  push(`E\x000\x00${ROOT}\x00d\x00755\x000\x000\x004096\x001700000000.1234567890\x001700000000.1234567890\x001\x002\x00\x00\x00`);
  const dirs = Math.ceil(N / 1000);
  for (let d = 0; d < dirs; d++) push(`E\x000\x00${ROOT}/d${d}\x00d\x00755\x000\x000\x004096\x001700000000.1234567890\x001700000000.1234567890\x00${10 + d}\x002\x00\x00\x00`);
  const files = (i: number) => variant === 1 && i % 1000 === 999 ? null : i; // 0.1 % removed
  for (let i = 0; i < N + (variant === 1 ? N / 1000 : 0); i++) {
    const f = i < N ? files(i) : i;
    if (f === null) continue;
    const changed = variant === 1 && f % 100 === 7;
    const size = 1000 + (f % 5000) + (changed ? 1 : 0);
    push(`E\x000\x00${ROOT}/d${f % dirs}/file-${f}.conf\x00f\x00644\x000\x000\x00${size}\x001700000000.${String(f % 1e9).padStart(9, '0')}0\x001700000001.5\x00${100000 + f}\x001\x00\x00\x00`);
    if (size > CHUNK) yield* flush();
    if (parts.length > 2000) yield* flush();
  }
  push('W\x000\x000\x00'); // the walk ended, find's status 0
  yield* flush();
  if (!hash) {
    push('Z\x00');
    yield* flush();
    return;
  }
  push('H\x00');
  for (let i = 0; i < N + (variant === 1 ? N / 1000 : 0); i++) {
    const f = i < N ? files(i) : i;
    if (f === null) continue;
    const changed = variant === 1 && f % 100 === 7;
    const h = ((f * 2654435761) >>> 0).toString(16).padStart(8, '0');
    push(`${h.repeat(7)}${changed ? 'ffffffff' : '00000000'} *${ROOT}/d${f % dirs}/file-${f}.conf\n`);
    if (parts.length > 2000) yield* flush();
  }
  push('\x00Z\x00');
  yield* flush();
}

/** The file holding the stream a measured step reads (written by setup). */
const streamFile = (home: string, step: 'measure' | 'quick') => path.join(home, `stream-${step}.bin`);

async function writeStream(file: string, variant: 0 | 1, hash: boolean): Promise<void> {
  const out = fs.createWriteStream(file);
  for (const chunk of stream(variant, hash)) if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

/** The run's start marker, as the script's first line prints it (scan/run-scanner.ts). */
function startMarker(script: string): Buffer {
  const marker = /^printf '%s\\0' '(DRIFTWATCH-START-[0-9a-f]+)'\n/.exec(script);
  if (!marker) throw new Error('the script does not begin with its start marker');
  return Buffer.from(`${marker[1]}\0`, 'latin1');
}

class SyntheticTransport implements Transport {
  /**
   * `file`: the stream, written before, sent by `cat` through a pipe after the run's start marker;
   * else made on the fly (a full scan with hashes). A quick scan's `list` run is not simulated.
   */
  constructor(private readonly variant: 0 | 1, private readonly file?: string) {}
  async runScript(script: string): Promise<ScriptProcess> {
    if (!/^set -- '\d+' 'scan'/m.test(script)) throw new Error('the synthetic scanner only runs scans');
    const marker = startMarker(script);
    if (this.file) {
      const child = spawn('sh', ['-c', 'printf "%s\\0" "$1"; exec cat "$2"', 'sh', marker.toString('latin1', 0, marker.length - 1), this.file], { stdio: ['ignore', 'pipe', 'inherit'] });
      const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
        child.on('close', (code, signal) => resolve({ code, signal, stderr: '' })),
      );
      return { stdout: child.stdout, done, kill: () => child.kill() };
    }
    const stdout = Readable.from((function* (variant) {
      yield marker;
      yield* stream(variant, true);
    })(this.variant), { objectMode: false });
    let end: () => void = () => undefined;
    const done = new Promise<{ code: number; signal: null; stderr: string }>((resolve) => (end = () => resolve({ code: 0, signal: null, stderr: '' })));
    stdout.on('end', () => end());
    return { stdout, done, kill: () => stdout.destroy() };
  }
  close(): void {}
}

/**
 * setup: a store holding the gold-master baseline of N synthetic entries (its own process, so
 * that the measuring process starts clean). measure: the parser + evaluate path of scanServer(),
 * with the baseline read from the store as a scan reads it; the store writes of a scan are not
 * part of it.
 */
async function main(): Promise<void> {
  const [step, home] = [process.argv[3] ?? 'all', process.argv[4] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'dw-ingest-'))];
  const engine = openEngine({ home });
  const { db } = engine;
  try {
    if (step === 'setup' || step === 'all') {
      const policy = policies.addPolicy(db, { name: 'synthetic' });
      policies.addTarget(db, policy.name, { path: ROOT, depth: null });
      inventory.addGroup(db, 'g', [policy.name]);
      inventory.addServer(db, { name: 'synthetic', local: true, group: 'g' });
      const server = inventory.getServer(db, 'synthetic');
      const ctx: ScanContext = { db, transportFor: async () => new SyntheticTransport(0) };
      const base = await baselineServer(ctx, server, policies.getPolicy(db, policy.name), { expiresAt: null, comment: 'synthetic', add: false });
      if (base.baselineId === undefined) throw new Error(`baseline failed: ${base.result.reason}`);
      await writeStream(streamFile(home, 'measure'), 1, true);
      await writeStream(streamFile(home, 'quick'), 0, false);
      if (step === 'setup') return;
    }
    const server = inventory.getServer(db, 'synthetic');
    const policy = policies.getPolicy(db, 'synthetic');
    const quick = step === 'quick';
    const t0 = process.hrtime.bigint();
    const plan = buildPlan([policy]);
    // As scanServer() runs it: sized for the entries of the server's last scan (the baseline's);
    // a quick scan with the server's reference (scan/reference/stored-reference.ts referenceOf).
    const collected = await collect(new SyntheticTransport(quick ? 0 : 1, streamFile(home, quick ? 'quick' : 'measure')), plan, {
      expectedEntries: expectedEntries(db, server.id),
      ...(quick ? { reference: referenceOf(db, server.id, [policy]) } : {}),
    });
    const tCollect = Number(process.hrtime.bigint() - t0) / 1e9;
    // What scanServer() does between the scanner and its transaction: each policy's inputs (the
    // entries certainly clean left out, scan/clean-paths.ts), then evaluatePolicy.
    const at = new Date().toISOString();
    const selfInitialized = new Set<string>();
    const inputs = leaveOutCleanPaths(db, { plan, collected, policyIndex: 0, policy, serverId: server.id, baselineIds: activeBaselineIds(db, policy.id, at), serverAccepts: new Map(), selfInitialized });
    const verdict = evaluatePolicy({ targets: policy.targets, ...inputs, selfInitialized });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const counts = { added: 0, removed: 0, modified: 0 };
    for (const d of verdict.deviations) counts[d.change]++;
    process.stdout.write(
      JSON.stringify({
        entries: collected.entries.size,
        seconds,
        collectSeconds: tCollect,
        rate: Math.round(collected.entries.size / seconds),
        deviations: counts,
        ...(quick ? { mode: collected.mode, hashed: collected.hashed } : {}),
        maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      }) + '\n',
    );
  } finally {
    engine.close();
    if (step === 'all') fs.rmSync(home, { recursive: true, force: true });
  }
}

await main();
