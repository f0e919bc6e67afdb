// The one escaping rule for text shown to people (terminal, PDF, email, syslog). Anything a
// monitored server sends may be hostile, so nothing in it may move the cursor, recolour, retitle
// the terminal or reorder a line. Every character that could is written as an escape, and the
// escape character itself is escaped, so the output reads back to exactly one input:
//   \\            a backslash
//   \n \r \t      newline, carriage return, tab
//   \xHH          any other C0 control or DEL; in a name, a byte that is not valid UTF-8 (HH ≥ 80)
//   \uHHHH        a C1 control (U+0080–U+009F), a bidi control (U+061C, U+200E/F, U+202A–U+202E,
//                 U+2066–U+2069), a line or paragraph separator, or a lone UTF-16 surrogate
// Everything else, any script, is shown as it is. JSON output does not use this: it keeps the
// exact bytes (docs/formats.md).
import { byteStringFromDisplay, utf8Chunks } from './path-escape.js';

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
const NAMED: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
// C0, DEL, C1, bidi marks, embeddings, overrides and isolates, separators, lone surrogates.
const UNSAFE = /[\\\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text as people may safely see it: controls, bidi overrides and backslashes escaped (see above). */
export function visible(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return NAMED[c] ?? (code < 0x80 ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`);
  });
}

/** A name held as a byte string (one char per byte): valid UTF-8 decoded, other bytes `\xHH`. */
export function visibleBytes(byteString: string): string {
  let out = '';
  for (const chunk of utf8Chunks(byteString)) out += typeof chunk === 'number' ? `\\x${hex(chunk, 2)}` : visible(chunk);
  return out;
}

/** A path as the API carries it (docs/formats.md: `escaped` when not UTF-8), shown by the rule above. */
export function visiblePath(path: string, escaped = false): string {
  return escaped ? visibleBytes(byteStringFromDisplay(path, true)) : visible(path);
}
