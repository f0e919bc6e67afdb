// What comes before a run's start marker (a login shell's banner) is skipped up to the bound, in
// whatever chunks it arrives: the marker in the same chunk as the banner, or split across two.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LOGIN_OUTPUT_LIMIT, runScanner } from '../../../src/main/scan/run-scanner.js';
import { PROTOCOL_VERSION } from '../../../src/main/scanner/protocol.js';
import { StreamCheck } from '../../../src/main/scanner/stream-check.js';
import type { Transport } from '../../../src/main/transport/transport.js';

/** A host whose login shell prints `banner`, then runs the script: its marker, then a pre-flight stream. */
function host(banner: Buffer, chunk: number): Transport {
  return {
    login: 'root@web1',
    async runScript(script: string, args: string[]) {
      expect(args).toEqual([]);
      const marker = /^printf '%s\\0' '([^']*)'\n/.exec(script)![1]!;
      const all = Buffer.concat([banner, Buffer.from(`${marker}\0V\0${PROTOCOL_VERSION}\0P\0shell\0dash\0Z\0`, 'latin1')]);
      const chunks: Buffer[] = [];
      for (let at = 0; at < all.length; at += chunk) chunks.push(all.subarray(at, at + chunk));
      return { stdout: Readable.from(chunks), done: Promise.resolve({ code: 0, signal: null, stderr: '' }), kill() {} };
    },
    close() {},
  };
}

const run = (banner: Buffer, chunk: number) =>
  runScanner(host(banner, chunk), 'true\n', [PROTOCOL_VERSION, 'preflight'], {}, { check: new StreamCheck({ walks: [], walkArgs: [], args: [] }), kind: 'preflight' }, () => undefined);

describe('the start marker', () => {
  it.each([1, 7, 4096, 1 << 20])('skips a banner up to the bound, in chunks of %i bytes', async (chunk) => {
    expect(await run(Buffer.from('Welcome to prod\n'), chunk)).toEqual({ skipped: 16 });
    expect(await run(Buffer.alloc(LOGIN_OUTPUT_LIMIT, 0x78), chunk)).toEqual({ skipped: LOGIN_OUTPUT_LIMIT });
  });

  it.each([7, 4096, 1 << 20])('fails a banner over the bound, in chunks of %i bytes (the marker in the same chunk too)', async (chunk) => {
    await expect(run(Buffer.alloc(LOGIN_OUTPUT_LIMIT + 1, 0x78), chunk)).rejects.toThrow(
      `the login shell of root@web1 printed more than ${LOGIN_OUTPUT_LIMIT} bytes before the scanner started`,
    );
  });
});
