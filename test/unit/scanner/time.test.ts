// The canonical time's readers (src/main/model/time.ts) agree with each other: what the stream's
// fast path reads from bytes is what the text readers make of the same field, so an entry's times
// are the same whichever path read it.
import { describe, expect, it } from 'vitest';
import { canonicalTime, COLUMN_SECONDS_MAX, formatTime, parsedTime, parseTime, timeFromBytes, timeTextFromBytes } from '../../../src/main/model/time.js';

/** Fields a host may print for a time, well-formed or not (fixed seed). */
function fields(): string[] {
  let seed = 12345;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  const out = ['0', '0.5', '00.5', '1.', '.5', '-1.5', '1732824813.1234567890', '4294967295.999999999', '4294967296.0', '999999999999999.1', '1e5', '1.2.3', ''];
  for (let k = 0; k < 5000; k++) {
    const digits = (n: number) => Array.from({ length: n }, () => '0123456789'[rnd(10)]).join('');
    let s = digits(1 + rnd(16));
    if (rnd(4) > 0) s += '.' + digits(rnd(12));
    if (rnd(20) === 0) s = '-' + s;
    if (rnd(30) === 0) s = s.slice(0, rnd(s.length + 1)) + 'x' + s.slice(rnd(s.length + 1));
    out.push(s);
  }
  return out;
}

describe('the canonical time', () => {
  it('reads from bytes as from text: the numbers where the text is canonical and fits a column', () => {
    for (const field of fields()) {
      const b = Buffer.from(`#${field}#`, 'latin1');
      const text = timeTextFromBytes(b, 1, b.length - 1);
      const fromText = text !== null && parseTime(text) && parsedTime.s >= 0 && parsedTime.s <= COLUMN_SECONDS_MAX ? { ...parsedTime } : null;
      const fromBytes = timeFromBytes(b, 1, b.length - 1) ? { ...parsedTime } : null;
      expect(fromBytes, field).toEqual(fromText);
      if (fromText) expect(formatTime(fromText.s, fromText.n), field).toBe(text);
    }
  });

  it('pads or cuts the fraction to nine digits, as the stat and find readers print it', () => {
    expect(canonicalTime('1732824813', '1234567890')).toBe('1732824813.123456789');
    expect(canonicalTime('5', '')).toBe('5.000000000');
    expect(timeTextFromBytes(Buffer.from('1732824813.1234567890'), 0, 21)).toBe('1732824813.123456789');
    expect(timeTextFromBytes(Buffer.from('12.5'), 0, 4)).toBe(canonicalTime('12', '5'));
  });

  it('takes as numbers only the canonical form, negative seconds included; keeps any other as text', () => {
    expect(parseTime('-5.000000001') && { ...parsedTime }).toEqual({ s: -5, n: 1 });
    expect(parseTime('0.000000000') && { ...parsedTime }).toEqual({ s: 0, n: 0 });
    for (const other of ['05.000000000', '-0.000000000', '1.00000000', '1.0000000000', '1234567890123456.000000000', '1', 'x.000000000']) {
      expect(parseTime(other), other).toBe(false);
    }
  });
});
