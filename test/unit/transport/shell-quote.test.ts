// Shell quoting, checked against real shells: the quoted words are parsed by dash, bash and
// BusyBox ash, and printf must give back exactly the bytes that went in.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { quoteProgram, shellCommand, shellCommandBytes, shellQuote, shellQuoteBytes } from '../../../src/main/transport/shell-quote.js';

const dir = mkdtempSync(join(tmpdir(), 'dw-quote-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SHELLS: string[][] = [['dash'], ['bash'], ['busybox', 'sh']];

/** Run `printf '%s\0' WORDS` as a script file in a real shell; return the NUL-split words. */
function roundTrip(shell: string[], words: Buffer): Buffer[] {
  const file = join(dir, `s-${Math.random().toString(36).slice(2)}.sh`);
  writeFileSync(file, Buffer.concat([Buffer.from("printf '%s\\0' "), words, Buffer.from('\n')]));
  const out = execFileSync(shell[0]!, [...shell.slice(1), file], { env: { PATH: process.env.PATH, HOME: '/nonexistent' } });
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < out.length; i++) {
    if (out[i] === 0) {
      parts.push(out.subarray(start, i));
      start = i + 1;
    }
  }
  return parts;
}

const HOSTILE = [
  '',
  ' ',
  'plain',
  "it's",
  "''",
  "'",
  '"double"',
  'a b  c',
  'line1\nline2',
  '\n',
  'tab\there',
  '$(touch /tmp/pwned-driftwatch)',
  '`id`',
  '${HOME}',
  '$HOME',
  '\\',
  '\\n',
  '*',
  '/etc/*',
  '?',
  '[a-z]',
  '~',
  '~root',
  '-n',
  '-e',
  '--',
  '-',
  '--help',
  '; rm -rf /',
  '&& echo hi',
  '| cat',
  '> /tmp/x',
  '#comment',
  '!event',
  '{a,b}',
  'ünïcödé ✓ 日本',
  'caf\xe9', // latin1 é as a JS string: sent as its UTF-8 bytes
  "mixed 'single' and \"double\" $(and) `more` \\ \n end",
];

describe('shellQuote', () => {
  it('single-quotes and escapes only the single quote', () => {
    expect(shellQuote('abc')).toBe("'abc'");
    expect(shellQuote('')).toBe("''");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('$(x) `y` "z" \\')).toBe("'$(x) `y` \"z\" \\'");
  });

  it('refuses NUL, which no shell argument can hold', () => {
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
    expect(() => shellQuoteBytes(Buffer.from([0x61, 0, 0x62]))).toThrow(/NUL/);
  });

  for (const shell of SHELLS) {
    it(`round-trips hostile strings through ${shell.join(' ')}`, () => {
      const got = roundTrip(shell, Buffer.from(shellCommand(HOSTILE), 'utf8'));
      expect(got.map((b) => b.toString('utf8'))).toEqual(HOSTILE.map((s) => Buffer.from(s, 'utf8').toString('utf8')));
    });

    it(`round-trips raw non-UTF-8 bytes through ${shell.join(' ')}`, () => {
      const words = [
        Buffer.from([0x66, 0x6f, 0xff, 0xfe, 0x6f]), // invalid UTF-8
        Buffer.from('caf\xe9', 'latin1'), // a latin1 file name
        Buffer.from([0x27, 0x80, 0x27]), // quotes around a lone continuation byte
        Buffer.from([0x0a, 0x24, 0x28, 0x69, 0x64, 0x29]), // "\n$(id)"
      ];
      const got = roundTrip(shell, shellCommandBytes(words));
      expect(got).toEqual(words);
    });
  }

  it('mixes string and byte words', () => {
    const bytes = shellCommandBytes(['a b', Buffer.from([0xff]), "'"]);
    expect(bytes).toEqual(Buffer.concat([Buffer.from("'a b' '"), Buffer.from([0xff]), Buffer.from("' ''\\'''")]));
  });

  it('never executes command substitutions', () => {
    const marker = join(dir, 'pwned');
    const words = [`$(touch ${marker})`, `\`touch ${marker}\``, `'; touch ${marker}; '`];
    for (const shell of SHELLS) roundTrip(shell, Buffer.from(shellCommand(words)));
    expect(() => execFileSync('test', ['-e', marker])).toThrow();
  });

  it('works as `sh -s -- ARGS`, the way the transports run the scanner', () => {
    const args = ['-x', "a'b", '$(id)', 'two\nlines'];
    const cmd = `exec sh -s -- ${shellCommand(args)}`;
    const out = execFileSync('sh', ['-c', cmd], { input: 'printf "%s|" "$@"' }).toString();
    expect(out).toBe(`${args.join('|')}|`);
  });
});

describe('quoteProgram', () => {
  it('quotes each word of a shell name', () => {
    expect(quoteProgram('sh')).toBe("'sh'");
    expect(quoteProgram('busybox sh')).toBe("'busybox' 'sh'");
    expect(quoteProgram(' /bin/bash ')).toBe("'/bin/bash'");
    expect(quoteProgram('sh; rm -rf /')).toBe("'sh;' 'rm' '-rf' '/'");
    expect(() => quoteProgram('  ')).toThrow(/empty/);
  });
});
