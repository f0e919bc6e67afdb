// The scanner script as sent (scan.sh with its parts joined in: scanner/script.ts) parses under
// each shell it runs on, and each Perl program it holds in a single-quoted string compiles: a
// stray quote in one of them breaks every scan on every host.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { scannerScript } from '../../../src/main/scanner/script.js';

const text = scannerScript();

describe('remote-scripts/scan.sh', () => {
  it.each([['dash'], ['bash'], ['busybox sh']])('parses under %s', (shell) => {
    const [cmd, ...args] = shell.split(' ');
    const r = spawnSync(cmd!, [...args, '-n'], { input: text, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  // NAME='...' from the start of a line to a line that is only a quote: the Perl programs it holds.
  const programs = ['attrhelper', 'hashrun'].map((name) => [name, new RegExp(`^${name}='\\n([\\s\\S]*?)\\n'$`, 'm').exec(text)?.[1] ?? ''] as const);

  it('holds its Perl programs (attrhelper, hashrun) in single quotes, none with a quote inside', () => {
    for (const [name, program] of programs) {
      expect(program.length, name).toBeGreaterThan(100);
      expect(program.includes("'"), name).toBe(false);
    }
  });

  it.each(programs.map(([name, program]) => [name, program]))('its Perl program %s compiles', (_name, program) => {
    const r = spawnSync('perl', ['-c', '-e', program], { encoding: 'utf8' });
    expect(r.stderr.trim()).toBe('-e syntax OK');
    expect(r.status).toBe(0);
  });
});
