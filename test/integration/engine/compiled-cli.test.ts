// The binary runs the CLI compiled to dist/main/cli, and never a compilation older than the sources: on a
// copy of the project (its own dist/), it compiles on first run, recompiles after a source edit, and the compiled
// modules find the files they read relative to themselves (policy templates, scanner script) as the sources do.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, removeTemps, tempDir } from './helpers.js';

afterAll(removeTemps);

const COPIED = ['bin', 'scripts', 'src/main', 'src/shared', 'package.json', 'remote-scripts', 'policy-templates'];

function projectCopy(): string {
  const root = path.join(tempDir(), 'driftwatch');
  for (const p of COPIED) fs.cpSync(path.join(REPO, p), path.join(root, p), { recursive: true });
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'));
  return root;
}

describe('the compiled CLI', () => {
  it("this checkout's dist/main/cli was compiled from its current sources (the tests' global set-up)", async () => {
    const { engineIsStale } = (await import(pathToFileURL(path.join(REPO, 'scripts', 'build-engine.js')).href)) as { engineIsStale(): boolean };
    expect(engineIsStale()).toBe(false);
  });

  it('compiles on first run, recompiles after a source edit, and finds its files relative to itself', () => {
    const root = projectCopy();
    const home = path.join(root, 'home');
    const run = (...args: string[]) => spawnSync(process.execPath, [path.join(root, 'bin', 'driftwatch.js'), '--home', home, ...args], { encoding: 'utf8' });
    const main = path.join(root, 'dist', 'main', 'cli', 'main.js');
    expect(fs.existsSync(main)).toBe(false);

    const first = run('help', 'server', 'list');
    expect(first.status).toBe(0);
    expect(first.stderr).toBe(''); // compiled, not the TypeScript fallback (which says so)
    expect(first.stdout).toContain('List the servers with their group, last scan and open events.');
    expect(fs.existsSync(main)).toBe(true);

    // An edit to a source: the next run compiles again and runs the edit.
    const help = path.join(root, 'src', 'main', 'cli', 'help.ts');
    fs.writeFileSync(help, fs.readFileSync(help, 'utf8').replace('List the servers with their group, last scan and open events.', 'Edited: the servers.'));
    const edited = run('help', 'server', 'list');
    expect(edited.status).toBe(0);
    expect(edited.stderr).toBe('');
    expect(edited.stdout).toContain('Edited: the servers.');
    const compiled = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.js')).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n');
    expect(compiled(path.dirname(main))).toContain('Edited: the servers.');

    // A new source file makes it stale too (the signature lists every file).
    fs.writeFileSync(path.join(root, 'src', 'shared', 'added.ts'), 'export const ADDED = 1;\n');
    const stamp = path.join(root, 'dist', 'main', 'cli', 'built-from.txt');
    expect(run('--version').status).toBe(0);
    expect(fs.readFileSync(stamp, 'utf8')).toContain(path.join('src', 'shared', 'added.ts'));

    // The compiled modules find the policy templates three folders up, as the sources do.
    const templates = run('policy', 'templates', '--json');
    expect(templates.status).toBe(0);
    expect((JSON.parse(templates.stdout) as { id: string }[]).map((t) => t.id)).toContain('apache');
  });
});
