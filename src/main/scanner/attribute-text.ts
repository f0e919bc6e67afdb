// The text forms of the host tools that read attributes beyond stat(2), made canonical: names as
// getfattr and getfacl escape them, lsattr's flag letters, getcap's capability text. Either
// reader of a host (the tools, or the perl reader) then yields the same value.
import { ScanStreamError } from './protocol.js';

/** getfattr and getfacl escape a name's control characters, and backslash, as \ooo (getfacl: \\). */
export function unescapeName(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(/\\([0-7]{3}|\\)/g, (_m, x: string) => (x === '\\' ? '\\' : String.fromCharCode(parseInt(x, 8) & 0xff)));
}

/** An attribute name as getfattr prints it: backslash, '=', CR and LF as \ooo, all else as it is. */
export function escapeAttrName(s: string): string {
  return s.replace(/[\\=\r\n]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
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
