// Lints the scanner (remote-scripts/): shellcheck on the script as it is sent (scan.sh with its
// libraries joined in, so that each library is read with the variables and functions the others
// define) and on each sh program (programs/*.sh, run alone by sh -c), and `perl -c` on each Perl
// program. A finding in the joined script is told at its line in its own file. Exits 1 on any.
// remote-scripts/.shellcheckrc is for a part linted alone; here every check runs (--norc).
// Run by `npm run lint` (lint:scanner); needs shellcheck (scripts/test-setup.sh installs it).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { joinScanner } from '../src/main/scanner/script.js';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../remote-scripts');
const SHELLCHECK = ['--norc', '--shell=sh', '--severity=style', '--format=gcc'];
const shown = (file: string) => path.join('remote-scripts', file);
const partsIn = (sub: string, ext: string) =>
  fs
    .readdirSync(path.join(DIR, sub))
    .filter((f) => f.endsWith(ext))
    .sort()
    .map((f) => `${sub}/${f}`);

const findings: string[] = [];

function shellcheck(args: string[], input?: string): string[] {
  const r = spawnSync('shellcheck', [...SHELLCHECK, ...args], { cwd: DIR, encoding: 'utf8', ...(input === undefined ? {} : { input }) });
  if (r.error) throw new Error(`shellcheck could not run (${r.error.message}): scripts/test-setup.sh installs it`);
  if (r.status !== 0 && !r.stdout) throw new Error(`shellcheck failed: ${r.stderr.trim()}`);
  return r.stdout.split('\n').filter(Boolean);
}

// The joined script, its findings told where their lines come from.
const joined = joinScanner(DIR);
for (const line of shellcheck(['-'], joined.text)) {
  const m = /^-:(\d+):(\d+): (.*)$/.exec(line);
  const origin = m && joined.origins[Number(m[1]) - 1];
  findings.push(origin ? `${shown(origin.file)}:${origin.line}:${m[2]}: ${m[3]}` : line);
}
// Each sh program alone, as sh -c runs it.
const programs = partsIn('programs', '.sh');
if (programs.length) for (const line of shellcheck(programs)) findings.push(`remote-scripts/${line}`);
// Each Perl program compiles, without a warning.
for (const file of partsIn('perl', '.pl')) {
  const r = spawnSync('perl', ['-c', '-w', file], { cwd: DIR, encoding: 'utf8' });
  const said = r.stderr.trim();
  if (r.status !== 0 || said !== `${file} syntax OK`) findings.push(`${shown(file)}: perl -c -w: ${said}`);
}

for (const f of findings) console.log(f);
if (findings.length) {
  console.error(`lint:scanner: ${findings.length} finding(s)`);
  process.exit(1);
}
