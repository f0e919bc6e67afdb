// File names are bytes. Where a name must travel as text (JSON, the UI) it uses this escape:
// a name that is valid UTF-8 travels as it is; any other name is marked `escaped`, and then each
// byte that is not part of valid UTF-8 is written `\xHH` and each backslash `\\`.
// Inside the engine a name is a "byte string": one char per byte (latin1), which is exact.

// ignoreBOM: a U+FEFF in a name is part of the name (the default decoder would drop a leading one).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

export interface DisplayPath {
  path: string;
  escaped: boolean;
}

export function bytesOf(byteString: string): Uint8Array {
  const out = new Uint8Array(byteString.length);
  for (let i = 0; i < byteString.length; i++) out[i] = byteString.charCodeAt(i);
  return out;
}

function byteStringOf(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

/** The UTF-8 bytes of a name typed by a person, as a byte string. */
export function byteStringFromText(text: string): string {
  return byteStringOf(utf8Encoder.encode(text));
}

export function isAscii(byteString: string): boolean {
  return /^[\x00-\x7f]*$/.test(byteString);
}

export function displayPath(byteString: string): DisplayPath {
  if (isAscii(byteString)) return { path: byteString, escaped: false };
  const bytes = bytesOf(byteString);
  try {
    return { path: utf8.decode(bytes), escaped: false };
  } catch {
    return { path: escapeBytes(bytes), escaped: true };
  }
}

function escapeBytes(bytes: Uint8Array): string {
  let out = '';
  for (const chunk of chunksOf(bytes)) out += typeof chunk === 'number' ? '\\x' + chunk.toString(16).padStart(2, '0') : chunk.replace(/\\/g, '\\\\');
  return out;
}

/** A byte string cut into runs of valid UTF-8 (decoded) and single bytes that are not (numbers). */
export function utf8Chunks(byteString: string): (string | number)[] {
  return chunksOf(bytesOf(byteString));
}

function chunksOf(bytes: Uint8Array): (string | number)[] {
  const out: (string | number)[] = [];
  let i = 0;
  let start = 0;
  const flush = () => {
    if (i > start) out.push(utf8.decode(bytes.subarray(start, i)));
  };
  while (i < bytes.length) {
    const len = utf8SequenceLength(bytes, i);
    if (len === 0) {
      flush();
      out.push(bytes[i]!);
      start = i + 1;
      i += 1;
    } else i += len;
  }
  flush();
  return out;
}

/** Length of the valid UTF-8 sequence starting at i, or 0 if the byte there does not start one. */
function utf8SequenceLength(bytes: Uint8Array, i: number): number {
  const b = bytes[i]!;
  const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
  if (len <= 1) return len;
  if (i + len > bytes.length) return 0;
  try {
    utf8.decode(bytes.subarray(i, i + len));
    return len;
  } catch {
    return 0;
  }
}

/** The byte string a display path stands for (the inverse of displayPath). */
export function byteStringFromDisplay(path: string, escaped: boolean): string {
  if (!escaped) return byteStringFromText(path);
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    if (c === '\\' && path[i + 1] === '\\') {
      out += '\\';
      i += 1;
    } else if (c === '\\' && path[i + 1] === 'x' && /^[0-9a-f]{2}$/i.test(path.slice(i + 2, i + 4))) {
      out += String.fromCharCode(parseInt(path.slice(i + 2, i + 4), 16));
      i += 3;
    } else {
      // Whole code points: a character outside the BMP is two UTF-16 units, encoded together.
      const cp = path.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      out += byteStringFromText(ch);
      i += ch.length - 1;
    }
  }
  return out;
}
