// Stream parser for the scanner's record protocol (protocol.ts, docs/scanner-protocol.md). It
// reads chunks as they arrive, holds at most one unfinished field or line, and throws
// ScanStreamError on anything that is not exactly the protocol: a malformed or truncated stream
// fails the scan. It cuts the stream into records, fields and lines; record-decoders.ts gives
// them their meaning, and record-fast-path.ts reads the bulk (entries, hash lines) from bytes.
import type { ByteString } from '../model/entry.js';
import { unescapeName } from './attribute-text.js';
import { MAX_FIELD, PROTOCOL_VERSION, ScanStreamError, type RawEntry, type ScanRecordEvent } from './protocol.js';
import { decodeFlagsLine, decodeHashLine, decodeNameLine, decodeRecord, hexBytes, int, path } from './record-decoders.js';
import { fastEntry, fastHashLine } from './record-fast-path.js';

const MAX_NAMES = 1 << 20;
/** Fixed field counts; -1: a section of lines up to a NUL; other tags are handled specially. */
const FIELDS: Record<string, number> = { V: 1, P: 2, T: 2, W: 2, E: 13, D: 2, N: 2, F: 2, C: 2, K: 3, Z: 0, U: -1, G: -1, H: -1 };
const SPECIAL = new Set(['X', 'L', 'A', 'O']);
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
  /** The path of the content section (O) being read. */
  private contentPath: ByteString | null = null;
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
          const next = fastEntry(chunk, start, this.emit, this.raw);
          if (next !== -1) {
            start = next;
            continue;
          }
        } else if (this.lines === 'H') {
          const next = fastHashLine(chunk, start, this.emit);
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
        this.contentPath = path(this.fields[0]!);
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
      case 'o': {
        // The status after the content lines: 0 when od read the file.
        const bytes = f[0] === '0' ? Buffer.concat(this.content) : null;
        this.content = [];
        return this.emit({ kind: 'content', path: this.contentPath!, bytes });
      }
      case 'Z':
        this.ended = true;
        return this.emit({ kind: 'end' });
      default:
        return decodeRecord(tag, f, this.emit);
    }
  }

  private line(raw: Buffer): void {
    switch (this.lines) {
      case 'H':
        return decodeHashLine(raw.toString('latin1'), this.emit);
      case 'U':
      case 'G':
        return decodeNameLine(this.lines === 'U' ? 'user' : 'group', raw.toString('latin1'), this.emit);
      case 'A':
        if (this.section === 'flags') return decodeFlagsLine(raw.toString('latin1'), this.emit);
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
}
