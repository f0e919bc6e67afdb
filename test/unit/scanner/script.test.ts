// How the scanner's parts are joined into the one script sent (scanner/script.ts): libraries in
// place, programs as single-quoted values, every line traced to its part, a quote refused.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../../src/main/scanner/protocol.js';
import { joinScanner, scannerScript } from '../../../src/main/scanner/script.js';

let dir = '';
function parts(files: Record<string, string>): string {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-parts-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('joinScanner', () => {
  it('puts each library in place of its line, and each program in its variable without its header', () => {
    const joined = joinScanner(
      parts({
        'scan.sh': "echo start\n. ./lib/a.sh\necho end \"$prog\"\n",
        'lib/a.sh': "# a library\n{\n\tprog='@programs/p.sh'\n}\n. ./lib/b.sh\n",
        'lib/b.sh': 'echo b\n',
        'programs/p.sh': '# shellcheck shell=sh\n# what p does\n\nfor f; do\n\techo "$f"\ndone\n',
      }),
    );
    expect(joined.text).toBe("echo start\n# a library\n{\nprog='\nfor f; do\n\techo \"$f\"\ndone\n'\n}\necho b\necho end \"$prog\"\n");
    expect(joined.origins.map((o) => `${o.file}:${o.line}`)).toEqual([
      'scan.sh:1',
      'lib/a.sh:1',
      'lib/a.sh:2',
      'lib/a.sh:3',
      'programs/p.sh:4',
      'programs/p.sh:5',
      'programs/p.sh:6',
      'lib/a.sh:3',
      'lib/a.sh:4',
      'lib/b.sh:1',
      'scan.sh:3',
    ]);
    // The joined text runs: the program's value is the program.
    const r = spawnSync('dash', ['-s'], { input: `${joined.text}sh -c "$prog" sh x y\n`, encoding: 'utf8' });
    expect(r.stdout).toBe('start\nb\nend \nfor f; do\n\techo "$f"\ndone\n\nx\ny\n');
  });

  it('refuses a program holding a single quote, and a library that reads itself', () => {
    expect(() => joinScanner(parts({ 'scan.sh': "p='@perl/p.pl'\n", 'perl/p.pl': "print 'x';\n" }))).toThrow(/perl\/p\.pl holds a single quote/);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(() => joinScanner(parts({ 'scan.sh': '. ./lib/a.sh\n', 'lib/a.sh': '. ./lib/a.sh\n' }))).toThrow(/levels deep/);
  });

  it('joins the real scanner once, no part left unjoined', () => {
    const text = scannerScript();
    expect(scannerScript()).toBe(text);
    expect(text).not.toMatch(/^\s*\. \.\/lib\//m);
    expect(text).not.toMatch(/='@/);
    expect(text).toContain('use strict;');
    expect(text).toContain(`printf 'V\\0%s\\0' ${PROTOCOL_VERSION}`);
  });
});
