// POSIX shell quoting for the one command line the SSH transport sends (`sh -s -- ARGS`).
// SSH has no argv: the server hands the command string to the user's login shell, so every
// argument is single-quoted. Inside single quotes a POSIX shell interprets nothing at all
// (no $, `, \, newline or glob), so the only character to handle is the single quote itself,
// written as '\'' (close, escaped quote, reopen). This works in sh, dash, bash, ksh, zsh and
// BusyBox ash. Bytes are passed through unchanged: a Buffer is quoted byte for byte.

/** Quote one argument for a POSIX shell. The empty string becomes ''. */
export function shellQuote(arg: string): string {
  if (arg.includes('\0')) throw new Error('a shell argument cannot contain a NUL byte');
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * Quote one argument given as raw bytes (e.g. a file name that is not valid UTF-8). Returns a
 * Buffer: the command line is then sent as bytes, never re-encoded.
 */
export function shellQuoteBytes(arg: Buffer): Buffer {
  if (arg.includes(0)) throw new Error('a shell argument cannot contain a NUL byte');
  const parts: Buffer[] = [Buffer.from("'")];
  let start = 0;
  for (let i = 0; i < arg.length; i++) {
    if (arg[i] === 0x27) {
      parts.push(arg.subarray(start, i), Buffer.from(`'\\''`));
      start = i + 1;
    }
  }
  parts.push(arg.subarray(start), Buffer.from("'"));
  return Buffer.concat(parts);
}

/** A command line: each word quoted, joined by spaces. Words that are Buffers stay bytes. */
export function shellCommand(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}

/** Like shellCommand for words given as strings or raw bytes; the result is bytes. */
export function shellCommandBytes(words: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [];
  words.forEach((word, i) => {
    if (i > 0) parts.push(Buffer.from(' '));
    parts.push(typeof word === 'string' ? Buffer.from(shellQuote(word), 'utf8') : shellQuoteBytes(word));
  });
  return Buffer.concat(parts);
}

/**
 * The program name or shell word the server config gives (e.g. `sh`, `/bin/bash`, `busybox sh`)
 * is not user-supplied data, but it is still never spliced in raw: each whitespace-separated word
 * is quoted. `busybox sh` thus becomes 'busybox' 'sh'.
 */
export function quoteProgram(program: string): string {
  const words = program.trim().split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) throw new Error('empty shell name');
  return shellCommand(words);
}
