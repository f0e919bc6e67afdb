import { describe, expect, it } from 'vitest';
import { diffLines, isUnifiedDiff, parseUnifiedDiff, withContext } from '../../../src/renderer/screens/events/diff.js';
import { formatEpoch } from '../../../src/renderer/components/format.js';

describe('content diff', () => {
  it('diffs lines', () => {
    expect(diffLines('a\nb\nc', 'a\nB\nc\nd')).toEqual([
      { kind: 'same', text: 'a' },
      { kind: 'del', text: 'b' },
      { kind: 'add', text: 'B' },
      { kind: 'same', text: 'c' },
      { kind: 'add', text: 'd' },
    ]);
  });

  it('gives up on very long content instead of stalling', () => {
    expect(diffLines('x\n'.repeat(5000), 'y')).toBeNull();
  });

  it('folds long unchanged runs', () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n');
    const after = before.replace('line 10', 'LINE 10');
    const folded = withContext(diffLines(before, after)!, 2);
    expect(folded[0]).toEqual({ kind: 'hunk', text: '… 8 unchanged lines' });
    expect(folded.filter((l) => l.kind !== 'hunk')).toHaveLength(6);
  });

  it('shows a unified diff as it is', () => {
    const text = '--- a/x\n+++ b/x\n@@ -1 +1 @@\n-old\n+new';
    expect(isUnifiedDiff(text)).toBe(true);
    expect(parseUnifiedDiff(text).map((l) => l.kind)).toEqual(['hunk', 'hunk', 'hunk', 'del', 'add']);
  });
});

describe('formatEpoch', () => {
  it('keeps every digit of the fraction', () => {
    expect(formatEpoch('1732824813.123456789')).toBe('2024-11-28 20:13:33.123456789 UTC');
    expect(formatEpoch(null)).toBe('—');
    expect(formatEpoch('garbage')).toBe('garbage');
  });
});
