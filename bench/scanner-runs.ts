// The scanner's own runs on this machine, without the console: `sh -s` fed the joined script as a
// host is, its output thrown away. What every scan pays before it walks (the pre-flight) and what
// a quick rescan pays for each thing that changed (a `list` run: here 12 files of /etc hashed, and
// their attributes and those of 4 directories read). Timings are printed, never asserted.
//
//   npx tsx bench/scanner-runs.ts [--runs N]      (default 31; the median and the quartiles)
//
// To compare two versions, run it in a worktree of each, taking turns (docs/performance.md).
import { spawnSync } from 'node:child_process';
import { argsPrelude } from '../src/main/scan/run-scanner.js';
import { PROTOCOL_VERSION } from '../src/main/scanner/protocol.js';
import { scannerScript } from '../src/main/scanner/script.js';
import { median } from './util.js';

const args = process.argv.slice(2);
const at = args.indexOf('--runs');
const RUNS = at === -1 ? 31 : Number(args[at + 1]);

const FILES = ['group', 'hosts', 'passwd', 'shadow', 'gshadow', 'hostname', 'resolv.conf', 'subuid', 'subgid', 'sudoers', 'fstab', 'issue'].map((f) => `/etc/${f}`);
const ATTRS = [...FILES, '/etc', '/etc/sudoers.d', '/etc/ssh', '/etc/default'];
const CASES: Record<string, string[]> = {
  'pre-flight': [PROTOCOL_VERSION, 'preflight'],
  // list JOBS NICE NHASH PATH... NCONTENT NATTR PATH... NFLAGS PATH... NDEV
  [`list run (${FILES.length} files hashed, ${ATTRS.length} paths' attributes)`]: [PROTOCOL_VERSION, 'list', '0', '1', String(FILES.length), ...FILES, '0', String(ATTRS.length), ...ATTRS, String(ATTRS.length), ...ATTRS, '0'],
};

const script = scannerScript();
const times: Record<string, number[]> = {};
for (let run = 0; run < RUNS; run++) {
  for (const [what, words] of Object.entries(CASES)) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync('sh', ['-s'], { input: argsPrelude(words) + script, stdio: ['pipe', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`${what}: exit ${r.status}: ${r.stderr.toString().slice(0, 500)}`);
    (times[what] ??= []).push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
}
const quartile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))]!;
for (const [what, xs] of Object.entries(times)) {
  console.log(`${what.padEnd(48)} ${median(xs).toFixed(1).padStart(6)} ms  (quartiles ${quartile(xs, 0.25).toFixed(1)}-${quartile(xs, 0.75).toFixed(1)}, ${RUNS} runs)`);
}
