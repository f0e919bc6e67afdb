// Text for people, shared by the CLI, the alert emails and the console: local dates in ISO 8601
// with their zone offset, and what a mode change means in words.

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

/**
 * A time in the local zone of this process (or browser), ISO 8601 with its offset:
 * `2026-12-06T03:02:46+01:00`. Takes an ISO string, or seconds since the epoch with the host's
 * fraction (`"1796515366.201749970"`), whose digits are all kept (`…:46.201749970+01:00`).
 * Anything else is returned as it is.
 */
export function localTime(value: string | number): string {
  const text = String(value);
  const epoch = /^(-?\d+)(?:\.(\d+))?$/.exec(text);
  const date = epoch ? new Date(Number(epoch[1]) * 1000) : new Date(text);
  if (Number.isNaN(date.getTime())) return text;
  const fraction = epoch?.[2] && /[1-9]/.test(epoch[2]) ? `.${epoch[2]}` : '';
  const offset = -date.getTimezoneOffset();
  const zone = `${offset < 0 ? '-' : '+'}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}${fraction}${zone}`
  );
}

const SPECIAL_BITS: [bit: number, name: string][] = [
  [0o4000, 'setuid'],
  [0o2000, 'setgid'],
  [0o1000, 'sticky'],
];
const CLASSES: [shift: number, who: string][] = [
  [6, 'owner'],
  [3, 'group'],
  [0, 'world'],
];
const PERMISSIONS: [bit: number, what: string][] = [
  [4, 'readable'],
  [2, 'writable'],
  [1, 'executable'],
];

/**
 * What changed between two modes (octal text such as "0755" and "4755"), in words: "setuid added",
 * "group-writable added", "world-readable removed"… Execute bits turned on (or off) in every class
 * at once read "executable added" (or removed). Empty when either is not an octal mode.
 */
export function modeChanges(from: unknown, to: unknown): string[] {
  if (typeof from !== 'string' || typeof to !== 'string' || !/^[0-7]{1,6}$/.test(from) || !/^[0-7]{1,6}$/.test(to)) return [];
  const a = parseInt(from, 8) & 0o7777;
  const b = parseInt(to, 8) & 0o7777;
  const out: string[] = [];
  const say = (bit: number, name: string) => {
    if ((a & bit) !== (b & bit)) out.push(`${name} ${b & bit ? 'added' : 'removed'}`);
  };
  for (const [bit, name] of SPECIAL_BITS) say(bit, name);
  const allX = 0o111;
  const wholeX = (a & allX) !== (b & allX) && ((a & allX) === 0 || (b & allX) === 0) && ((a | b) & allX) === allX;
  if (wholeX) out.push(`executable ${b & allX ? 'added' : 'removed'}`);
  for (const [shift, who] of CLASSES) {
    for (const [bit, what] of PERMISSIONS) if (!(wholeX && bit === 1)) say(bit << shift, `${who}-${what}`);
  }
  return out;
}

/** Bytes in binary units: "512 B", "45.6 MiB". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** A duration as people read it: "0.4 s", "12.0 s", "3 min 05 s". */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${String(Math.floor(s % 60)).padStart(2, '0')} s`;
}

const count = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/**
 * What a server of a scan or baseline has done so far (its `scan/progress` counters):
 * "12,345 entries read, 1,024 files hashed (45.6 MiB)". Empty before anything is read.
 */
export function progressCounts(p: { entries?: number; hashed?: number; bytes?: number; status?: string }): string {
  const parts: string[] = [];
  if (p.entries !== undefined) parts.push(`${count(p.entries, 'entry', 'entries')} ${p.status === 'running' ? 'read' : 'recorded'}`);
  if (p.hashed !== undefined) parts.push(`${count(p.hashed, 'file')} hashed${p.bytes !== undefined ? ` (${formatBytes(p.bytes)})` : ''}`);
  return parts.join(', ');
}
