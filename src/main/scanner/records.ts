// Stream parser for the scanner's record protocol 3 (docs/scanner-protocol.md). It reads chunks
// as they arrive, holds at most one unfinished field or line, and throws ScanStreamError on
// anything that is not exactly the protocol: a malformed or truncated stream fails the scan.
import type { ByteString } from '../model/entry.js';
import type { EntryType } from '../../shared/domain.js';

export const PROTOCOL_VERSION = '4';

export class ScanStreamError extends Error {
  constructor(message: string) {
    super(`malformed scanner output: ${message}`);
    this.name = 'ScanStreamError';
  }
}


export interface MetaRecord {
  kind: 'entry';
  target: number;
  path: ByteString;
  type: EntryType;
  mode: string;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch with nine fraction digits, e.g. "1732824813.123456789". */
  mtime: string;
  ctime: string;
  inode: string;
  nlink: number;
  link: ByteString | null;
  /** "major:minor" (decimal) of devices when the record carries it (stat path), else null. */
  device: string | null;
  error: string | null;
}

/**
 * An E record as the parser's fast path read it, handed over without a string made per field
 * (EntryTable.addRaw): one object, filled again for each record, so a taker keeps nothing of it.
 * Its times are canonical (seconds from 0 to 2^32 - 1 and nanoseconds); any other form, like any
 * record the taker refuses, comes as a MetaRecord instead.
 */
export interface RawEntry {
  /** The bytes the record lies in: field k at chunk[at[k] .. at[k + 1] - 1), 1 the path, 11 the link target, 12 the error. */
  chunk: Buffer;
  at: Int32Array;
  target: number;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  nlink: number;
  inode: number;
  mtimeS: number;
  mtimeN: number;
  ctimeS: number;
  ctimeN: number;
}

export type ScanRecordEvent =
  | { kind: 'fact'; key: string; value: string }
  | { kind: 'user' | 'group'; id: number; name: string }
  | { kind: 'target'; target: number; state: 'ok' | 'missing' }
  /** A walk ended: find's exit status. */
  | { kind: 'walk-end'; target: number; status: number }
  | MetaRecord
  | { kind: 'device'; path: ByteString; device: string }
  | { kind: 'hash'; path: ByteString; sha256: string }
  /** A file the host could not hash, with the host's own reason (gone, not regular, not readable). */
  | { kind: 'unhashed'; path: ByteString; reason: string }
  /** getfattr: every extended attribute of one entry (name as getfattr prints it, value hex). */
  | { kind: 'xattrs'; path: ByteString; attrs: [string, string][] }
  /** getfacl --skip-base: the ACL entries of one entry that has more than the base ACL. */
  | { kind: 'acl'; path: ByteString; acl: string }
  | { kind: 'caps'; path: ByteString; caps: string }
  /** lsattr: the flag letters set ('' for none). */
  | { kind: 'flags'; path: ByteString; flags: string }
  | { kind: 'content'; path: ByteString; bytes: Buffer | null }
  /** The perl reader answered for this entry (a K record), whatever it found: the pass is counted. */
  | { kind: 'attributes-read'; path: ByteString }
  | { kind: 'end' };

const HEX_TYPES: Record<number, EntryType> = {
  0o100000: 'file', 0o040000: 'directory', 0o120000: 'symlink', 0o060000: 'block', 0o020000: 'char', 0o010000: 'fifo', 0o140000: 'socket',
};
const TYPES: Record<string, EntryType> = {
  f: 'file', d: 'directory', l: 'symlink', b: 'block', c: 'char', p: 'fifo', s: 'socket', D: 'unknown',
};

// A field longer than this is not a path (PATH_MAX is 4096) nor anything else the script prints;
// the text of a batch (X, L) may hold up to this much per name.
const MAX_FIELD = 65536;
const MAX_NAMES = 1 << 20;
/** Fixed field counts; -1: a section of lines up to a NUL; other tags are handled specially. */
const FIELDS: Record<string, number> = { V: 1, P: 2, T: 2, W: 2, E: 13, D: 2, N: 2, F: 2, C: 2, K: 3, Z: 0, U: -1, G: -1, H: -1 };
const SPECIAL = new Set(['X', 'L', 'A', 'O']);
const HEX64 = /^[0-9a-f]{64}$/;
const DECIMAL = /^[0-9]+$/;
const TIME = /^(-?[0-9]+)(?:\.([0-9]+))?$/;
const MODE = /^[0-7]{1,4}$/;
const NUL = 0x00;
const LF = 0x0a;

export class RecordParser {
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private limit = MAX_FIELD;
  private fields: string[] = [];
  private tag: string | null = null;
  /** Field count the current record needs (grows for X and L once N is known). */
  private want = 0;
  /** Inside a section of lines: which one. */
  private lines: 'U' | 'G' | 'H' | 'A' | 'O' | null = null;
  private section = '';
  private block: { path: ByteString; items: string[] } | null = null;
  private content: Buffer[] = [];
  private sawVersion = false;
  private ended = false;
  private offset = 0;

  /** `raw`: takes an entry without strings made (RawEntry); false to have it as a MetaRecord. */
  constructor(
    private readonly emit: (record: ScanRecordEvent) => void,
    private readonly raw?: (entry: RawEntry) => boolean,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    let nextNul = -2;
    while (start < chunk.length) {
      if (this.ended) throw new ScanStreamError(`data after the end record at byte ${this.offset + start}`);
      // Fast paths for the bulk of a stream (entries and hash lines wholly inside this chunk);
      // anything unusual, including every error, takes the general path below.
      if (this.pendingLength === 0 && this.sawVersion) {
        if (this.tag === null && this.lines === null && chunk[start] === 0x45 && chunk[start + 1] === NUL) {
          const next = this.fastEntry(chunk, start);
          if (next !== -1) {
            start = next;
            continue;
          }
        } else if (this.lines === 'H') {
          const next = this.fastHashLine(chunk, start);
          if (next !== -1) {
            start = next;
            continue;
          }
        }
      }
      if (nextNul !== -1 && nextNul < start) nextNul = chunk.indexOf(NUL, start);
      let stop = nextNul;
      let endOfSection = true;
      if (this.lines !== null) {
        const lf = chunk.indexOf(LF, start);
        if (lf !== -1 && (nextNul === -1 || lf < nextNul)) {
          stop = lf;
          endOfSection = false;
        }
      }
      if (stop === -1) {
        this.keep(chunk.subarray(start));
        break;
      }
      const piece = this.take(chunk.subarray(start, stop));
      start = stop + 1;
      if (this.lines !== null) {
        if (piece.length > 0 || !endOfSection) this.line(piece);
        if (endOfSection) this.endLines();
      } else this.field(piece);
    }
    this.offset += chunk.length;
  }

  /** An E record wholly in `chunk` at `start`: emitted, and the index after it; -1 to take the general path. */
  private fastEntry(chunk: Buffer, start: number): number {
    const at = FAST_AT;
    let pos = start + 2;
    const end = chunk.length;
    for (let k = 0; k < 13; k++) {
      // Fields are short: a loop finds their end faster than a native indexOf call each.
      let nul = pos;
      while (nul < end && chunk[nul] !== NUL) nul++;
      if (nul === end || nul - pos > MAX_FIELD) return -1;
      at[k] = pos;
      pos = nul + 1;
    }
    at[13] = pos;
    // Field k spans at[k] .. at[k + 1] - 1 (its NUL).
    const target = digits(chunk, at[0]!, at[1]! - 1);
    const type = at[3]! - at[2]! === 2 ? BYTE_TYPES[chunk[at[2]!]!] : undefined;
    const modeValue = octal(chunk, at[3]!, at[4]! - 1);
    const uid = digits(chunk, at[4]!, at[5]! - 1);
    const gid = digits(chunk, at[5]!, at[6]! - 1);
    const size = digits(chunk, at[6]!, at[7]! - 1);
    const nlink = digits(chunk, at[10]!, at[11]! - 1);
    if (target < 0 || !type || modeValue < 0 || uid < 0 || gid < 0 || size < 0 || nlink < 0 || digits(chunk, at[9]!, at[10]! - 1) < 0) return -1;
    if (chunk[at[1]!] !== 0x2f) return -1; // not absolute: the general path says so
    if (this.raw && rawTime(chunk, at[7]!, at[8]! - 1)) {
      const r = RAW;
      r.mtimeS = RAW_S;
      r.mtimeN = RAW_N;
      if (rawTime(chunk, at[8]!, at[9]! - 1)) {
        r.ctimeS = RAW_S;
        r.ctimeN = RAW_N;
        r.chunk = chunk;
        r.at = at;
        r.target = target;
        r.type = type;
        r.mode = modeValue;
        r.uid = uid;
        r.gid = gid;
        r.size = size;
        r.nlink = nlink;
        r.inode = digits(chunk, at[9]!, at[10]! - 1);
        if (this.raw(r)) return at[13]!;
      }
    }
    const mtime = fastTime(chunk, at[7]!, at[8]! - 1);
    const ctime = fastTime(chunk, at[8]!, at[9]! - 1);
    if (mtime === null || ctime === null) return -1;
    this.emit({
      kind: 'entry',
      target,
      path: chunk.toString('latin1', at[1]!, at[2]! - 1),
      type,
      mode: modeString(modeValue),
      uid,
      gid,
      size,
      mtime,
      ctime,
      inode: chunk.toString('latin1', at[9]!, at[10]! - 1),
      nlink,
      link: type === 'symlink' ? chunk.toString('latin1', at[11]!, at[12]! - 1) : null,
      device: null,
      error: at[13]! - 1 > at[12]! ? utf8(chunk.toString('latin1', at[12]!, at[13]! - 1)) : null,
    });
    return at[13]!;
  }

  /** A plain hash line wholly in `chunk` ("<64 hex> *PATH" or "<64 hex>  PATH"); -1 for the general path. */
  private fastHashLine(chunk: Buffer, start: number): number {
    // The newline, by a loop (faster than native indexOf calls for a short line). A NUL before it
    // ends the section: the general path handles it.
    const end = chunk.length;
    let lf = start;
    while (lf < end && chunk[lf] !== LF && chunk[lf] !== NUL) lf++;
    if (lf === end || chunk[lf] !== LF || lf - start < 67 || lf - start > MAX_FIELD) return -1;
    for (let i = start; i < start + 64; i++) if (!HEX_BYTE[chunk[i]!]) return -1;
    if (chunk[start + 64] !== 0x20 || (chunk[start + 65] !== 0x2a && chunk[start + 65] !== 0x20) || chunk[start + 66] !== 0x2f) return -1;
    this.emit({ kind: 'hash', path: chunk.toString('latin1', start + 66, lf), sha256: chunk.toString('latin1', start, start + 64) });
    return lf + 1;
  }

  /** Bytes of the host's output before the stream began (skipped), so that offsets in messages count the host's whole output. */
  skipped(n: number): void {
    this.offset += n;
  }

  /** The stream is over: it must have ended with the end record. */
  end(): void {
    if (!this.ended) {
      const where = this.lines ? `inside a '${this.lines}' section` : this.tag ? `inside a '${this.tag}' record` : 'before the end record';
      throw new ScanStreamError(`truncated ${where} after ${this.offset} bytes`);
    }
  }

  private keep(part: Buffer): void {
    this.pendingLength += part.length;
    if (this.pendingLength > this.limit) throw new ScanStreamError(`a field longer than ${this.limit} bytes at byte ${this.offset}`);
    this.pending.push(Buffer.from(part));
  }

  private take(tail: Buffer): Buffer {
    if (this.pendingLength === 0) {
      if (tail.length > this.limit) throw new ScanStreamError(`a field longer than ${this.limit} bytes`);
      return tail;
    }
    if (this.pendingLength + tail.length > this.limit) throw new ScanStreamError(`a field longer than ${this.limit} bytes`);
    const whole = Buffer.concat([...this.pending, tail]);
    this.pending = [];
    this.pendingLength = 0;
    return whole;
  }

  private field(raw: Buffer): void {
    if (this.tag === null) {
      const tag = raw.toString('latin1');
      if (!Object.hasOwn(FIELDS, tag) && !SPECIAL.has(tag)) throw new ScanStreamError(`unknown record tag ${JSON.stringify(tag.slice(0, 20))} at byte ${this.offset}`);
      if (!this.sawVersion && tag !== 'V') throw new ScanStreamError('the stream does not start with a version record');
      this.fields = [];
      const n = FIELDS[tag];
      if (n === -1) {
        this.lines = tag as 'U' | 'G' | 'H';
        return;
      }
      this.tag = tag;
      // X: IDX N NAMES... TEXT FLAGS; L: STATUS N NAMES... TEXT; A: KIND, then lines; O: PATH, lines, STATUS.
      this.want = n ?? (tag === 'X' || tag === 'L' ? 2 : 1);
      if (this.want === 0) this.record(tag, this.fields);
      return;
    }
    this.fields.push(raw.toString('latin1'));
    const tag = this.tag;
    if (this.fields.length === this.want) {
      if (tag === 'X' && this.want === 2) return this.sized(int(this.fields[1]!, 'name count'), 2);
      if (tag === 'L' && this.want === 2) return this.sized(int(this.fields[1]!, 'name count'), 2);
      if (tag === 'A' && this.fields.length === 1) {
        const kind = this.fields[0]!;
        if (kind !== 'xattrs' && kind !== 'acl' && kind !== 'flags') throw new ScanStreamError(`unknown attribute section ${JSON.stringify(kind.slice(0, 20))}`);
        this.tag = null;
        this.section = kind;
        this.lines = 'A';
        return;
      }
      if (tag === 'O' && this.fields.length === 1) {
        this.section = path(this.fields[0]!);
        this.content = [];
        this.tag = null;
        this.lines = 'O';
        return;
      }
      this.limit = MAX_FIELD;
      this.record(tag, this.fields);
    } else if (tag === 'K' && this.fields.length === 2) {
      // An entry's extended attributes, in hex: a file system may hold up to 64 KiB per value.
      this.limit = MAX_FIELD * 64;
    } else if ((tag === 'X' || tag === 'L') && this.want > 2 && this.fields.length === this.want - (tag === 'X' ? 2 : 1)) {
      // The names are in; the batch text may be long: a line per name.
      this.limit = MAX_FIELD * (this.want - (tag === 'X' ? 4 : 3));
    }
  }

  private sized(n: number, head: number): void {
    if (n < 1 || n > MAX_NAMES) throw new ScanStreamError(`bad name count ${n}`);
    this.want = head + n + (this.tag === 'X' ? 2 : 1);
  }

  private record(tag: string, f: string[]): void {
    this.tag = null;
    switch (tag) {
      case 'V':
        if (f[0] !== PROTOCOL_VERSION) throw new ScanStreamError(`protocol version ${f[0]} (this console speaks ${PROTOCOL_VERSION})`);
        this.sawVersion = true;
        return;
      case 'P':
        return this.emit({ kind: 'fact', key: f[0]!, value: utf8(f[1]!) });
      case 'T': {
        const state = f[1];
        if (state !== 'ok' && state !== 'missing') throw new ScanStreamError(`bad target state ${state}`);
        return this.emit({ kind: 'target', target: int(f[0]!, 'target index'), state });
      }
      case 'W':
        return this.emit({ kind: 'walk-end', target: int(f[0]!, 'target index'), status: int(f[1]!, 'walk status') });
      case 'E':
        return this.emit(fromFind(f));
      case 'X':
        return this.batchStat(f);
      case 'L':
        return this.batchFlags(f);
      case 'D':
        if (!/^[0-9a-f]{1,16}:[0-9a-f]{1,16}$/.test(f[1]!)) throw new ScanStreamError(`bad device numbers ${f[1]}`);
        return this.emit({ kind: 'device', path: path(f[0]!), device: hexDevice(f[1]!) });
      case 'N':
        return this.emit({ kind: 'hash', path: path(f[0]!), sha256: sha(f[1]!) });
      case 'F':
        if (!f[1]) throw new ScanStreamError('a file not hashed without a reason');
        return this.emit({ kind: 'unhashed', path: path(f[0]!), reason: utf8(f[1]) });
      case 'C':
        return this.emit({ kind: 'caps', path: path(f[0]!), caps: canonicalCaps(f[1]!) });
      case 'K':
        return this.attributes(f);
      case 'o': {
        // The status after the content lines: 0 when od read the file.
        const bytes = f[0] === '0' ? Buffer.concat(this.content) : null;
        this.content = [];
        return this.emit({ kind: 'content', path: this.section, bytes });
      }
      case 'Z':
        this.ended = true;
        return this.emit({ kind: 'end' });
    }
  }

  // K PATH FLAGS XATTRS (the perl reader): lsattr's letters ("?": not read) and HEXNAME=HEXVALUE
  // pairs, given as getfattr and lsattr would give them, so that either reader yields the same entry.
  private attributes(f: string[]): void {
    const name = path(f[0]!);
    this.emit({ kind: 'attributes-read', path: name });
    if (f[2]) {
      const attrs = f[2].split(' ').map((pair): [string, string] => {
        const m = /^((?:[0-9a-f]{2})+)=((?:[0-9a-f]{2})*)$/.exec(pair);
        if (!m) throw new ScanStreamError(`bad extended attribute ${JSON.stringify(pair.slice(0, 80))}`);
        return [escapeAttrName(Buffer.from(m[1]!, 'hex').toString('latin1')), m[2]!];
      });
      this.emit({ kind: 'xattrs', path: name, attrs });
    }
    if (f[1] !== '?') this.emit({ kind: 'flags', path: name, flags: canonicalFlags(f[1]!) });
  }

  // X IDX N NAME... TEXT FLAGS: `stat -c '%f %u %g %s %Y %y %Z %z %i %h %t %T %N'`, a line per
  // name (or, for one name, the whole text), and a readability letter per name.
  private batchStat(f: string[]): void {
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
    for (let i = 0; i < n; i++) this.emit(fromStat(target, path(names[i]!), lines[i]!, flags[i] === 'r'));
  }

  // L STATUS N NAME... TEXT: `lsattr -d`, "FLAGS NAME\n" per name it could read, in order. With
  // status 0 there is one for every name, and each is taken exactly (a name may hold a newline);
  // otherwise no name holds a newline and the lines are a subsequence of the names.
  private batchFlags(f: string[]): void {
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
        this.emit({ kind: 'flags', path: name, flags: canonicalFlags(flags) });
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
        this.emit({ kind: 'flags', path: name, flags: canonicalFlags(line.slice(0, sp)) });
        next++;
      }
      return;
    }
    if (at !== text.length) throw new ScanStreamError('lsattr output after the last name');
  }

  private line(raw: Buffer): void {
    switch (this.lines) {
      case 'H':
        return this.hashLine(raw.toString('latin1'));
      case 'U':
      case 'G': {
        // name:password:id:... from the passwd and group databases; the first name of an id wins.
        const line = raw.toString('latin1');
        const parts = line.split(':');
        if (parts.length >= 3 && parts[0] && DECIMAL.test(parts[2]!)) {
          this.emit({ kind: this.lines === 'U' ? 'user' : 'group', id: Number(parts[2]), name: utf8(parts[0]) });
        }
        return;
      }
      case 'A':
        if (this.section === 'flags') return this.flagsLine(raw.toString('latin1'));
        return this.attrLine(raw.toString('latin1'));
      case 'O':
        this.content.push(hexBytes(raw));
        return;
    }
  }

  private endLines(): void {
    const was = this.lines;
    this.lines = null;
    if (was === 'A') this.flushBlock();
    if (was === 'O') {
      // The status field follows (an internal tag: never read from the stream).
      this.tag = 'o';
      this.fields = [];
      this.want = 1;
    }
  }

  // lsattr -d run on names without a newline: "FLAGS NAME" per name it could read. The flags
  // are one word of letters and dashes, so the name is all after the first space.
  private flagsLine(line: string): void {
    const sp = line.indexOf(' ');
    if (sp < 1 || sp === line.length - 1 || line.charCodeAt(sp + 1) !== 0x2f) throw new ScanStreamError(`bad lsattr line ${JSON.stringify(line.slice(0, 80))}`);
    this.emit({ kind: 'flags', path: path(line.slice(sp + 1)), flags: canonicalFlags(line.slice(0, sp)) });
  }

  // getfattr -d -e hex / getfacl: "# file: NAME" (escaped), then lines, then an empty line.
  private attrLine(line: string): void {
    if (line.startsWith('# file: ')) {
      this.flushBlock();
      this.block = { path: path(unescapeName(line.slice(8))), items: [] };
      return;
    }
    if (line === '') return this.flushBlock();
    if (!this.block) throw new ScanStreamError(`an attribute line outside a file block: ${JSON.stringify(line.slice(0, 80))}`);
    if (line.startsWith('#')) return; // getfacl's owner, group and flags comments
    this.block.items.push(line);
  }

  private flushBlock(): void {
    const b = this.block;
    if (!b) return;
    this.block = null;
    if (this.section === 'acl') {
      if (b.items.length) this.emit({ kind: 'acl', path: b.path, acl: b.items.join(',') });
      return;
    }
    const attrs: [string, string][] = b.items.map((item) => {
      const eq = item.indexOf('=');
      if (eq === -1) return [item, ''];
      const v = item.slice(eq + 1);
      if (!/^0x[0-9a-f]*$/i.test(v)) throw new ScanStreamError(`bad extended attribute value ${JSON.stringify(item.slice(0, 80))}`);
      return [item.slice(0, eq), v.slice(2).toLowerCase()];
    });
    this.emit({ kind: 'xattrs', path: b.path, attrs });
  }

  // "<sha256> *PATH" (openssl -r, sha256sum -b), "<sha256>  PATH" (sha256sum), or GNU's escaped
  // form "\<sha256>  PATH" with \\ and \n in PATH; "!REASON *PATH" for a file the host's hash
  // worker could not open (REASON has no "*": the host's strerror text).
  private hashLine(line: string): void {
    if (line.startsWith('!')) {
      const sep = line.indexOf(' */');
      if (sep < 2) throw new ScanStreamError(`bad hash error line ${JSON.stringify(line.slice(0, 80))}`);
      this.emit({ kind: 'unhashed', path: path(line.slice(sep + 2)), reason: utf8(line.slice(1, sep)) });
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

/** E IDX PATH TYPE MODE UID GID SIZE MTIME CTIME INODE NLINK LINK ERROR (GNU find -printf). */
function fromFind(f: string[]): MetaRecord {
  const type = TYPES[f[2]!];
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
    link: type === 'symlink' ? f[11]! : null,
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
  let link: string | null = null;
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
function linkTarget(name: string, quoted: string): string | null {
  const gnu = `${name} -> `;
  const bb = `'${name}' -> '`;
  if (quoted.startsWith(bb) && quoted.endsWith("'") && quoted.length > bb.length) return quoted.slice(bb.length, -1);
  if (quoted.startsWith(gnu)) return quoted.slice(gnu.length);
  return null;
}

/** %Y (whole seconds) and the fraction of %y's "HH:MM:SS.NNNNNNNNN". */
function statTime(seconds: string, clock: string): string {
  if (!/^-?[0-9]+$/.test(seconds)) throw new ScanStreamError(`bad time ${JSON.stringify(seconds)}`);
  const dot = clock.indexOf('.');
  const frac = dot === -1 ? '' : clock.slice(dot + 1);
  if (!/^[0-9]*$/.test(frac)) throw new ScanStreamError(`bad time ${JSON.stringify(clock)}`);
  return `${seconds}.${(frac + '000000000').slice(0, 9)}`;
}

/** Seconds with nine fraction digits, whatever the host printed (GNU find prints ten). */
function time(s: string, what: string): string {
  const m = TIME.exec(s);
  if (!m) throw new ScanStreamError(`bad ${what} ${JSON.stringify(s)}`);
  return `${m[1]}.${((m[2] ?? '') + '000000000').slice(0, 9)}`;
}

/** "major:minor" in decimal from hex (at most 64 bits each, checked by the caller), exact: BigInt, not a float. */
function hexDevice(s: string): string {
  return s.split(':').map((h) => BigInt(`0x${h}`).toString()).join(':');
}

/** getfattr and getfacl escape a name's control characters, and backslash, as \ooo (getfacl: \\). */
export function unescapeName(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(/\\([0-7]{3}|\\)/g, (_m, x: string) => (x === '\\' ? '\\' : String.fromCharCode(parseInt(x, 8) & 0xff)));
}

/** An attribute name as getfattr prints it: backslash, '=', CR and LF as \ooo, all else as it is. */
export function escapeAttrName(s: string): string {
  return s.replace(/[\\=\r\n]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

function hexBytes(raw: Buffer): Buffer {
  const text = raw.toString('latin1').replace(/\s+/g, '');
  if (!/^([0-9a-f]{2})*$/i.test(text)) throw new ScanStreamError(`bad content line ${JSON.stringify(text.slice(0, 80))}`);
  return Buffer.from(text, 'hex');
}

// lsattr letters that describe layout rather than protection: extents, indexed directory,
// inline data, huge file. They change as a file grows and differ between file systems.
const LAYOUT_FLAGS = new Set(['e', 'I', 'N', 'h']);

const FLAGS = new Map<string, string>();

export function canonicalFlags(field: string): string {
  const known = FLAGS.get(field);
  if (known !== undefined) return known;
  if (!/^[-A-Za-z]+$/.test(field)) throw new ScanStreamError(`bad lsattr flags ${JSON.stringify(field.slice(0, 40))}`);
  const flags = [...new Set(field.replace(/-/g, ''))].filter((c) => !LAYOUT_FLAGS.has(c)).sort().join('');
  if (FLAGS.size < 1000) FLAGS.set(field, flags);
  return flags;
}

/**
 * getcap's text after the name (" cap_a,cap_b=ep" from libcap 2.x, " = cap_a+ep" from older
 * ones) as one canonical form: capabilities grouped by their flags, e.g. "cap_net_raw=ep".
 */
export function canonicalCaps(text: string): string {
  let t = text.trim();
  if (t.startsWith('= ')) t = t.slice(2).trim();
  const sets = new Map<string, Set<string>>();
  for (const clause of t.split(/\s+/).filter(Boolean)) {
    const m = /^([a-z0-9_,]*)((?:[=+-][eip]*)+)$/i.exec(clause);
    if (!m) return t; // not a form we know: keep the host's text as it is
    const caps = m[1] ? m[1].toLowerCase().split(',').filter(Boolean) : ['all'];
    for (const op of m[2]!.match(/[=+-][eip]*/gi)!) {
      const flags = op.slice(1).toLowerCase();
      for (const c of caps) {
        const s = sets.get(c) ?? new Set<string>();
        if (op[0] === '=') s.clear();
        for (const f of flags) {
          if (op[0] === '-') s.delete(f);
          else s.add(f);
        }
        sets.set(c, s);
      }
    }
  }
  const byFlags = new Map<string, string[]>();
  for (const [cap, s] of sets) {
    if (!s.size) continue;
    const flags = ['e', 'i', 'p'].filter((f) => s.has(f)).join('');
    byFlags.set(flags, [...(byFlags.get(flags) ?? []), cap]);
  }
  return [...byFlags.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([flags, caps]) => `${caps.sort().join(',')}=${flags}`)
    .join(' ');
}

const FAST_AT = new Int32Array(14);
const BYTE_TYPES: (EntryType | undefined)[] = [];
for (const [letter, type] of Object.entries(TYPES)) BYTE_TYPES[letter.charCodeAt(0)] = type;
const HEX_BYTE = new Uint8Array(256);
for (const c of '0123456789abcdef') HEX_BYTE[c.charCodeAt(0)] = 1;
const MODES: string[] = [];

/** A decimal field as a number, or -1 (empty, not digits, or beyond 2^53). */
function digits(b: Buffer, from: number, to: number): number {
  if (to <= from || to - from > 15) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = b[i]! - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

function octal(b: Buffer, from: number, to: number): number {
  if (to <= from || to - from > 4) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = b[i]! - 0x30;
    if (d < 0 || d > 7) return -1;
    n = n * 8 + d;
  }
  return n;
}

/** Four octal digits, one shared string per mode. */
function modeString(m: number): string {
  return (MODES[m] ??= m.toString(8).padStart(4, '0'));
}

/** "SECONDS.FRACTION" (GNU find's ten digits, or any) as seconds with nine fraction digits; null otherwise. */
function fastTime(b: Buffer, from: number, to: number): string | null {
  let dot = -1;
  for (let i = from; i < to; i++) {
    const c = b[i]!;
    if (c === 0x2e && dot === -1 && i > from) dot = i;
    else if (c < 0x30 || c > 0x39) return null;
  }
  if (dot === -1) return to > from ? b.toString('latin1', from, to) + '.000000000' : null;
  const frac = to - dot - 1;
  if (frac === 0) return null;
  if (frac >= 9) return b.toString('latin1', from, dot + 10);
  return b.toString('latin1', from, to) + '000000000'.slice(frac);
}

const RAW: RawEntry = {
  chunk: Buffer.alloc(0), at: FAST_AT, target: 0, type: 'file', mode: 0, uid: 0, gid: 0, size: 0, nlink: 0, inode: 0,
  mtimeS: 0, mtimeN: 0, ctimeS: 0, ctimeN: 0,
};
let RAW_S = 0;
let RAW_N = 0;
/**
 * A time as fastTime reads it, into RAW_S and RAW_N, when the entry table keeps it as numbers
 * (EntryTable's parseTime: no leading zero, seconds up to 2^32 - 1); false for any other form.
 */
function rawTime(b: Buffer, from: number, to: number): boolean {
  let s = 0;
  let i = from;
  for (; i < to && b[i] !== 0x2e; i++) {
    const d = b[i]! - 0x30;
    if (d < 0 || d > 9) return false;
    s = s * 10 + d;
  }
  const digitsBefore = i - from;
  if (digitsBefore < 1 || digitsBefore > 15 || (b[from] === 0x30 && digitsBefore > 1) || s > 0xffffffff) return false;
  let n = 0;
  if (i < to) {
    if (i + 1 === to) return false;
    // Nine fraction digits: fewer are padded, more cut (GNU find prints ten).
    for (let k = 0, j = i + 1; k < 9; k++, j++) {
      if (j >= to) {
        n *= 10;
        continue;
      }
      const d = b[j]! - 0x30;
      if (d < 0 || d > 9) return false;
      n = n * 10 + d;
    }
    for (let j = i + 10; j < to; j++) if (b[j]! < 0x30 || b[j]! > 0x39) return false;
  }
  RAW_S = s;
  RAW_N = n;
  return true;
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
