// The canonical time of an entry: seconds since the epoch and nine fraction digits
// ("1732824813.123456789"), as text in entries and as two numbers in columns and packs.

/** Parses a canonical time (SECONDS.NNNNNNNNN) into TIME_S / TIME_N; false for any other form. */
export let TIME_S = 0;
export let TIME_N = 0;
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
    TIME_S = 0;
    TIME_N = n;
    return true;
  }
  if (d - k > 15) return false;
  let v = 0;
  for (; k < d; k++) {
    const c = s.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return false;
    v = v * 10 + c;
  }
  TIME_S = neg ? -v : v;
  TIME_N = n;
  return true;
}


/** parseTime with the last text remembered: seconds `s`, nanoseconds `n` (false: not canonical, or out of range). */
export class TimeCache {
  private text = '';
  private ok = false;
  s = 0;
  n = 0;
  parse(t: string): boolean {
    if (t === this.text) return this.ok;
    this.text = t;
    this.ok = parseTime(t) && TIME_S >= 0 && TIME_S <= 0xffffffff;
    this.s = TIME_S;
    this.n = TIME_N;
    return this.ok;
  }
}
