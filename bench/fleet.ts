// Benchmark: a whole `driftwatch scan --all --full` of 1, 10 and 30 real sshd hosts (the test
// fleet, test/fleet) holding the same generated tree, against the time the hosts' own hashing
// needs on this machine's cores (each host hashes its tree through its overlay of /, as many
// hosts at once as cores), and also against hashing the same N copies on this machine's own
// file system (`find | xargs -P nproc openssl dgst -sha256`), which skips the overlays.
//
//   npx tsx bench/fleet.ts [--hosts 1,10,30] [--files 3000] [--runs 3] [--concurrency N]
//
// For each fleet size it prints the scan's wall time, the console's own CPU time (this process:
// SSH decryption and decompression, parsing, diffing, SQLite) per scanned entry, the hashing time
// and the ratio scan / hashing (medians of --runs runs, scan and hashing taken in turn so that a
// machine shared with other work loads both alike). The goal: 30 hosts within 1.5× the hashing
// time. Needs root (the fleet does). The tree is written once under /var/tmp, so every host sees
// the very same files through its overlay's lower layer, and is removed at the end.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { main } from '../src/main/cli/main.js';
import { startFleet, type Fleet } from '../test/fleet/fleet.js';

export interface FleetBenchOptions {
  /** Fleet sizes to time (default 1, 10, 30). */
  hosts?: number[];
  /** Regular files in the tree (default 3000, 100 per directory). */
  files?: number;
  /** `scan --concurrency` (default: the engine's default). */
  concurrency?: number;
  /** Runs per fleet size; medians are reported (default 3). */
  runs?: number;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

export interface FleetBenchRow {
  hosts: number;
  /** Entries scanned over all hosts. */
  entries: number;
  /** Bytes of regular files over all hosts (N copies of the tree). */
  bytes: number;
  scanMs: number;
  /** This process's user + system CPU during the scan. */
  consoleCpuMs: number;
  consoleCpuUsPerEntry: number;
  /** Wall time of hashing the same N copies with every core of this machine (its own file system). */
  hashMs: number;
  /** Wall time of the hosts' own hashing: each host hashes its tree through its overlay, as many hosts at once as cores. */
  hostHashMs: number;
  /** scanMs / hostHashMs: the goal's ratio (both read the hosts' overlays). */
  ratio: number;
}

export interface FleetBenchResult {
  rows: FleetBenchRow[];
  files: number;
  treeBytes: number;
  cores: number;
  runs: number;
  loadBefore: number[];
  loadAfter: number[];
}

/** File sizes, cycled: mostly small files and a few large ones, like a system directory. */
const SIZES = [256, 1024, 2048, 4096, 8192, 16384, 32768, 131072];

function makeTree(root: string, files: number): number {
  let bytes = 0;
  for (let i = 0; i < files; i++) {
    const dir = path.join(root, `d${Math.floor(i / 100)}`);
    if (i % 100 === 0) fs.mkdirSync(dir, { recursive: true });
    const size = SIZES[i % SIZES.length]!;
    fs.writeFileSync(path.join(dir, `f${i}`), randomBytes(size));
    bytes += size;
  }
  return bytes;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function quietIo(): { io: { out(t: string): void; err(t: string): void }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t) => out.push(t), err: (t) => err.push(t) }, out, err };
}

async function cli(home: string, ...args: string[]): Promise<string> {
  const { io, out, err } = quietIo();
  const code = await main(['--home', home, ...args], io);
  if (code !== 0) throw new Error(`driftwatch ${args.join(' ')} exited ${code}: ${err.join('\n')}`);
  return out.join('\n');
}

/**
 * Wall time of hashing `copies` copies of the tree with every core (the hosts' share of a scan).
 * xargs makes batches as large as it can, as in the floor of bench/run.ts: small batches would
 * add an openssl start (~4 ms) per batch and flatter the ratio.
 */
function hashCopies(root: string, copies: number, cores: number): Promise<number> {
  const script = `i=0; while [ $i -lt ${copies} ]; do find '${root}' -type f -print0; i=$((i + 1)); done | xargs -0 -P ${cores} openssl dgst -sha256 -r > /dev/null`;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`hashing failed (${code}): ${stderr}`))));
  });
}

/**
 * Wall time of the hosts' own hashing: every host hashes the tree as it sees it (through its
 * overlay of /, as the scan reads it), one host per core at a time.
 */
async function hashInHosts(hosts: Fleet['hosts'], root: string, cores: number): Promise<number> {
  const script = `find '${root}' -type f -print0 | xargs -0 openssl dgst -sha256 -r > /dev/null`;
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < hosts.length) {
      const host = hosts[next++]!;
      const r = await host.exec(script, { timeoutMs: 300_000 });
      if (r.code !== 0) throw new Error(`hashing in ${host.name} failed (${r.code}): ${String(r.stderr)}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(cores, hosts.length) }, worker));
  return performance.now() - started;
}

export async function benchFleet(options: FleetBenchOptions = {}): Promise<FleetBenchResult> {
  const sizes = options.hosts ?? [1, 10, 30];
  const files = options.files ?? 3000;
  const runs = options.runs ?? 3;
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const cores = os.availableParallelism();
  const loadBefore = os.loadavg();
  const work = fs.mkdtempSync('/var/tmp/driftwatch-bench-');
  const tree = path.join(work, 'tree');
  let fleet: Fleet | null = null;
  const rows: FleetBenchRow[] = [];
  try {
    // The tree first: hosts see the real root as their lower layer, so it is in every host.
    const treeBytes = makeTree(tree, files);
    log(`tree: ${files} files, ${(treeBytes / 1e6).toFixed(1)} MB in ${tree}`);
    const largest = Math.max(...sizes);
    const t0 = performance.now();
    fleet = await startFleet({ hosts: largest });
    log(`fleet: ${largest} hosts started in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    // Warm the page cache once, so neither side pays for the first read.
    await hashCopies(tree, 1, cores);
    for (const n of sizes) {
      const home = fs.mkdtempSync(path.join(work, `home-${n}-`));
      await cli(home, 'policy', 'add', 'p');
      await cli(home, 'policy', 'target', 'add', 'p', tree, '--recursive', '--compare', 'self');
      await cli(home, 'group', 'add', 'g', '--policy', 'p');
      for (const h of fleet.hosts.slice(0, n)) {
        await cli(home, 'server', 'add', h.name, '--host', h.address, '--key', fleet.clientKey.privateKey, '--group', 'g');
        await cli(home, 'server', 'trust', h.name, '--fingerprint', h.hostKeyFingerprint);
      }
      const args = ['scan', '--all', '--full', '--json', ...(options.concurrency ? ['--concurrency', String(options.concurrency)] : [])];
      const scans: number[] = [];
      const cpus: number[] = [];
      const hashes: number[] = [];
      const hostHashes: number[] = [];
      let entries = 0;
      for (let run = 0; run < runs; run++) {
        const cpu0 = process.cpuUsage();
        const s0 = performance.now();
        const out = await cli(home, ...args);
        scans.push(performance.now() - s0);
        const cpu = process.cpuUsage(cpu0);
        cpus.push((cpu.user + cpu.system) / 1000);
        const result = JSON.parse(out) as { servers: { name: string; status: string; reason?: string; counts?: { entries: number } }[] };
        const failed = result.servers.filter((s) => s.status === 'failed');
        if (failed.length) throw new Error(`scan failed on ${failed.map((f) => `${f.name}: ${f.reason}`).join('; ')}`);
        entries = result.servers.reduce((sum, s) => sum + (s.counts?.entries ?? 0), 0);
        hashes.push(await hashCopies(tree, n, cores));
        hostHashes.push(await hashInHosts(fleet.hosts.slice(0, n), tree, cores));
        log(`  ${n} hosts, run ${run + 1}: scan ${(scans[run]! / 1000).toFixed(2)} s, hashing ${(hashes[run]! / 1000).toFixed(2)} s, in the hosts ${(hostHashes[run]! / 1000).toFixed(2)} s`);
      }
      const scanMs = median(scans);
      const hashMs = median(hashes);
      const hostHashMs = median(hostHashes);
      const consoleCpuMs = median(cpus);
      const row: FleetBenchRow = {
        hosts: n,
        entries,
        bytes: treeBytes * n,
        scanMs,
        consoleCpuMs,
        consoleCpuUsPerEntry: (consoleCpuMs * 1000) / entries,
        hashMs,
        hostHashMs,
        ratio: scanMs / hostHashMs,
      };
      rows.push(row);
      log(`${n} hosts: median scan ${(scanMs / 1000).toFixed(2)} s, hashing in the hosts ${(hostHashMs / 1000).toFixed(2)} s, ratio ${row.ratio.toFixed(2)}`);
    }
    return { rows, files, treeBytes, cores, runs, loadBefore, loadAfter: os.loadavg() };
  } finally {
    await fleet?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

export function fleetTable(r: FleetBenchResult): string {
  const head = ['hosts', 'entries', 'data', 'scan --all', 'console CPU', 'CPU/entry', `hashing here (${r.cores} cores)`, 'hashing in the hosts', 'scan/hosts\' hashing'];
  const body = r.rows.map((x) => [
    String(x.hosts),
    String(x.entries),
    `${(x.bytes / 1e6).toFixed(0)} MB`,
    `${(x.scanMs / 1000).toFixed(2)} s`,
    `${(x.consoleCpuMs / 1000).toFixed(2)} s`,
    `${x.consoleCpuUsPerEntry.toFixed(0)} µs`,
    `${(x.hashMs / 1000).toFixed(2)} s`,
    `${(x.hostHashMs / 1000).toFixed(2)} s`,
    `${x.ratio.toFixed(2)}×`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  const last = r.rows[r.rows.length - 1];
  return [
    `fleet scan: ${r.files} files (${(r.treeBytes / 1e6).toFixed(1)} MB) per host, median of ${r.runs} runs; load average ${r.loadBefore.map((l) => l.toFixed(1)).join(' ')} before, ${r.loadAfter.map((l) => l.toFixed(1)).join(' ')} after`,
    line(head),
    ...body.map(line),
    last ? `goal: ${last.hosts} hosts within 1.5× the hosts' own hashing time: ${last.ratio <= 1.5 ? 'met' : 'not met'} (${last.ratio.toFixed(2)}×; ${(last.scanMs / last.hashMs).toFixed(2)}× the hashing on this machine's own file system)` : '',
  ].join('\n');
}

function parseCli(argv: string[]): FleetBenchOptions {
  const options: FleetBenchOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if (argv[i] === '--hosts' && value) options.hosts = value.split(',').map(Number);
    else if (argv[i] === '--files' && value) options.files = Number(value);
    else if (argv[i] === '--concurrency' && value) options.concurrency = Number(value);
    else if (argv[i] === '--runs' && value) options.runs = Number(value);
    else throw new Error(`usage: npx tsx bench/fleet.ts [--hosts 1,10,30] [--files N] [--runs N] [--concurrency N]`);
    i++;
  }
  return options;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  benchFleet(parseCli(process.argv.slice(2))).then(
    (r) => {
      process.stdout.write(`${fleetTable(r)}\n`);
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
