// Live progress of `scan` and `baseline` on a real terminal: the CLI runs under a pseudo-terminal
// (util-linux `script`) with standard output redirected to a file, so what reaches the terminal is
// standard error alone. Progress lines appear there, updated in place; never on standard output,
// never with --json, never when standard error is not a terminal. Colour follows the same rules.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shellQuote as quote } from '../../../src/main/transport/shell-quote.js';
import { cli, REPO, removeTemps, standardSetup, tempDir } from './helpers.js';

afterAll(removeTemps);

const BIN = path.join(REPO, 'bin/driftwatch.js');
const env = (extra: Record<string, string> = {}) => {
  const e: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm', ...extra };
  delete e.NO_COLOR;
  delete e.FORCE_COLOR;
  return { ...e, ...extra };
};

/** Runs the CLI with standard error (and standard output, unless `stdoutFile`) on a pseudo-terminal. */
function onTerminal(args: string[], options: { stdoutFile?: string; env?: Record<string, string> } = {}): { terminal: string; stdout: string; code: number | null } {
  const command = [process.execPath, BIN, ...args].map(quote).join(' ') + (options.stdoutFile ? ` >${quote(options.stdoutFile)}` : '');
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', input: '', env: env(options.env) });
  return { terminal: r.stdout, stdout: options.stdoutFile ? fs.readFileSync(options.stdoutFile, 'utf8') : '', code: r.status };
}

const PROGRESS = /entr(y|ies) (read|recorded)/;

let home: string;
let root: string;
let dir: string;
beforeAll(async () => {
  home = tempDir();
  root = tempDir();
  dir = tempDir();
  for (let i = 0; i < 50; i++) fs.writeFileSync(path.join(root, `f${i}`), `file ${i}\n`.repeat(100));
  await standardSetup(home, root, 'dash', { baseline: false, targetArgs: ['--recursive', '--critical'] });
});

describe('progress on a terminal', () => {
  it('baseline and scan draw per-server progress on standard error, in place, and nothing of it on standard output', () => {
    const outFile = path.join(dir, 'baseline.out');
    const b = onTerminal(['--home', home, 'baseline', 'p', '--server', 'gold'], { stdoutFile: outFile });
    expect(b.code).toBe(0);
    // Entries, files and bytes hashed, elapsed time, per server; redrawn in place (cursor up, line cleared).
    expect(b.terminal).toMatch(/ gold {2}completed_clean {2}51 entries recorded, 50 files hashed \(\d+\.\d KiB\) {2}\d+\.\d s/);
    expect(b.terminal).toMatch(/ gold {2}running {2}\d+ entr(y|ies) read, \d+ files? hashed \(\d+(\.\d)? (B|KiB)\) {2}\d+\.\d s/);
    expect(b.terminal).toContain('\x1b[1A');
    expect(b.terminal).toContain('\x1b[2K');
    expect(b.stdout).toMatch(/^Baseline #\d+ of policy p from gold: 51 entries/);
    expect(b.stdout).not.toMatch(PROGRESS);
    expect(b.stdout).not.toContain('\x1b');

    fs.writeFileSync(path.join(root, 'f0'), 'changed\n');
    const s = onTerminal(['--home', home, 'scan', '--full'], { stdoutFile: path.join(dir, 'scan.out') });
    expect(s.code).toBe(1);
    expect(s.terminal).toMatch(/ gold {2}running/);
    expect(s.terminal).toMatch(/ gold {2}completed_with_findings {2}51 entries recorded, 50 files hashed \(\d+\.\d KiB\) {2}\d+\.\d s/);
    expect(s.stdout).toMatch(/^SERVER +STATUS/);
    expect(s.stdout).not.toMatch(PROGRESS);
  });

  it('draws nothing with --json, or when standard error is not a terminal', () => {
    const j = onTerminal(['--home', home, 'scan', '--json'], { stdoutFile: path.join(dir, 'scan.json') });
    expect(j.terminal).not.toMatch(PROGRESS);
    expect(j.terminal).not.toContain('\x1b[');
    expect(JSON.parse(j.stdout)).toHaveProperty('servers');
    const bj = onTerminal(['--home', home, 'baseline', 'p', '--server', 'gold', '--json'], { stdoutFile: path.join(dir, 'baseline.json') });
    expect(bj.terminal).not.toMatch(PROGRESS);
    expect(JSON.parse(bj.stdout)).toHaveProperty('reports');

    for (const args of [['scan'], ['baseline', 'p', '--server', 'gold']]) {
      const piped = spawnSync(process.execPath, [BIN, '--home', home, ...args], { encoding: 'utf8', env: env() });
      expect(piped.stderr).not.toMatch(PROGRESS);
      expect(piped.stderr).not.toContain('\x1b[');
      expect(piped.stdout).not.toMatch(PROGRESS);
    }
  });
});

describe('colour', () => {
  it('colours critical and open events on a terminal, not with NO_COLOR, not in a pipe', async () => {
    fs.writeFileSync(path.join(root, 'f1'), 'changed\n');
    await cli(home, 'scan');
    const tty = onTerminal(['--home', home, 'events']);
    expect(tty.terminal).toContain('\x1b[1;31mcritical\x1b[0m');
    expect(tty.terminal).toContain('\x1b[33mopen\x1b[0m');
    const noColor = onTerminal(['--home', home, 'events'], { env: { NO_COLOR: '' } });
    expect(noColor.terminal).toMatch(/critical +open/);
    expect(noColor.terminal).not.toContain('\x1b[');
    const piped = spawnSync(process.execPath, [BIN, '--home', home, 'events'], { encoding: 'utf8', env: env() });
    expect(piped.stdout).toMatch(/critical +open/);
    expect(piped.stdout).not.toContain('\x1b[');
    const forced = spawnSync(process.execPath, [BIN, '--home', home, 'events'], { encoding: 'utf8', env: env({ FORCE_COLOR: '1' }) });
    expect(forced.stdout).toContain('\x1b[1;31mcritical\x1b[0m');
  });
});
