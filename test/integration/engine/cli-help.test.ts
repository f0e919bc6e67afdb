// Help and version, as users ask for them: `driftwatch --version` / `-V`, `COMMAND... --help` and
// `help COMMAND...` for every command and group of commands (the same text, exit 0), and `npm start -- --help`.
// The binary (bin/driftwatch.js, the compiled CLI) answers the ones a person types first; the in-process CLI
// (the sources) answers for every command. Neither needs a store: help never opens one.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, REPO, removeTemps, tempDir } from './helpers.js';

afterAll(removeTemps);

const VERSION = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

function binary(home: string, ...args: string[]) {
  return spawnSync(process.execPath, [path.join(REPO, 'bin', 'driftwatch.js'), '--home', home, ...args], { encoding: 'utf8' });
}

/** The commands the main help lists: the words of each usage line before its first argument. */
async function listedCommands(home: string): Promise<string[]> {
  const help = await cli(home, '--help');
  expect(help.code).toBe(0);
  return help.out
    .split('\n')
    .filter((l) => /^ {2}[a-z]/.test(l))
    .map((l) => {
      const words = l.trim().split(' ');
      const end = words.findIndex((w) => !/^[a-z][a-z-]*$/.test(w));
      return words.slice(0, end === -1 ? undefined : end).join(' ');
    });
}

describe('version', () => {
  it.each([['--version'], ['-V']])('driftwatch %s prints the version of package.json and exits 0, without a store', (flag) => {
    const home = path.join(tempDir(), 'never-created');
    const r = binary(home, flag);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`driftwatch ${VERSION}\n`);
    expect(r.stderr).toBe('');
    expect(fs.existsSync(home)).toBe(false);
  });
});

describe('help for every command and group', () => {
  it('the binary: `server --help` and `help server` list every server command with its usage, exit 0', async () => {
    const home = path.join(tempDir(), 'never-created');
    const serverCommands = (await listedCommands(home)).filter((c) => c.startsWith('server '));
    expect(serverCommands.length).toBeGreaterThanOrEqual(9);
    const flag = binary(home, 'server', '--help');
    const word = binary(home, 'help', 'server');
    for (const r of [flag, word]) {
      expect(r.status).toBe(0);
      expect(r.stderr).toBe('');
      for (const c of serverCommands) expect(r.stdout).toContain(`usage: driftwatch ${c}`);
      expect(r.stdout).not.toContain('usage: driftwatch group ');
    }
    expect(word.stdout).toBe(flag.stdout);
    expect(fs.existsSync(home)).toBe(false);
  });

  it('every command: `COMMAND --help`, `COMMAND -h` and `help COMMAND` print its usage and what it does, exit 0', async () => {
    const home = path.join(tempDir(), 'never-created');
    const commands = await listedCommands(home);
    expect(commands).toEqual(expect.arrayContaining(['server add', 'policy target add', 'scan', 'event show', 'alert flush', 'run-schedules', 'serve']));
    for (const command of commands) {
      const words = command.split(' ');
      const flag = await cli(home, ...words, '--help');
      const short = await cli(home, ...words, '-h');
      const word = await cli(home, 'help', ...words);
      for (const r of [flag, short, word]) {
        expect(r.code, command).toBe(0);
        expect(r.err, command).toBe('');
      }
      expect(short.out).toBe(flag.out);
      expect(word.out).toBe(flag.out);
      const [usage, blank, summary] = flag.out.split('\n');
      expect(usage, command).toMatch(new RegExp(`^usage: driftwatch ${command}( |$)`));
      expect(blank, command).toBe('');
      expect(summary ?? '', `${command} has a summary`).toMatch(/^[A-Z].{10,}\.$/);
    }
    expect(fs.existsSync(home)).toBe(false);
  });

  it('every group of commands: `GROUP --help` and `help GROUP` list its commands, exit 0', async () => {
    const home = path.join(tempDir(), 'never-created');
    const commands = await listedCommands(home);
    const groups = [...new Set(commands.filter((c) => c.includes(' ')).flatMap((c) => [c.split(' ')[0]!, c.split(' ').slice(0, -1).join(' ')]))];
    expect(groups).toEqual(expect.arrayContaining(['server', 'group', 'policy', 'policy target', 'event', 'schedule', 'smtp', 'alert-profile', 'alert']));
    for (const group of groups) {
      const flag = await cli(home, ...group.split(' '), '--help');
      const word = await cli(home, 'help', ...group.split(' '));
      expect(flag.code, group).toBe(0);
      expect(word.out).toBe(flag.out);
      for (const c of commands.filter((x) => x.startsWith(`${group} `))) expect(flag.out, group).toContain(`usage: driftwatch ${c}`);
    }
  });

  it('help of a command given with its arguments (`server add web1 --help`) is the help of the command', async () => {
    const home = path.join(tempDir(), 'never-created');
    const r = await cli(home, 'server', 'add', 'web1', '--local', '--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^usage: driftwatch server add NAME/);
    expect(fs.existsSync(home)).toBe(false);
  });

  it('`help`, `--help` and `-h` print the list with exit 0; `help` of no such command is an error, exit 2', async () => {
    const home = tempDir();
    const list = await cli(home, 'help');
    expect(list.code).toBe(0);
    expect(list.out).toContain('usage: driftwatch [--home DIR] COMMAND');
    expect(list.out).toContain('driftwatch --version');
    expect((await cli(home, '-h')).out).toBe(list.out);
    const none = await cli(home, 'help', 'frobnicate');
    expect(none.code).toBe(2);
    expect(none.out).toBe('');
    expect(none.err).toContain("unknown command 'frobnicate'");
  });
});

describe('npm start -- --help', () => {
  it('node bin/start.js --help prints its options and exits 0 without building anything', () => {
    const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'start.js'), '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^usage: npm start/);
    for (const option of ['--serve', '--no-open', '--home DIR', '--port N', '--no-schedules']) expect(r.stdout).toContain(option);
    expect(r.stdout).not.toContain('Building');
  });

  it('an unknown option is refused with the usage, exit non-zero', () => {
    const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'start.js'), '--frobnicate'], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('unknown option --frobnicate');
    expect(r.stderr).toContain('usage: npm start');
  });
});
