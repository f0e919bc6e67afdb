// Fuzzing the scanner stream parser: random and mutated streams (a valid one with bytes flipped,
// inserted, deleted, repeated or cut), fed in random chunks to the parser and the entry table, must
// either parse or fail with ScanStreamError, never with another exception. Used by the unit test
// (fixed seed, bounded count) and by `npm run bench -- --fuzz N` (bench/fuzz.ts, a longer run).
import { EntryTable } from '../../src/main/scanner/entry-table.js';
import { ScanStreamError } from '../../src/main/scanner/protocol.js';
import { RecordParser } from '../../src/main/scanner/record-parser.js';
import { seededRandom } from './seeded-random.js';
import { E, f, STREAM, V } from './scanner-stream.js';

/** Bytes that matter to the protocol: separators, record tags, digits, signs, escapes. */
const INTERESTING = Buffer.from('\0\n\\ -.:0123456789EPUGTWXNOAHCLKDVZSfdl\xff', 'latin1');

const BASES = [
  STREAM,
  // Entries that take the parser's fast path, with edge numbers.
  V + f('T', '0', 'ok') + E('/t', { type: 'd', mode: '755' }) + E('/t/big', { inode: '18446744073709551615', size: '9007199254740993' }) + E('/t/a', { nlink: '4294967296' }) + f('W', '0', '0') + f('Z'),
];

export interface FuzzOutcome {
  parsed: number;
  refused: number;
}

function mutate(random: () => number, input: Buffer): Buffer {
  let bytes = Buffer.from(input);
  const count = 1 + Math.floor(random() * 8);
  const at = () => Math.floor(random() * (bytes.length + 1));
  const byte = () => (random() < 0.6 ? INTERESTING[Math.floor(random() * INTERESTING.length)]! : Math.floor(random() * 256));
  for (let i = 0; i < count; i++) {
    const r = random();
    const p = at();
    if (r < 0.3 && bytes.length) bytes[Math.min(p, bytes.length - 1)] = byte();
    else if (r < 0.5) bytes = Buffer.concat([bytes.subarray(0, p), Buffer.from([byte()]), bytes.subarray(p)]);
    else if (r < 0.7) bytes = Buffer.concat([bytes.subarray(0, p), bytes.subarray(Math.min(bytes.length, p + 1 + Math.floor(random() * 16)))]);
    else if (r < 0.85) {
      const q = Math.min(bytes.length, p + Math.floor(random() * 64));
      bytes = Buffer.concat([bytes.subarray(0, q), bytes.subarray(p, q), bytes.subarray(q)]);
    } else bytes = bytes.subarray(0, p);
  }
  return bytes;
}

function randomStream(random: () => number): Buffer {
  const length = Math.floor(random() * 512);
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = random() < 0.5 ? INTERESTING[Math.floor(random() * INTERESTING.length)]! : Math.floor(random() * 256);
  // Often behind a valid version record, so the parser gets past the first check.
  return random() < 0.7 ? Buffer.concat([Buffer.from(V, 'latin1'), out]) : out;
}

function chunks(random: () => number, bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; ) {
    const size = random() < 0.2 ? 1 : 1 + Math.floor(random() * 200);
    out.push(bytes.subarray(i, i + size));
    i += size;
  }
  return out;
}

/** Parses one stream as a scan does (raw entries into the table, or records); returns whether it was accepted. */
function parseOnce(input: Buffer[], raw: boolean): boolean {
  // As collect.ts takes them: entries of a walk the plan has into the table, others refused.
  const walks = 2;
  const table = new EntryTable(true);
  const parser = new RecordParser(
    (r) => {
      if (r.kind === 'entry' && r.target < walks) table.add(r);
    },
    raw
      ? (entry) => {
          if (entry.target >= walks) return false;
          table.addRaw(entry);
          return true;
        }
      : undefined,
  );
  try {
    for (const c of input) parser.push(c);
    parser.end();
    return true;
  } catch (err) {
    if (err instanceof ScanStreamError) return false;
    throw err;
  }
}

/** Runs `count` cases from `seed`; throws (with the case to replay) on any exception but ScanStreamError. */
export function fuzzRecordParser(seed: number, count: number): FuzzOutcome {
  const random = seededRandom(seed);
  const outcome: FuzzOutcome = { parsed: 0, refused: 0 };
  for (let i = 0; i < count; i++) {
    const base = Buffer.from(BASES[Math.floor(random() * BASES.length)]!, 'latin1');
    const bytes = random() < 0.15 ? randomStream(random) : mutate(random, base);
    const input = chunks(random, bytes);
    const raw = random() < 0.5;
    try {
      if (parseOnce(input, raw)) outcome.parsed++;
      else outcome.refused++;
    } catch (err) {
      throw new Error(`case ${i} of seed ${seed} (${raw ? 'raw' : 'records'}, stream ${bytes.toString('hex')}): ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`, { cause: err });
    }
  }
  return outcome;
}
