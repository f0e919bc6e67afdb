// One run of the scanner script through a transport: its arguments sent in the script, the
// output a login shell prints before the scanner starts skipped (bounded), and the stream parsed
// strictly, record by record. Any failure of the run (transport, exit status, malformed or
// truncated output) throws ScanFailure.
import { randomBytes } from 'node:crypto';
import type { Transport, RunOptions } from '../transport/transport.js';
import type { RawEntry, ScanRecordEvent } from '../scanner/protocol.js';
import { RecordParser } from '../scanner/record-parser.js';
import { ScanFailure } from '../scanner/scan-failure.js';
import type { RunKind, StreamCheck } from '../scanner/stream-check.js';

/** What the host told about itself (P records): tool → value. */
export type Facts = Record<string, string>;

/**
 * Bytes a login shell may print before the scanner starts (a banner in ~/.bashrc, say): skipped
 * up to the start marker, with a warning; more than this fails the run.
 */
export const LOGIN_OUTPUT_LIMIT = 65536;

/**
 * Finds the run's start marker in the first bytes of its output: what comes before it is not the
 * scanner's (a login shell's banner) and is skipped, up to LOGIN_OUTPUT_LIMIT bytes.
 */
class StartMarker {
  readonly bytes: Buffer;
  skipped = -1;
  private held: Buffer = Buffer.alloc(0);

  constructor(private readonly login: string | undefined) {
    this.bytes = Buffer.from(`DRIFTWATCH-START-${randomBytes(16).toString('hex')}\0`, 'latin1');
  }

  /** The script's first line: prints the marker. */
  get command(): string {
    return `printf '%s\\0' '${this.bytes.toString('latin1', 0, this.bytes.length - 1)}'\n`;
  }

  /** The part of `chunk` that is the scanner's, or null while the marker is still to come. */
  pass(chunk: Buffer): Buffer | null {
    if (this.skipped >= 0) return chunk;
    const all = this.held.length ? Buffer.concat([this.held, chunk]) : chunk;
    const at = all.indexOf(this.bytes);
    // Over the bound whether the marker came in the same chunk or is still to come.
    if (at > LOGIN_OUTPUT_LIMIT || (at < 0 && all.length - this.bytes.length >= LOGIN_OUTPUT_LIMIT)) {
      const who = this.login ? `the login shell of ${this.login}` : 'the shell that runs the scanner';
      throw new ScanFailure(`${who} printed more than ${LOGIN_OUTPUT_LIMIT} bytes before the scanner started (the most skipped); check ~/.bashrc or /etc/bash.bashrc for output in non-interactive shells`);
    }
    if (at >= 0) {
      this.skipped = at;
      this.held = Buffer.alloc(0);
      return all.subarray(at + this.bytes.length);
    }
    this.held = Buffer.from(all);
    return null;
  }

  /** The stream ended: the scanner must have started. */
  end(): void {
    if (this.skipped >= 0) return;
    const who = this.login ? `the login shell of ${this.login}` : 'the shell';
    throw new ScanFailure(`the scanner never started: ${who} printed ${this.held.length} bytes and then nothing of the scanner's`);
  }
}

/** What a run of the scanner said besides its records. */
export interface RunReport {
  /** Bytes printed before the scanner started (a login shell's output), skipped. */
  skipped: number;
}

/**
 * Runs the script and feeds its stdout to `onRecord`; throws ScanFailure on any failure.
 * `onStarted`: called once the script runs, before its output is read (the host is starting).
 * The script's first line prints a marker made for this run: whatever the host prints before it
 * is not the scanner's and is skipped (bounded); after it the stream is parsed strictly.
 */
export async function runScanner(
  transport: Transport,
  script: string,
  args: string[],
  options: RunOptions,
  checked: { check: StreamCheck; kind: RunKind },
  onRecord: (r: ScanRecordEvent) => void,
  onStarted?: () => void,
  onRawEntry?: (r: RawEntry) => boolean,
  onChunk?: () => void,
): Promise<RunReport> {
  const { check } = checked;
  check.run(checked.kind);
  const marker = new StartMarker(transport.login);
  // The arguments travel in the script, on stdin: no command-line limit applies to them.
  const proc = await transport.runScript(marker.command + argsPrelude(args) + script, [], options);
  // `done` may settle (e.g. reject on a dead connection) before it is awaited below.
  proc.done.catch(() => undefined);
  const parser = new RecordParser(
    (r) => {
      check.record(r);
      onRecord(r);
    },
    onRawEntry &&
      ((r) => {
        check.rawEntry(r);
        return onRawEntry(r);
      }),
  );
  try {
    onStarted?.();
    for await (const chunk of proc.stdout) {
      const begun = marker.skipped >= 0;
      const mine = marker.pass(chunk as Buffer);
      if (!begun && marker.skipped >= 0) parser.skipped(marker.skipped + marker.bytes.length);
      if (!mine?.length) continue;
      check.received(mine.length);
      parser.push(mine);
      onChunk?.();
    }
  } catch (err) {
    proc.kill(err instanceof Error ? err.message : String(err));
    await proc.done.catch(() => undefined);
    throw err instanceof ScanFailure ? err : new ScanFailure(err instanceof Error ? err.message : String(err));
  }
  let exit;
  try {
    exit = await proc.done;
  } catch (err) {
    throw new ScanFailure(err instanceof Error ? err.message : String(err));
  }
  if (exit.code !== 0) {
    const detail = exit.stderr.trim().split('\n').slice(-3).join('; ') || (exit.signal ? `killed by ${exit.signal}` : 'no message');
    throw new ScanFailure(`scanner exited with status ${exit.code ?? exit.signal}: ${detail}`);
  }
  marker.end();
  try {
    parser.end();
  } catch (err) {
    throw new ScanFailure((err as Error).message);
  }
  check.finish();
  return { skipped: marker.skipped };
}

/**
 * The arguments of every run travel in the script itself (`set -- ...` before it): a scan's
 * patterns and a list run's names may be long (an SSH command line is one argument, at most 128 KiB
 * on Linux), and names are bytes. A word of printable ASCII is single-quoted; any other is rebuilt
 * by printf from octal escapes, so the script text stays ASCII whatever the names hold.
 * `$(...)` drops trailing newlines, so such a word is built into a variable with a final x that
 * is taken off again. Then one `set --` takes every word: linear in the number of words (a loop
 * of `set -- "$@" WORD` copies the whole list each time: quadratic).
 */
export function argsPrelude(args: string[]): string {
  const built: string[] = [];
  const words = args.map((a) => {
    if (/^[\x20-\x7e]*$/.test(a)) return `'${a.replace(/'/g, `'\\''`)}'`;
    let esc = '';
    for (let i = 0; i < a.length; i++) {
      const c = a.charCodeAt(i);
      esc += c >= 0x20 && c < 0x7f && c !== 0x27 && c !== 0x5c && c !== 0x25 ? a[i] : `\\${c.toString(8).padStart(3, '0')}`;
    }
    const v = `_dw_${built.length}`;
    built.push(`${v}="$(printf '${esc}x')"; ${v}=\${${v}%x}\n`);
    return `"$${v}"`;
  });
  return `${built.join('')}set -- ${words.join(' ')}\n`;
}
