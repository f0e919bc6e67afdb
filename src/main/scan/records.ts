// Stream parser for the scanner's record protocol 1 (docs/scanner-protocol.md). It reads chunks
// as they arrive, holds at most one unfinished field, and throws ScanStreamError on anything that
// is not exactly the protocol: a malformed or truncated stream fails the scan.
import type { EntryType } from '../../shared/domain.js';

export const PROTOCOL_VERSION = '1';

export class ScanStreamError extends Error {
  constructor(message: string) {
    super(`malformed scanner output: ${message}`);
    this.name = 'ScanStreamError';
  }
}

/** A name as a byte string: one char per byte (see src/shared/path-escape.ts). */
export type ByteString = string;

export interface MetaRecord {
  kind: 'entry';
  target: number;
  path: ByteString;
  type: EntryType;
  mode: string;
  uid: number;
  gid: number;
  owner: string;
  group: string;
  size: number;
  mtime: string;
  ctime: string;
  inode: string;
  nlink: number;
  link: ByteString | null;
  error: string | null;
}

export type ScanRecordEvent =
  | { kind: 'target'; target: number; state: 'ok' | 'missing' }
  | MetaRecord
  | { kind: 'device'; path: ByteString; device: string }
  | { kind: 'hash'; path: ByteString; sha256: string }
  | { kind: 'end' };

const TYPES: Record<string, EntryType> = {
  f: 'file', d: 'directory', l: 'symlink', b: 'block', c: 'char', p: 'fifo', s: 'socket', D: 'unknown',
};

// A field longer than this is not a path (PATH_MAX is 4096) nor anything else the script prints.
const MAX_FIELD = 65536;
const FIELDS: Record<string, number> = { V: 1, T: 2, E: 15, D: 2, N: 2, S: 0, Z: 0 };
const HEX64 = /^[0-9a-f]{64}$/;
const DECIMAL = /^[0-9]+$/;
const TIME = /^-?[0-9]+(\.[0-9]+)?$/;
const MODE = /^[0-7]{1,4}$/;

export class RecordParser {
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private fields: string[] = [];
  private tag: string | null = null;
  private inHashLines = false;
  private sawVersion = false;
  private ended = false;
  private offset = 0;

  constructor(private readonly emit: (record: ScanRecordEvent) => void) {}

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      if (this.ended) throw new ScanStreamError(`data after the end record at byte ${this.offset + start}`);
      const stop = chunk.indexOf(this.inHashLines ? 0x0a : 0x00, start);
      if (stop === -1) {
        this.keep(chunk.subarray(start));
        break;
      }
      const field = this.take(chunk.subarray(start, stop));
      start = stop + 1;
      if (this.inHashLines) this.hashLine(field);
      else this.field(field);
    }
    this.offset += chunk.length;
  }

  /** The stream is over: it must have ended with the end record. */
  end(): void {
    if (!this.ended) {
      const where = this.tag ? `inside a '${this.tag}' record` : this.inHashLines ? 'inside the hash section' : 'before the end record';
      throw new ScanStreamError(`truncated ${where} after ${this.offset} bytes`);
    }
  }

  private keep(part: Buffer): void {
    this.pendingLength += part.length;
    if (this.pendingLength > MAX_FIELD) throw new ScanStreamError(`a field longer than ${MAX_FIELD} bytes at byte ${this.offset}`);
    this.pending.push(Buffer.from(part));
  }

  private take(tail: Buffer): Buffer {
    if (this.pendingLength === 0) return tail;
    if (this.pendingLength + tail.length > MAX_FIELD) throw new ScanStreamError(`a field longer than ${MAX_FIELD} bytes`);
    const whole = Buffer.concat([...this.pending, tail]);
    this.pending = [];
    this.pendingLength = 0;
    return whole;
  }

  private field(raw: Buffer): void {
    if (this.tag === null) {
      const tag = raw.toString('latin1');
      if (!(tag in FIELDS)) throw new ScanStreamError(`unknown record tag ${JSON.stringify(tag.slice(0, 20))} at byte ${this.offset}`);
      if (!this.sawVersion && tag !== 'V') throw new ScanStreamError('the stream does not start with a version record');
      this.tag = tag;
      this.fields = [];
    } else {
      this.fields.push(raw.toString('latin1'));
    }
    if (this.fields.length === FIELDS[this.tag]) this.record(this.tag, this.fields);
  }

  private record(tag: string, f: string[]): void {
    this.tag = null;
    switch (tag) {
      case 'V':
        if (f[0] !== PROTOCOL_VERSION) throw new ScanStreamError(`protocol version ${f[0]} (this console speaks ${PROTOCOL_VERSION})`);
        this.sawVersion = true;
        return;
      case 'T': {
        const state = f[1];
        if (state !== 'ok' && state !== 'missing') throw new ScanStreamError(`bad target state ${state}`);
        return this.emit({ kind: 'target', target: int(f[0]!, 'target index'), state });
      }
      case 'E':
        return this.emit(meta(f));
      case 'D':
        if (!/^[0-9a-f]+:[0-9a-f]+$/.test(f[1]!)) throw new ScanStreamError(`bad device numbers ${f[1]}`);
        return this.emit({ kind: 'device', path: path(f[0]!), device: f[1]!.split(':').map((h) => parseInt(h, 16)).join(':') });
      case 'N':
        return this.emit({ kind: 'hash', path: path(f[0]!), sha256: sha(f[1]!) });
      case 'S':
        this.inHashLines = true;
        return;
      case 'Z':
        this.ended = true;
        return this.emit({ kind: 'end' });
    }
  }

  // "<sha256> *PATH" (openssl -r, sha256sum -b), "<sha256>  PATH" (sha256sum), or GNU's escaped
  // form "\<sha256>  PATH" with \\ and \n in PATH. The section ends with ".".
  private hashLine(raw: Buffer): void {
    const line = raw.toString('latin1');
    if (line === '.') {
      this.inHashLines = false;
      return;
    }
    const escaped = line.startsWith('\\');
    const body = escaped ? line.slice(1) : line;
    const sep = body.slice(64, 66);
    if (sep !== ' *' && sep !== '  ') throw new ScanStreamError(`bad hash line ${JSON.stringify(line.slice(0, 80))}`);
    let name = body.slice(66);
    if (escaped) name = name.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c));
    this.emit({ kind: 'hash', path: path(name), sha256: sha(body.slice(0, 64)) });
  }
}

function meta(f: string[]): MetaRecord {
  const type = TYPES[f[2]!];
  if (!type) throw new ScanStreamError(`bad entry type ${JSON.stringify(f[2])}`);
  if (!MODE.test(f[3]!)) throw new ScanStreamError(`bad mode ${JSON.stringify(f[3])}`);
  for (const [i, what] of [[9, 'mtime'], [10, 'ctime']] as const) {
    if (!TIME.test(f[i]!)) throw new ScanStreamError(`bad ${what} ${JSON.stringify(f[i])}`);
  }
  if (!DECIMAL.test(f[11]!)) throw new ScanStreamError(`bad inode ${JSON.stringify(f[11])}`);
  return {
    kind: 'entry',
    target: int(f[0]!, 'target index'),
    path: path(f[1]!),
    type,
    mode: f[3]!.padStart(4, '0'),
    uid: int(f[4]!, 'uid'),
    gid: int(f[5]!, 'gid'),
    owner: utf8(f[6]!),
    group: utf8(f[7]!),
    size: int(f[8]!, 'size'),
    mtime: f[9]!,
    ctime: f[10]!,
    inode: f[11]!,
    nlink: int(f[12]!, 'link count'),
    link: type === 'symlink' ? f[13]! : null,
    error: f[14] ? utf8(f[14]) : null,
  };
}

function int(s: string, what: string): number {
  if (!DECIMAL.test(s)) throw new ScanStreamError(`bad ${what} ${JSON.stringify(s.slice(0, 40))}`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new ScanStreamError(`${what} out of range: ${s}`);
  return n;
}

function path(s: string): ByteString {
  if (!s.startsWith('/')) throw new ScanStreamError(`a path that is not absolute: ${JSON.stringify(s.slice(0, 80))}`);
  return s;
}

function sha(s: string): string {
  if (!HEX64.test(s)) throw new ScanStreamError(`bad sha256 ${JSON.stringify(s.slice(0, 80))}`);
  return s;
}

function utf8(latin1: string): string {
  return Buffer.from(latin1, 'latin1').toString('utf8');
}
