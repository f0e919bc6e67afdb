// The `content` attribute: kept text of small files (masked before it was stored), compared as a
// unified diff. A change whose diff cannot be shown says why: binary, too large, masked, ...
//
// This is Driftwatch's one line diff: the engine stores it with the change, and alerts and the
// console show that stored diff. It writes what diff(1) writes and patch(1) applies. The `diff`
// package is not used: its patches start with a `===` separator line and always write a hunk's
// range as start,count (`@@ -1,1 +1,1 @@` where diff(1) writes `@@ -1 +1 @@`), so the diffs of new
// events would not read like diff(1)'s nor like the ones already stored.
import type { AttributeChange, EntryAttributes, FileContent } from '../../shared/domain.js';

const MAX_DIFF = 64 * 1024;

function text(c: FileContent | null | undefined): string | null {
  return c && 'text' in c ? c.text : null;
}

function why(c: FileContent | null | undefined): string | null {
  if (c === undefined) return 'content not kept';
  if (c === null) return null;
  return 'skipped' in c ? c.skipped : null;
}

/** The `content` change between two entries, or null when their content is the same. */
export function contentChange(baseline: EntryAttributes, current: EntryAttributes): AttributeChange | null {
  const b = baseline.content;
  const c = current.content;
  if (b === undefined && c === undefined) return null;
  if (baseline.type !== 'file' || current.type !== 'file') return null;
  // The hash decides whether the bytes changed; the kept text only shows how.
  if (baseline.sha256 !== null && baseline.sha256 === current.sha256) return null;
  const bt = text(b);
  const ct = text(c);
  const change: AttributeChange = { name: 'content', baseline: null, current: null };
  if (bt !== null && ct !== null) {
    if (bt === ct) {
      if (baseline.sha256 === null && current.sha256 === null) return null;
      return { ...change, skipped: 'masked: the change is in lines that match a secret pattern' };
    }
    const diff = unifiedDiff(bt, ct);
    return diff.length > MAX_DIFF ? { ...change, skipped: `too large: the diff is longer than ${MAX_DIFF} bytes` } : { ...change, diff };
  }
  return { ...change, skipped: why(c) ?? why(b) ?? 'content not kept' };
}

/** A unified diff (3 lines of context) of two texts, line by line. */
export function unifiedDiff(a: string, b: string, context = 3): string {
  // The last line of a text that does not end with a newline differs from the same line with one,
  // and is marked, as diff(1) does (kept text holds no NUL: binary content is never kept).
  const x = lines(a);
  const y = lines(b);
  const ops = diffLines(x, y);
  // Group the edits into hunks with their context.
  const out: string[] = ['--- baseline', '+++ current'];
  let i = 0;
  while (i < ops.length) {
    if (ops[i]!.op === '=') {
      i++;
      continue;
    }
    let start = i;
    let back = 0;
    while (start > 0 && ops[start - 1]!.op === '=' && back < context) {
      start--;
      back++;
    }
    let end = i;
    for (;;) {
      while (end < ops.length && ops[end]!.op !== '=') end++;
      let run = 0;
      while (end + run < ops.length && ops[end + run]!.op === '=') run++;
      if (end + run < ops.length && run <= 2 * context) end += run;
      else {
        end += Math.min(run, context);
        break;
      }
    }
    const hunk = ops.slice(start, end);
    const aStart = hunk[0]!.ai;
    const bStart = hunk[0]!.bi;
    const aLen = hunk.filter((o) => o.op !== '+').length;
    const bLen = hunk.filter((o) => o.op !== '-').length;
    out.push(`@@ -${range(aStart, aLen)} +${range(bStart, bLen)} @@`);
    for (const o of hunk) {
      const line = o.op === '+' ? y[o.bi]! : x[o.ai]!;
      out.push(`${o.op === '=' ? ' ' : o.op}${line.endsWith('\0') ? line.slice(0, -1) : line}`);
      if (line.endsWith('\0')) out.push('\\ No newline at end of file');
    }
    i = end;
  }
  return out.join('\n');
}

function lines(t: string): string[] {
  if (t === '') return [];
  const l = t.split('\n');
  if (l[l.length - 1] === '') l.pop();
  else l[l.length - 1] += '\0';
  return l;
}

function range(start: number, len: number): string {
  return len === 1 ? String(start + 1) : `${len === 0 ? start : start + 1},${len}`;
}

interface Op {
  op: '=' | '-' | '+';
  ai: number;
  bi: number;
}

/** Myers' O(ND) diff of two line lists (files are at most the content limit, 64 KiB by default). */
export function diffLines(a: string[], b: string[]): Op[] {
  // Common prefix and suffix first: most edits are small.
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const A = a.slice(pre, a.length - suf);
  const B = b.slice(pre, b.length - suf);
  const n = A.length;
  const m = B.length;
  const max = n + m;
  const v = new Int32Array(2 * max + 2);
  const trace: Int32Array[] = [];
  let found = max === 0;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let xi = k === -d || (k !== d && v[max + k - 1]! < v[max + k + 1]!) ? v[max + k + 1]! : v[max + k - 1]! + 1;
      let yi = xi - k;
      while (xi < n && yi < m && A[xi] === B[yi]) {
        xi++;
        yi++;
      }
      v[max + k] = xi;
      if (xi >= n && yi >= m) {
        found = true;
        break;
      }
    }
  }
  // Walk back through the trace.
  const mid: Op[] = [];
  let xi = n;
  let yi = m;
  for (let d = trace.length - 1; d >= 0 && (xi > 0 || yi > 0); d--) {
    const vd = trace[d]!;
    const k = xi - yi;
    const prevK = k === -d || (k !== d && vd[max + k - 1]! < vd[max + k + 1]!) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : vd[max + prevK]!;
    const prevY = prevX - prevK;
    while (xi > prevX && yi > prevY) {
      xi--;
      yi--;
      mid.push({ op: '=', ai: pre + xi, bi: pre + yi });
    }
    if (d === 0) break;
    if (xi === prevX) mid.push({ op: '+', ai: pre + xi, bi: pre + prevY });
    else mid.push({ op: '-', ai: pre + prevX, bi: pre + yi });
    xi = prevX;
    yi = prevY;
  }
  mid.reverse();
  const ops: Op[] = [];
  for (let i = 0; i < pre; i++) ops.push({ op: '=', ai: i, bi: i });
  ops.push(...mid);
  for (let i = 0; i < suf; i++) ops.push({ op: '=', ai: a.length - suf + i, bi: b.length - suf + i });
  return ops;
}
