// The arguments of a quick scan's `list` run travel inside the script (`set -- ...`): every
// byte of a name must arrive exactly, under dash, bash and BusyBox sh.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { argsPrelude } from '../../../src/main/scan/run-scanner.js';

const NAMES = [
  '/plain',
  "/it's",
  '/with space',
  '/new\nline',
  '/trailing newline\n\n',
  '/back\\slash',
  '/dollar$(touch PWNED)`x`',
  '/percent%s%d',
  '/bytes\x01\x7f\x80\xff',
  '/caf\xc3\xa9',
  '/x'.repeat(2000),
  '',
  '-n',
];

const shells = [['dash'], ['bash'], ['busybox', 'sh']].filter(([cmd, ...rest]) => spawnSync(cmd!, [...rest, '-c', 'true']).status === 0);

describe.each(shells.map((s) => [s.join(' '), s] as const))('argsPrelude under %s', (_name, shell) => {
  it('rebuilds every argument exactly', () => {
    const script = argsPrelude(NAMES) + 'for a; do printf "%s\\0" "$a"; done\n';
    expect(/^[\x00-\x7f]*$/.test(script)).toBe(true); // the script text itself is ASCII
    const r = spawnSync(shell[0]!, [...shell.slice(1), '-s'], { input: script, cwd: '/tmp' });
    expect(r.stderr.toString()).toBe('');
    const out = r.stdout.toString('latin1').split('\0').slice(0, -1);
    expect(out).toEqual(NAMES);
  });
});
