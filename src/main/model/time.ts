// The canonical time of an entry: seconds since the epoch and nine fraction digits
// ("1732824813.123456789"). Hosts print other forms (GNU find ten fraction digits, stat a clock
// with the fraction apart); they are made canonical here, as text (entries, events) or as two
// numbers, seconds and nanoseconds (the entry table's columns, the packs). Every reader of the
// form is in this module: from text, and from the bytes of the scanner's stream, where millions
// of entries are read without a string made per field.

/** Where parseTime and timeFromBytes put what they read (one struct: nothing allocated per time). */
export const parsedTime = { s: 0, n: 0 };

/** The most seconds the entry table's columns hold as a number (Uint32); a later time stays text. */
export const COLUMN_SECONDS_MAX = 0xffffffff;

const ZEROS = '000000000';

/** Seconds and a fraction as the host printed them, with nine fraction digits: fewer are padded, more cut. */
export function canonicalTime(seconds: string, fraction: string): string {
  return `${seconds}.${(fraction + ZEROS).slice(0, 9)}`;
}

/** Seconds and nanoseconds as the canonical text. */
export function formatTime(s: number, n: number): string {
  return `${s}.${String(n).padStart(9, '0')}`;
}

/**
 * A canonical time (SECONDS.NNNNNNNNN: seconds without a leading zero, at most 15 digits, maybe
 * negative) into parsedTime; false for any other form (kept as text by whoever holds it).
 */
export function parseTime(s: string): boolean {
  const d = s.length - 10;
  if (d < 1 || s.charCodeAt(d) !== 46) return false;
  let n = 0;
  for (let k = d + 1; k < s.length; k++) {
    const c = s.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return false;
    n = n * 10 + c;
  }
  let k = 0;
  const neg = s.charCodeAt(0) === 45;
  if (neg) k = 1;
  if (k >= d) return false;
  if (s.charCodeAt(k) === 48) {
    if (neg || d !== 1) return false;
    parsedTime.s = 0;
    parsedTime.n = n;
    return true;
  }
  if (d - k > 15) return false;
  let v = 0;
  for (; k < d; k++) {
    const c = s.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return false;
    v = v * 10 + c;
  }
  parsedTime.s = neg ? -v : v;
  parsedTime.n = n;
  return true;
}

/** parseTime with the last text remembered, for a column: seconds `s`, nanoseconds `n` (false: not canonical, or beyond the column). */
export class TimeCache {
  private text = '';
  private ok = false;
  s = 0;
  n = 0;
  parse(t: string): boolean {
    if (t === this.text) return this.ok;
    this.text = t;
    this.ok = parseTime(t) && parsedTime.s >= 0 && parsedTime.s <= COLUMN_SECONDS_MAX;
    this.s = parsedTime.s;
    this.n = parsedTime.n;
    return this.ok;
  }
}

/** b[from .. to) as "SECONDS.FRACTION" (GNU find's ten digits, or any) made canonical; null for any other form. */
export function timeTextFromBytes(b: Buffer, from: number, to: number): string | null {
  let dot = -1;
  for (let i = from; i < to; i++) {
    const c = b[i]!;
    if (c === 0x2e && dot === -1 && i > from) dot = i;
    else if (c < 0x30 || c > 0x39) return null;
  }
  if (dot === -1) return to > from ? b.toString('latin1', from, to) + '.' + ZEROS : null;
  const frac = to - dot - 1;
  if (frac === 0) return null;
  if (frac >= 9) return b.toString('latin1', from, dot + 10);
  return b.toString('latin1', from, to) + ZEROS.slice(frac);
}

/**
 * b[from .. to) as timeTextFromBytes reads it, into parsedTime, when that text is canonical and
 * its seconds fit a column (TimeCache: no leading zero, 0 to COLUMN_SECONDS_MAX); false otherwise.
 */
export function timeFromBytes(b: Buffer, from: number, to: number): boolean {
  let s = 0;
  let i = from;
  for (; i < to && b[i] !== 0x2e; i++) {
    const d = b[i]! - 0x30;
    if (d < 0 || d > 9) return false;
    s = s * 10 + d;
  }
  const digitsBefore = i - from;
  if (digitsBefore < 1 || digitsBefore > 15 || (b[from] === 0x30 && digitsBefore > 1) || s > COLUMN_SECONDS_MAX) return false;
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
  parsedTime.s = s;
  parsedTime.n = n;
  return true;
}
