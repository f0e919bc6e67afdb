// The path escape of src/shared/path-escape.ts: a valid UTF-8 name travels as it is, any other is
// marked escaped with \xHH for bytes outside valid UTF-8 and \\ for backslashes; the inverse
// gives back the exact bytes.
import { describe, expect, it } from 'vitest';
import { byteStringFromDisplay, byteStringFromText, bytesOf, displayPath, isAscii } from '../../../src/shared/path-escape.js';

const bs = (...bytes: number[]) => String.fromCharCode(...bytes);
const fromBuffer = (b: Buffer) => b.toString('latin1');

function roundTrip(byteString: string): void {
  const d = displayPath(byteString);
  expect(byteStringFromDisplay(d.path, d.escaped), JSON.stringify(d)).toBe(byteString);
  // The JSON form is the same path (what the CLI prints and reads back).
  const viaJson = JSON.parse(JSON.stringify(d)) as typeof d;
  expect(byteStringFromDisplay(viaJson.path, viaJson.escaped)).toBe(byteString);
}

/** A small deterministic PRNG (mulberry32), so failures reproduce. */
function prng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('displayPath', () => {
  it('keeps ASCII and valid UTF-8 names exactly, control characters and backslashes included', () => {
    for (const text of ['/etc/passwd', '/t/new\nline', '/t/tab\there', '/t/back\\slash', '/t/ünïcødé', '/t/日本語', '/t/emoji 😀', "/t/quo'te $(x) *?["]) {
      expect(displayPath(byteStringFromText(text))).toEqual({ path: text, escaped: false });
    }
  });

  it('escapes a name that is not UTF-8: \\xHH for the bad bytes, \\\\ for backslashes, the rest as text', () => {
    expect(displayPath('/t/bad' + bs(0xff) + 'byte')).toEqual({ path: '/t/bad\\xffbyte', escaped: true });
    expect(displayPath(byteStringFromText('/t/ü\\') + bs(0x80))).toEqual({ path: '/t/ü\\\\\\x80', escaped: true });
    // Truncated and overlong sequences, surrogates and code points past U+10FFFF are bytes.
    expect(displayPath(bs(0x2f, 0xc3)).path).toBe('/\\xc3');
    expect(displayPath(bs(0x2f, 0xc0, 0xaf)).path).toBe('/\\xc0\\xaf');
    expect(displayPath(bs(0x2f, 0xed, 0xa0, 0x80)).path).toBe('/\\xed\\xa0\\x80');
    expect(displayPath(bs(0x2f, 0xf4, 0x90, 0x80, 0x80)).path).toBe('/\\xf4\\x90\\x80\\x80');
  });

  it('an escaped name cannot be confused with a valid name that looks like it', () => {
    const literal = byteStringFromText('/t/bad\\xffbyte'); // a real backslash, x, f, f
    const real = '/t/bad' + bs(0xff) + 'byte';
    expect(displayPath(literal)).toEqual({ path: '/t/bad\\xffbyte', escaped: false });
    expect(displayPath(real)).toEqual({ path: '/t/bad\\xffbyte', escaped: true });
    expect(byteStringFromDisplay('/t/bad\\xffbyte', false)).toBe(literal);
    expect(byteStringFromDisplay('/t/bad\\xffbyte', true)).toBe(real);
    // Inside an escaped name, a literal "\x41" (backslash doubled) stays four characters.
    const mixed = byteStringFromText('/t/\\x41') + bs(0xfe);
    expect(displayPath(mixed)).toEqual({ path: '/t/\\\\x41\\xfe', escaped: true });
    roundTrip(mixed);
  });

  it('keeps a byte-order mark and characters outside the BMP in escaped names', () => {
    // U+FEFF (EF BB BF) next to an invalid byte: a decoder that strips BOMs would drop it.
    const bom = '/t/' + bs(0xef, 0xbb, 0xbf) + 'x' + bs(0xff);
    expect(displayPath(bom)).toEqual({ path: '/t/\uFEFFx\\xff', escaped: true });
    roundTrip(bom);
    // A leading BOM in a symlink target (displayed alone, no slash in front).
    expect(displayPath(bs(0xef, 0xbb, 0xbf) + 'target')).toEqual({ path: '\uFEFFtarget', escaped: false });
    roundTrip(bs(0xef, 0xbb, 0xbf) + 'target');
    // A 4-byte sequence (surrogate pair in JS) next to an invalid byte.
    const emoji = byteStringFromText('/t/😀') + bs(0xff);
    expect(displayPath(emoji)).toEqual({ path: '/t/😀\\xff', escaped: true });
    roundTrip(emoji);
  });

  it('round trips every single byte and every pair of bytes', () => {
    for (let a = 1; a < 256; a++) {
      roundTrip('/' + bs(a));
      for (let b = 1; b < 256; b += 1) roundTrip('/' + bs(a, b));
    }
  });

  it('round trips random byte strings (seeded)', () => {
    const rnd = prng(20251128);
    const interesting = [0x5c, 0x78, 0xff, 0xc3, 0xa9, 0xef, 0xbb, 0xbf, 0xf0, 0x9f, 0x98, 0x80, 0xe2, 0x82, 0xac, 0x0a, 0x2f, 0x41];
    for (let n = 0; n < 5000; n++) {
      const len = 1 + Math.floor(rnd() * 24);
      const bytes: number[] = [0x2f];
      for (let i = 0; i < len; i++) bytes.push(rnd() < 0.5 ? interesting[Math.floor(rnd() * interesting.length)]! : 1 + Math.floor(rnd() * 255));
      roundTrip(bs(...bytes));
    }
  });

  it('round trips random valid UTF-8 names (never escaped)', () => {
    const rnd = prng(7);
    for (let n = 0; n < 2000; n++) {
      let text = '/';
      const len = 1 + Math.floor(rnd() * 12);
      for (let i = 0; i < len; i++) {
        let cp = Math.floor(rnd() * 0x10ffff) + 1;
        if (cp >= 0xd800 && cp <= 0xdfff) cp = 0x41;
        text += String.fromCodePoint(cp);
      }
      const b = byteStringFromText(text);
      expect(displayPath(b)).toEqual({ path: text, escaped: false });
      roundTrip(b);
    }
  });

  it('bytesOf and isAscii', () => {
    expect([...bytesOf(bs(0, 0x7f, 0x80, 0xff))]).toEqual([0, 0x7f, 0x80, 0xff]);
    expect(fromBuffer(Buffer.from(bytesOf('/x' + bs(0xff))))).toBe('/x' + bs(0xff));
    expect(isAscii('/etc/x\n')).toBe(true);
    expect(isAscii('/etc/' + bs(0x80))).toBe(false);
  });
});
