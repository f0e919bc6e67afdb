// A small unified line diff for alert emails: common prefix and suffix are trimmed, the middle is
// diffed by LCS when small enough, else shown as replaced.
const CONTEXT = 3;
const MAX_CELLS = 1_000_000;

type Op = { op: ' ' | '-' | '+'; line: string };

function ops(a: string[], b: string[]): Op[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const am = a.slice(pre, a.length - suf);
  const bm = b.slice(pre, b.length - suf);
  const out: Op[] = a.slice(0, pre).map((line) => ({ op: ' ', line }));
  if ((am.length + 1) * (bm.length + 1) > MAX_CELLS) {
    out.push(...am.map((line) => ({ op: '-' as const, line })), ...bm.map((line) => ({ op: '+' as const, line })));
  } else {
    // lcs[i][j]: LCS length of am[i..] and bm[j..]
    const w = bm.length + 1;
    const lcs = new Uint32Array((am.length + 1) * w);
    for (let i = am.length - 1; i >= 0; i--) {
      for (let j = bm.length - 1; j >= 0; j--) {
        lcs[i * w + j] = am[i] === bm[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < am.length || j < bm.length) {
      if (i < am.length && j < bm.length && am[i] === bm[j]) {
        out.push({ op: ' ', line: am[i]! });
        i++;
        j++;
      } else if (i < am.length && (j >= bm.length || lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!)) {
        out.push({ op: '-', line: am[i++]! });
      } else out.push({ op: '+', line: bm[j++]! });
    }
  }
  out.push(...a.slice(a.length - suf).map((line) => ({ op: ' ' as const, line })));
  return out;
}

/** Unified diff of two texts ('' when equal). */
export function lineDiff(baseline: string, current: string): string {
  if (baseline === current) return '';
  const split = (t: string) => (t === '' ? [] : t.replace(/\n$/, '').split('\n'));
  const all = ops(split(baseline), split(current));
  const lines = ['--- baseline', '+++ current'];
  let k = 0;
  while (k < all.length) {
    if (all[k]!.op === ' ') {
      k++;
      continue;
    }
    // A hunk: from CONTEXT lines before this change to CONTEXT lines after the last change near it.
    const start = Math.max(0, k - CONTEXT);
    let end = k;
    while (end < all.length) {
      if (all[end]!.op !== ' ') {
        end++;
        continue;
      }
      let run = 0;
      while (end + run < all.length && all[end + run]!.op === ' ') run++;
      if (end + run >= all.length || run > 2 * CONTEXT) {
        end = Math.min(all.length, end + CONTEXT);
        break;
      }
      end += run;
    }
    const aStart = all.slice(0, start).filter((o) => o.op !== '+').length;
    const bStart = all.slice(0, start).filter((o) => o.op !== '-').length;
    const hunk = all.slice(start, end);
    const aLen = hunk.filter((o) => o.op !== '+').length;
    const bLen = hunk.filter((o) => o.op !== '-').length;
    lines.push(`@@ -${aStart + (aLen ? 1 : 0)},${aLen} +${bStart + (bLen ? 1 : 0)},${bLen} @@`);
    for (const o of hunk) lines.push(`${o.op}${o.line}`);
    k = end;
  }
  return lines.join('\n');
}
