// The records of the scanner's protocol, field by field: what each field must be (anything else
// is a ScanStreamError) and the record it makes. RecordParser (record-parser.ts) cuts the stream
// into fields and lines; the functions here decode them.
import { byteString, type ByteString } from '../model/entry.js';
import type { EntryType } from '../../shared/domain.js';
import { canonicalTime } from '../model/time.js';
import { canonicalCaps, canonicalFlags, escapeAttrName } from './attribute-text.js';
import { ScanStreamError, type MetaRecord, type ScanRecordEvent } from './protocol.js';

type Emit = (record: ScanRecordEvent) => void;

const HEX_TYPES: Record<number, EntryType> = {
  0o100000: 'file', 0o040000: 'directory', 0o120000: 'symlink', 0o060000: 'block', 0o020000: 'char', 0o010000: 'fifo', 0o140000: 'socket',
};
/** find's type letters (%y, and D for a type it does not know). */
export const FIND_TYPES: Record<string, EntryType> = {
  f: 'file', d: 'directory', l: 'symlink', b: 'block', c: 'char', p: 'fifo', s: 'socket', D: 'unknown',
};

const HEX64 = /^[0-9a-f]{64}$/;
const DECIMAL = /^[0-9]+$/;
const TIME = /^(-?[0-9]+)(?:\.([0-9]+))?$/;
const MODE = /^[0-7]{1,4}$/;

/** A record of fixed fields that only emits (P T W E X L D N F C K): decoded, and emitted. */
export function decodeRecord(tag: string, f: string[], emit: Emit): void {
  switch (tag) {
    case 'P':
      return emit({ kind: 'fact', key: f[0]!, value: utf8(f[1]!) });
    case 'T': {
      const state = f[1];
      if (state !== 'ok' && state !== 'missing') throw new ScanStreamError(`bad target state ${state}`);
      return emit({ kind: 'target', target: int(f[0]!, 'target index'), state });
    }
    case 'W':
      return emit({ kind: 'walk-end', target: int(f[0]!, 'target index'), status: int(f[1]!, 'walk status') });
    case 'E':
      return emit(fromFind(f));
    case 'X':
      return decodeStatBatch(f, emit);
    case 'L':
      return decodeFlagsBatch(f, emit);
    case 'D':
      if (!/^[0-9a-f]{1,16}:[0-9a-f]{1,16}$/.test(f[1]!)) throw new ScanStreamError(`bad device numbers ${f[1]}`);
      return emit({ kind: 'device', path: path(f[0]!), device: hexDevice(f[1]!) });
    case 'N':
      return emit({ kind: 'hash', path: path(f[0]!), sha256: sha(f[1]!) });
    case 'F':
      if (!f[1]) throw new ScanStreamError('a file not hashed without a reason');
      return emit({ kind: 'unhashed', path: path(f[0]!), reason: utf8(f[1]) });
    case 'C':
      return emit({ kind: 'caps', path: path(f[0]!), caps: canonicalCaps(f[1]!) });
    case 'K':
      return decodeAttributes(f, emit);
  }
}

/** A line of the passwd (U) or group (G) database: name:password:id:...; the first name of an id wins. */
export function decodeNameLine(kind: 'user' | 'group', line: string, emit: Emit): void {
  const parts = line.split(':');
  if (parts.length >= 3 && parts[0] && DECIMAL.test(parts[2]!)) {
    emit({ kind, id: Number(parts[2]), name: utf8(parts[0]) });
  }
}

// K PATH FLAGS XATTRS (the perl reader): lsattr's letters ("?": not read) and HEXNAME=HEXVALUE
// pairs, given as getfattr and lsattr would give them, so that either reader yields the same entry.
function decodeAttributes(f: string[], emit: Emit): void {
  const name = path(f[0]!);
  emit({ kind: 'attributes-read', path: name });
  if (f[2]) {
    const attrs = f[2].split(' ').map((pair): [string, string] => {
      const m = /^((?:[0-9a-f]{2})+)=((?:[0-9a-f]{2})*)$/.exec(pair);
      if (!m) throw new ScanStreamError(`bad extended attribute ${JSON.stringify(pair.slice(0, 80))}`);
      return [escapeAttrName(Buffer.from(m[1]!, 'hex').toString('latin1')), m[2]!];
    });
    emit({ kind: 'xattrs', path: name, attrs });
  }
  if (f[1] !== '?') emit({ kind: 'flags', path: name, flags: canonicalFlags(f[1]!) });
}


// name (or, for one name, the whole text), and a readability letter per name.
function decodeStatBatch(f: string[], emit: Emit): void {
  const target = int(f[0]!, 'target index');
  const n = f.length - 4;
  const names = f.slice(2, 2 + n);
  let text = f[2 + n]!;
  const flags = f[3 + n]!;
  if (flags.length !== n || /[^ru]/.test(flags)) throw new ScanStreamError(`bad readability flags ${JSON.stringify(flags.slice(0, 40))}`);
  if (!text.endsWith('\n')) throw new ScanStreamError('a stat batch that does not end with a newline');
  text = text.slice(0, -1);
  const lines = n === 1 ? [text] : text.split('\n');
  if (lines.length !== n) throw new ScanStreamError(`a stat batch of ${n} names with ${lines.length} lines`);
  for (let i = 0; i < n; i++) emit(fromStat(target, path(names[i]!), lines[i]!, flags[i] === 'r'));
}

// L STATUS N NAME... TEXT: `lsattr -d`, "FLAGS NAME\n" per name it could read, in order. With

// otherwise no name holds a newline and the lines are a subsequence of the names.
function decodeFlagsBatch(f: string[], emit: Emit): void {
  const status = f[0];
  if (status !== '0' && status !== '1') throw new ScanStreamError(`bad lsattr status ${JSON.stringify(status)}`);
  const n = f.length - 3;
  const names = f.slice(2, 2 + n).map(path);
  const text = f[2 + n]!;
  let at = 0;
  const flagsAt = (): string => {
    const sp = text.indexOf(' ', at);
    if (sp <= at) throw new ScanStreamError(`bad lsattr output ${JSON.stringify(text.slice(at, at + 80))}`);
    const flags = text.slice(at, sp);
    at = sp + 1;
    return flags;
  };
  if (status === '0') {
    for (const name of names) {
      const flags = flagsAt();
      if (text.slice(at, at + name.length + 1) !== name + '\n') throw new ScanStreamError(`lsattr output is not for ${JSON.stringify(name.slice(0, 80))}`);
      at += name.length + 1;
      emit({ kind: 'flags', path: name, flags: canonicalFlags(flags) });
    }
  } else {
    if (names.some((name) => name.includes('\n'))) throw new ScanStreamError('an incomplete lsattr batch with a newline in a name');
    let next = 0;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const sp = line.indexOf(' ');
      const name = line.slice(sp + 1);
      while (next < names.length && names[next] !== name) next++;
      if (sp < 1 || next === names.length) throw new ScanStreamError(`lsattr line ${JSON.stringify(line.slice(0, 80))} is for no name of its batch`);
      emit({ kind: 'flags', path: names[next]!, flags: canonicalFlags(line.slice(0, sp)) });
      next++;
    }
    return;
  }
  if (at !== text.length) throw new ScanStreamError('lsattr output after the last name');
}

// lsattr -d run on names without a newline: "FLAGS NAME" per name it could read. The flags
// are one word of letters and dashes, so the name is all after the first space.
export function decodeFlagsLine(line: string, emit: Emit): void {
  const sp = line.indexOf(' ');
  if (sp < 1 || sp === line.length - 1 || line.charCodeAt(sp + 1) !== 0x2f) throw new ScanStreamError(`bad lsattr line ${JSON.stringify(line.slice(0, 80))}`);
  emit({ kind: 'flags', path: path(line.slice(sp + 1)), flags: canonicalFlags(line.slice(0, sp)) });
}


// "<sha256> *PATH" (openssl -r, sha256sum -b), "<sha256>  PATH" (sha256sum), or GNU's escaped
// form "\<sha256>  PATH" with \\ and \n in PATH; "!REASON *PATH" for a file the host's hash
// worker could not open (REASON has no "*": the host's strerror text).
export function decodeHashLine(line: string, emit: Emit): void {
  if (line.startsWith('!')) {
    const sep = line.indexOf(' */');
    if (sep < 2) throw new ScanStreamError(`bad hash error line ${JSON.stringify(line.slice(0, 80))}`);
    emit({ kind: 'unhashed', path: path(line.slice(sep + 2)), reason: utf8(line.slice(1, sep)) });
    return;
  }
  const escaped = line.startsWith('\\');
  const body = escaped ? line.slice(1) : line;
  const sep = body.slice(64, 66);
  if (sep !== ' *' && sep !== '  ') throw new ScanStreamError(`bad hash line ${JSON.stringify(line.slice(0, 80))}`);
  let name = body.slice(66);
  if (escaped) name = name.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c));
  emit({ kind: 'hash', path: path(name), sha256: sha(body.slice(0, 64)) });
}

/** E IDX PATH TYPE MODE UID GID SIZE MTIME CTIME INODE NLINK LINK ERROR (GNU find -printf). */
function fromFind(f: string[]): MetaRecord {
  const type = FIND_TYPES[f[2]!];
  if (!type) throw new ScanStreamError(`bad entry type ${JSON.stringify(f[2])}`);
  if (!MODE.test(f[3]!)) throw new ScanStreamError(`bad mode ${JSON.stringify(f[3])}`);
  if (!DECIMAL.test(f[9]!)) throw new ScanStreamError(`bad inode ${JSON.stringify(f[9])}`);
  return {
    kind: 'entry',
    target: int(f[0]!, 'target index'),
    path: path(f[1]!),
    type,
    mode: f[3]!.padStart(4, '0'),
    uid: int(f[4]!, 'uid'),
    gid: int(f[5]!, 'gid'),
    size: int(f[6]!, 'size'),
    mtime: time(f[7]!, 'mtime'),
    ctime: time(f[8]!, 'ctime'),
    inode: f[9]!,
    nlink: int(f[10]!, 'link count'),
    link: type === 'symlink' ? byteString(f[11]!) : null,
    device: null,
    error: f[12] ? utf8(f[12]) : null,
  };
}

/** One line of `stat -c '%f %u %g %s %Y %y %Z %z %i %h %t %T %N'` for a name known exactly. */
function fromStat(target: number, name: ByteString, line: string, readable: boolean): MetaRecord {
  // 16 space-separated fields (%y and %z are three each), then %N, which holds the name.
  let at = 0;
  const tok: string[] = [];
  for (let k = 0; k < 16; k++) {
    const sp = line.indexOf(' ', at);
    if (sp === -1) throw new ScanStreamError(`short stat line ${JSON.stringify(line.slice(0, 120))}`);
    tok.push(line.slice(at, sp));
    at = sp + 1;
  }
  const quoted = line.slice(at);
  if (!/^[0-9a-f]{1,8}$/.test(tok[0]!)) throw new ScanStreamError(`bad raw mode ${JSON.stringify(tok[0])}`);
  const raw = parseInt(tok[0]!, 16);
  const type = HEX_TYPES[raw & 0o170000] ?? 'unknown';
  if (!DECIMAL.test(tok[12]!)) throw new ScanStreamError(`bad inode ${JSON.stringify(tok[12])}`);
  if (!/^[0-9a-f]{1,16}$/.test(tok[14]!) || !/^[0-9a-f]{1,16}$/.test(tok[15]!)) throw new ScanStreamError(`bad device numbers ${tok[14]}:${tok[15]}`);
  let link: ByteString | null = null;
  let error: string | null = null;
  if (type === 'symlink') {
    link = linkTarget(name, quoted);
    if (link === null) error = 'the symlink changed during the scan';
  } else if (quoted !== name && quoted !== `'${name}'`) {
    throw new ScanStreamError(`stat line ${JSON.stringify(line.slice(0, 120))} is not for ${JSON.stringify(name.slice(0, 80))}`);
  }
  if (!readable && type === 'file') error = 'Permission denied';
  if (!readable && type === 'directory') error = 'Permission denied (directory not listable)';
  return {
    kind: 'entry',
    target,
    path: name,
    type,
    mode: (raw & 0o7777).toString(8).padStart(4, '0'),
    uid: int(tok[1]!, 'uid'),
    gid: int(tok[2]!, 'gid'),
    size: int(tok[3]!, 'size'),
    mtime: statTime(tok[4]!, tok[6]!),
    ctime: statTime(tok[8]!, tok[10]!),
    inode: tok[12]!,
    nlink: int(tok[13]!, 'link count'),
    link,
    device: type === 'block' || type === 'char' ? hexDevice(`${tok[14]}:${tok[15]}`) : null,
    error,
  };
}

/** The target out of %N: `NAME -> TARGET` (GNU, QUOTING_STYLE=literal) or `'NAME' -> 'TARGET'` (BusyBox). */
function linkTarget(name: ByteString, quoted: string): ByteString | null {
  const gnu = `${name} -> `;
  const bb = `'${name}' -> '`;
  if (quoted.startsWith(bb) && quoted.endsWith("'") && quoted.length > bb.length) return byteString(quoted.slice(bb.length, -1));
  if (quoted.startsWith(gnu)) return byteString(quoted.slice(gnu.length));
  return null;
}

/** %Y (whole seconds) and the fraction of %y's "HH:MM:SS.NNNNNNNNN". */
function statTime(seconds: string, clock: string): string {
  if (!/^-?[0-9]+$/.test(seconds)) throw new ScanStreamError(`bad time ${JSON.stringify(seconds)}`);
  const dot = clock.indexOf('.');
  const frac = dot === -1 ? '' : clock.slice(dot + 1);
  if (!/^[0-9]*$/.test(frac)) throw new ScanStreamError(`bad time ${JSON.stringify(clock)}`);
  return canonicalTime(seconds, frac);
}

/** Seconds with nine fraction digits, whatever the host printed (GNU find prints ten). */
function time(s: string, what: string): string {
  const m = TIME.exec(s);
  if (!m) throw new ScanStreamError(`bad ${what} ${JSON.stringify(s)}`);
  return canonicalTime(m[1]!, m[2] ?? '');
}

/** "major:minor" in decimal from hex (at most 64 bits each, checked by the caller), exact: BigInt, not a float. */
function hexDevice(s: string): string {
  return s.split(':').map((h) => BigInt(`0x${h}`).toString()).join(':');
}

export function hexBytes(raw: Buffer): Buffer {
  const text = raw.toString('latin1').replace(/\s+/g, '');
  if (!/^([0-9a-f]{2})*$/i.test(text)) throw new ScanStreamError(`bad content line ${JSON.stringify(text.slice(0, 80))}`);
  return Buffer.from(text, 'hex');
}

export function int(s: string, what: string): number {
  if (!DECIMAL.test(s)) throw new ScanStreamError(`bad ${what} ${JSON.stringify(s.slice(0, 40))}`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new ScanStreamError(`${what} out of range: ${s}`);
  return n;
}

export function path(s: string): ByteString {
  if (!s.startsWith('/')) throw new ScanStreamError(`a path that is not absolute: ${JSON.stringify(s.slice(0, 80))}`);
  return byteString(s);
}

function sha(s: string): string {
  if (!HEX64.test(s)) throw new ScanStreamError(`bad sha256 ${JSON.stringify(s.slice(0, 80))}`);
  return s;
}

export function utf8(latin1: string): string {
  return Buffer.from(latin1, 'latin1').toString('utf8');
}
