// CLI start-up: `driftwatch --help` and `driftwatch server list` on an empty store, side by side with
// `node -e 0` (the floor: a Node process that does nothing), alternating, as users run it (bin/driftwatch.js,
// which runs the compiled engine in dist/). Goal: each ≤ 2× the floor. Timings are printed, never asserted.
//
//   npx tsx bench/cli-startup.ts [--runs N]      (also part of `npm run bench`)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median } from './util.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'driftwatch.js');

export interface StartupRow {
  what: string;
  seconds: number;
  ratio: number;
}

function timed(args: string[], env: NodeJS.ProcessEnv): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')}: exit ${r.status}: ${r.stderr.toString().slice(0, 500)}`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

export async function cliStartup(runs = 21): Promise<StartupRow[]> {
  const { buildEngine, engineIsStale } = (await import(pathToFileURL(path.join(ROOT, 'scripts', 'build-engine.js')).href)) as {
    buildEngine(): Promise<number>;
    engineIsStale(): boolean;
  };
  if (engineIsStale()) await buildEngine();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-cli-startup-'));
  const env = { ...process.env, DRIFTWATCH_HOME: home };
  try {
    const cases: [string, string[]][] = [
      ['node -e 0', ['-e', '0']],
      ['driftwatch --help', [BIN, '--help']],
      ['driftwatch server list (empty store)', [BIN, 'server', 'list']],
    ];
    timed(cases[2]![1], env); // creates the store, so every timed run opens an existing one
    const times = cases.map(() => [] as number[]);
    // Alternating, so a slow stretch of the machine weighs on every case alike.
    for (let i = 0; i < runs; i++) cases.forEach(([, args], c) => times[c]!.push(timed(args, env)));
    const floor = median(times[0]!);
    return cases.map(([what], c) => ({ what, seconds: median(times[c]!), ratio: median(times[c]!) / floor }));
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

export function startupReport(rows: StartupRow[]): string {
  const worst = Math.max(...rows.map((r) => r.ratio));
  return [
    'CLI start-up, median of alternating runs:',
    ...rows.map((r) => `${r.what.padEnd(40)} ${(r.seconds * 1000).toFixed(1).padStart(7)} ms  ${r.ratio.toFixed(2)}× node -e 0`),
    `  goal: each <= 2x node -e 0: ${worst.toFixed(2)}x  ${worst <= 2 ? 'met' : 'NOT met'}`,
  ].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--runs');
  const rows = await cliStartup(i === -1 ? undefined : Number(process.argv[i + 1]));
  console.log(startupReport(rows));
}
