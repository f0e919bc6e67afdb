import { describe, expect, it } from 'vitest';
import { parseUnifiedDiff } from '../../../src/renderer/screens/events/diff.js';
import { formatEpoch } from '../../../src/renderer/components/format.js';

describe('content diff', () => {
  it('classifies the lines of a stored unified diff', () => {
    const text = '--- a/x\n+++ b/x\n@@ -1 +1 @@\n-old\n+new';
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
