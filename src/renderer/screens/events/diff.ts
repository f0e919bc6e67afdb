// A small line diff for the content view: LCS over lines, bounded so a huge file cannot stall the page.
export interface DiffLine {
  kind: 'same' | 'add' | 'del' | 'hunk';
  text: string;
}

export const MAX_DIFF_LINES = 2000;

/** A value that already is a unified diff (the engine may send one) is shown as it is. */
export function isUnifiedDiff(text: string): boolean {
  return /^(--- |\+\+\+ |@@ )/m.test(text) && /^@@ /m.test(text);
}

export function parseUnifiedDiff(text: string): DiffLine[] {
  return text.split('\n').map((line) => {
    if (line.startsWith('@@')) return { kind: 'hunk', text: line };
    if (line.startsWith('+') && !line.startsWith('+++')) return { kind: 'add', text: line.slice(1) };
    if (line.startsWith('-') && !line.startsWith('---')) return { kind: 'del', text: line.slice(1) };
    if (line.startsWith('---') || line.startsWith('+++')) return { kind: 'hunk', text: line };
    return { kind: 'same', text: line.startsWith(' ') ? line.slice(1) : line };
  });
}

export function diffLines(before: string, after: string): DiffLine[] | null {
  const a = before.split('\n');
  const b = after.split('\n');
  if (a.length > MAX_DIFF_LINES || b.length > MAX_DIFF_LINES) return null;
  const n = a.length;
  const m = b.length;
  // lcs[i][j] = LCS length of a[i..] and b[j..], in one flat array.
  const lcs = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * (m + 1) + j] = a[i] === b[j] ? lcs[(i + 1) * (m + 1) + j + 1]! + 1 : Math.max(lcs[(i + 1) * (m + 1) + j]!, lcs[i * (m + 1) + j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ kind: 'same', text: a[i]! });
      i++;
      j++;
    } else if (lcs[(i + 1) * (m + 1) + j]! >= lcs[i * (m + 1) + j + 1]!) {
      out.push({ kind: 'del', text: a[i++]! });
    } else {
      out.push({ kind: 'add', text: b[j++]! });
    }
  }
  while (i < n) out.push({ kind: 'del', text: a[i++]! });
  while (j < m) out.push({ kind: 'add', text: b[j++]! });
  return out;
}

/** Keeps changed lines with `context` lines around them; long unchanged runs become one "…" line. */
export function withContext(lines: DiffLine[], context = 3): DiffLine[] {
  const keep = new Array<boolean>(lines.length).fill(false);
  lines.forEach((line, index) => {
    if (line.kind === 'same') return;
    for (let k = Math.max(0, index - context); k <= Math.min(lines.length - 1, index + context); k++) keep[k] = true;
  });
  const out: DiffLine[] = [];
  let skipped = 0;
  lines.forEach((line, index) => {
    if (keep[index]) {
      if (skipped) out.push({ kind: 'hunk', text: `… ${skipped} unchanged line${skipped === 1 ? '' : 's'}` });
      skipped = 0;
      out.push(line);
    } else skipped++;
  });
  if (skipped) out.push({ kind: 'hunk', text: `… ${skipped} unchanged line${skipped === 1 ? '' : 's'}` });
  return out;
}
