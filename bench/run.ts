// `npm run bench`: Driftwatch against the floor and AIDE on this machine, side by side in one run.
//
//   floor        find CORPUS -type f -print0 | xargs -0 -P CORES openssl dgst -sha256, on this
//                machine and inside the loopback host; each Driftwatch row is compared with the
//                floor of the file system view it read
//   full         a Driftwatch gold-master baseline of CORPUS (every file hashed, all attributes),
//                through the SSH transport to a loopback host (the test fleet) when it can start,
//                and through the local transport. The host's / is an overlay (tests tamper in
//                it), which costs the floor ~12 % and a scan ~18 %; a real server, and AIDE here,
//                read the file system directly. So the corpus outside /etc is bind-mounted
//                read-only into the host (/usr whole when it all lies there); /etc, small, stays
//                on the overlay, where the host keeps its sshd config and accounts
//   quick        a quick rescan of the same server right after (nothing changed)
//   aide         aide --init with the same attributes (p+i+n+u+g+s+m+c+l+sha256, and acl, xattrs,
//                selinux, e2fsattrs, caps), as many workers as cores
//   cli          CLI start-up: `driftwatch --help` and `server list` against `node -e 0` (bench/cli-startup.ts)
//   ingest       the console alone: a synthetic stream of 1,000,000 entries through the real
//                parser, entry assembly and comparison (bench/ingest.ts, its own process)
//   fuzz         the stream parser's fuzz test, longer than in CI (bench/fuzz.ts)
//
// Options: --runs N (default 3; the median is shown), --corpus DIR,DIR..., --entries N (ingest),
// --no-ssh, --no-aide, --no-ingest, --no-cli, --no-fleet (bench/fleet.ts), --fuzz-cases N, --fuzz-seed S, --no-fuzz.
// Timings are printed, never asserted.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openEngine } from '../src/main/engine/engine.js';
import { DEFAULT_CORPUS, corpusStats, median, type Row } from './util.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? undefined : args[i + 1];
};
const flag = (name: string) => args.includes(`--${name}`);
const RUNS = Number(opt('runs') ?? 3);
const CORPUS = (opt('corpus') ?? DEFAULT_CORPUS.join(',')).split(',').filter((d) => fs.existsSync(d));
const CORES = os.cpus().length;
const ENTRIES = Number(opt('entries') ?? 1_000_000);

// What the loopback host reads through read-only binds instead of its overlay: /usr whole when
// it holds every corpus dir outside /etc, else each of those dirs (canonical, as the fleet wants).
const within = (d: string, dir: string) => d === dir || d.startsWith(`${dir}/`);
const outsideEtc = [...new Set(CORPUS.map((d) => fs.realpathSync(d)))].filter((d) => !within(d, '/etc'));
const BINDS = outsideEtc.length > 0 && outsideEtc.every((d) => d.startsWith('/usr/')) ? ['/usr'] : outsideEtc;
const onOverlay = CORPUS.filter((d) => !BINDS.some((b) => within(fs.realpathSync(d), b)));
const HOST_VIEW = [BINDS.length ? `${BINDS.join(', ')} bound read-only` : '', onOverlay.length ? `${onOverlay.join(', ')} on its overlay` : ''].filter(Boolean).join(', ');

const rows: Row[] = [];
const log = (s: string) => process.stderr.write(`${s}\n`);

function timeShell(cmd: string): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('sh', ['-c', cmd], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd}: exit ${r.status}: ${r.stderr.toString().slice(0, 500)}`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function driftwatch(kind: 'local' | 'ssh', fleetHost?: { address: string; key: string }): Promise<{ full: number[]; quick: number[]; entries: number }> {
  const full: number[] = [];
  const quick: number[] = [];
  let entries = 0;
  for (let run = 0; run < RUNS; run++) {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-bench-'));
    const engine = openEngine({ home });
    try {
      const h = engine.handlers;
      await h['policies/add']({ name: 'bench' });
      for (const dir of CORPUS) await h['policies/addTarget']({ policy: 'bench', target: { path: dir, depth: null } });
      await h['groups/add']({ name: 'g', policies: ['bench'] });
      if (kind === 'local') await h['servers/add']({ name: 'srv', local: true, group: 'g' });
      else {
        await h['servers/add']({ name: 'srv', host: fleetHost!.address, user: 'root', auth: { kind: 'key', keyFile: fleetHost!.key }, group: 'g' });
        // The bench's own fleet host: its presented key is the one to pin (the API needs it named).
        const { fingerprint } = await h['servers/probeHostKey']({ name: 'srv' });
        await h['servers/trust']({ name: 'srv', fingerprint });
      }
      let t0 = process.hrtime.bigint();
      const b = await h['baselines/create']({ policy: 'bench', servers: ['srv'] });
      full.push(Number(process.hrtime.bigint() - t0) / 1e9);
      if (b.failures.length) throw new Error(`baseline failed: ${b.failures[0]!.reason}`);
      entries = b.reports[0]!.baseline.entries;
      t0 = process.hrtime.bigint();
      const q = await h['scans/run']({ servers: ['srv'], mode: 'quick' });
      quick.push(Number(process.hrtime.bigint() - t0) / 1e9);
      const s = q.servers[0]!;
      if (s.status !== 'completed_clean' || s.mode !== 'quick') throw new Error(`quick rescan: ${s.status} ${s.mode ?? ''} ${s.reason ?? ''}`);
    } finally {
      engine.close();
      fs.rmSync(home, { recursive: true, force: true });
    }
    log(`  ${kind} run ${run + 1}: full ${full.at(-1)!.toFixed(2)} s, quick ${quick.at(-1)!.toFixed(2)} s`);
  }
  return { full, quick, entries };
}

function aide(): number[] {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-aide-'));
    const conf = path.join(dir, 'aide.conf');
    fs.writeFileSync(
      conf,
      [
        `database_out=file:${dir}/aide.db.new`,
        'gzip_dbout=no',
        `num_workers=${CORES}`,
        'report_url=stdout',
        // The attributes Driftwatch records: permissions, inode, links, owner, group, size,
        // mtime, ctime, link target, sha256, and acl, xattrs, selinux, ext flags, capabilities.
        'DW = p+i+n+u+g+s+m+c+l+sha256+acl+xattrs+selinux+e2fsattrs+caps',
        ...CORPUS.map((d) => `${d} DW`),
        '',
      ].join('\n'),
    );
    try {
      const t0 = process.hrtime.bigint();
      const r = spawnSync('aide', ['--init', `--config=${conf}`], { stdio: ['ignore', 'ignore', 'pipe'] });
      times.push(Number(process.hrtime.bigint() - t0) / 1e9);
      // aide --init exits 0 (and 14 for "new database written" with some versions).
      if (r.status !== 0 && r.status !== 14) throw new Error(`aide exited ${r.status}: ${r.stderr.toString().slice(0, 500)}`);
      if (!fs.existsSync(`${dir}/aide.db.new`)) throw new Error('aide wrote no database');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    log(`  aide run ${run + 1}: ${times.at(-1)!.toFixed(2)} s`);
  }
  return times;
}

async function main(): Promise<void> {
  const stats = corpusStats(CORPUS);
  log(`corpus: ${CORPUS.join(' ')}: ${stats.files} files, ${stats.entries} entries, ${(stats.bytes / 1e9).toFixed(2)} GB; ${CORES} cores; ${RUNS} runs each (median)`);
  log('warming the page cache ...');
  timeShell(`find ${CORPUS.join(' ')} -type f -print0 | xargs -0 cat > /dev/null`);

  const floorCmd = `find ${CORPUS.join(' ')} -type f -print0 | xargs -0 -P ${CORES} openssl dgst -sha256 > /dev/null`;
  const floor: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    floor.push(timeShell(floorCmd));
    log(`  floor run ${run + 1}: ${floor.at(-1)!.toFixed(2)} s`);
  }
  rows.push({ what: `floor: find | xargs -0 -P ${CORES} openssl dgst -sha256`, seconds: median(floor), floor: 'machine' });

  type BenchFleet = { stop(): Promise<void>; hosts: { address: string; exec(cmd: string, o?: { timeoutMs?: number }): Promise<{ code: number | null; stderr: Buffer | string }> }[]; clientKey: { privateKey: string } };
  let fleet: BenchFleet | null = null;
  if (!flag('no-ssh')) {
    try {
      const { startFleet } = (await import('../test/fleet/fleet.js')) as unknown as { startFleet(o: { hosts: { readOnlyBinds: string[] }[] }): Promise<BenchFleet> };
      fleet = await startFleet({ hosts: [{ readOnlyBinds: BINDS }] });
    } catch (err) {
      log(`(no SSH loopback host: ${(err as Error).message.split('\n')[0]}; the local transport only)`);
    }
  }
  try {
    if (fleet) {
      // The SSH scan is compared with the floor measured inside the host, on the very file system
      // view it reads (HOST_VIEW).
      const host = fleet.hosts[0]!;
      await host.exec(`find ${CORPUS.join(' ')} -type f -print0 | xargs -0 cat > /dev/null`, { timeoutMs: 300_000 });
      const inHost: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const t0 = process.hrtime.bigint();
        const r = await host.exec(floorCmd, { timeoutMs: 300_000 });
        if (r.code !== 0) throw new Error(`floor in the loopback host: exit ${r.code}: ${String(r.stderr).slice(0, 300)}`);
        inHost.push(Number(process.hrtime.bigint() - t0) / 1e9);
        log(`  floor in the loopback host run ${run + 1}: ${inHost.at(-1)!.toFixed(2)} s`);
      }
      rows.push({ what: `floor, inside the loopback host (${HOST_VIEW})`, seconds: median(inHost), floor: 'host' });
      const ssh = await driftwatch('ssh', { address: host.address, key: fleet.clientKey.privateKey });
      rows.push({ what: `Driftwatch full baseline, SSH to a loopback host (${ssh.entries} entries)`, seconds: median(ssh.full), full: true, against: 'host' });
      rows.push({ what: 'Driftwatch quick rescan, SSH', seconds: median(ssh.quick), quick: true, against: 'host' });
    }
    const local = await driftwatch('local');
    rows.push({ what: `Driftwatch full baseline, local transport (${local.entries} entries)`, seconds: median(local.full), full: !fleet });
    rows.push({ what: 'Driftwatch quick rescan, local', seconds: median(local.quick), quick: !fleet });
  } finally {
    await fleet?.stop();
  }

  if (!flag('no-aide')) {
    try {
      execFileSync('aide', ['--version'], { stdio: 'ignore' });
      rows.push({ what: `aide --init, same attributes, num_workers=${CORES}`, seconds: median(aide()), aide: true });
    } catch (err) {
      log(`(aide not run: ${(err as Error).message.split('\n')[0]})`);
    }
  }

  type IngestResult = { entries: number; seconds: number; rate: number; maxRssMB: number };
  let ingest: IngestResult | null = null;
  let ingestQuick: IngestResult | null = null;
  if (!flag('no-ingest')) {
    log(`ingesting a synthetic stream of ${ENTRIES} entries ...`);
    // The baseline is stored by one process; another measures, so that its peak RSS is its own.
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-ingest-'));
    try {
      const step = (name: string) => spawnSync(process.execPath, ['--import', 'tsx', path.join(here, 'ingest.ts'), String(ENTRIES), name, home], { encoding: 'utf8', maxBuffer: 1 << 20 });
      const setup = step('setup');
      const r = setup.status === 0 ? step('measure') : setup;
      if (r.status !== 0) log(`(ingest failed: ${r.stderr.slice(-2000)})`);
      else ingest = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
      const q = r.status === 0 ? step('quick') : r;
      if (q.status === 0) ingestQuick = JSON.parse(q.stdout.trim().split('\n').at(-1)!);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  }

  // The table.
  // Each row is compared with the floor of the file system view it read.
  const floorOf = (r: Row) => rows.find((x) => x.floor === (r.against ?? 'machine'))!.seconds;
  const full = rows.find((r) => r.full)!;
  const quick = rows.find((r) => r.quick)!;
  const aideRow = rows.find((r) => r.aide);
  const width = Math.max(...rows.map((r) => r.what.length));
  const out: string[] = [];
  out.push(`Driftwatch bench, ${new Date().toISOString().slice(0, 10)}: ${stats.files} files / ${stats.entries} entries / ${(stats.bytes / 1e9).toFixed(2)} GB, ${CORES} cores, warm cache, median of ${RUNS}`);
  out.push(`${'what'.padEnd(width)}  seconds  vs floor`);
  for (const r of rows) out.push(`${r.what.padEnd(width)}  ${r.seconds.toFixed(2).padStart(7)}  ${(r.seconds / floorOf(r)).toFixed(2).padStart(7)}×`);
  if (ingest) out.push(`console ingest + diff of ${ingest.entries} synthetic entries: ${ingest.seconds.toFixed(2)} s, ${ingest.rate} entries/s, peak RSS ${ingest.maxRssMB} MB`);
  if (ingestQuick) out.push(`console quick rescan of the same, nothing changed: ${ingestQuick.seconds.toFixed(2)} s, ${ingestQuick.rate} entries/s, peak RSS ${ingestQuick.maxRssMB} MB`);
  out.push('');
  out.push('goals:');
  const f = floorOf(full);
  out.push(`  full baseline <= 1.3x floor:      ${(full.seconds / f).toFixed(2)}x  ${full.seconds / f <= 1.3 ? 'met' : 'NOT met'}`);
  if (aideRow) out.push(`  >= 5x faster than AIDE:           ${(aideRow.seconds / full.seconds).toFixed(2)}x  ${aideRow.seconds / full.seconds >= 5 ? 'met' : 'NOT met'}`);
  out.push(`  quick rescan >= 5x faster than full: ${(full.seconds / quick.seconds).toFixed(2)}x  ${full.seconds / quick.seconds >= 5 ? 'met' : 'NOT met'}`);
  if (ingest) {
    out.push(`  ingest >= 200,000 entries/s:      ${ingest.rate}  ${ingest.rate >= 200_000 ? 'met' : 'NOT met'}`);
    out.push(`  ingest peak RSS < 300 MB:         ${ingest.maxRssMB} MB  ${ingest.maxRssMB < 300 ? 'met' : 'NOT met'}`);
  }
  process.stdout.write(out.join('\n') + '\n');

  // CLI start-up against `node -e 0`: bench/cli-startup.ts.
  if (!flag('no-cli')) {
    const { cliStartup, startupReport } = await import('./cli-startup.js');
    process.stdout.write(`\n${startupReport(await cliStartup())}\n`);
  }

  // Many hosts at once: bench/fleet.ts (1, 10 and 30 loopback sshd hosts against the hashing floor).
  if (!flag('no-ssh') && !flag('no-fleet')) {
    try {
      const { benchFleet, fleetTable } = await import('./fleet.js');
      process.stdout.write(`\n${fleetTable(await benchFleet({ log }))}\n`);
    } catch (err) {
      log(`(fleet bench not run: ${(err as Error).message.split('\n')[0]})`);
    }
  }

  if (!flag('no-fuzz')) {
    const { benchFuzz } = await import('./fuzz.js');
    process.stdout.write(`\n${benchFuzz(Number(opt('fuzz-cases') ?? 500_000), Number(opt('fuzz-seed') ?? Date.now() % 2 ** 31))}\n`);
  }
}

await main();
