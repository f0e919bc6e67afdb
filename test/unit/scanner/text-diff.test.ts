// Kept content: masking before anything is stored, and unified diffs that patch(1) applies.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentChange, unifiedDiff } from '../../../src/main/compare/text-diff.js';
import { maskContent } from '../../../src/main/scanner/scan-options.js';
import type { EntryAttributes } from '../../../src/shared/domain.js';

const hasPatch = (() => {
  try {
    execFileSync('patch', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
}

describe('unifiedDiff', () => {
  it('a small change: three lines of context, hunk header', () => {
    expect(unifiedDiff('a\nb\nc\nd\ne\nf\ng\nh\n', 'a\nb\nc\nD\ne\nf\ng\nh\n')).toBe(['--- baseline', '+++ current', '@@ -1,7 +1,7 @@', ' a', ' b', ' c', '-d', '+D', ' e', ' f', ' g'].join('\n'));
  });

  it('marks a last line without a newline, as diff(1) does', () => {
    expect(unifiedDiff('a\n', 'a')).toBe(['--- baseline', '+++ current', '@@ -1 +1 @@', '-a', '+a', '\\ No newline at end of file'].join('\n'));
  });

  it('one hunk per change far from the others', () => {
    const long = Array.from({ length: 30 }, (_, i) => String(i));
    const changed = [...long];
    changed[2] = 'two';
    changed[25] = 'twenty-five';
    const d = unifiedDiff(long.join('\n'), changed.join('\n')).split('\n');
    expect(d.filter((l) => l.startsWith('@@'))).toEqual(['@@ -1,6 +1,6 @@', '@@ -23,7 +23,7 @@']);
  });

  it.runIf(hasPatch)('patch(1) turns the baseline into the current text: 400 random edits', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-diff-'));
    const rnd = rng(42);
    const pick = (n: number) => Math.floor(rnd() * n);
    try {
      for (let t = 0; t < 400; t++) {
        const a = Array.from({ length: pick(40) }, () => `l${pick(6)}`);
        const b = a.slice();
        for (let e = pick(8); e > 0; e--) {
          const i = pick(b.length + 1);
          if (rnd() < 0.5 && b.length) b.splice(i, 1);
          else b.splice(i, 0, `n${pick(6)}`);
        }
        const A = a.join('\n') + (rnd() < 0.8 ? '\n' : '');
        const B = b.join('\n') + (rnd() < 0.8 ? '\n' : '');
        if (A === B) continue;
        fs.writeFileSync(path.join(dir, 'a'), A);
        fs.writeFileSync(path.join(dir, 'd'), unifiedDiff(A, B) + '\n');
        execFileSync('patch', ['-s', '-o', path.join(dir, 'out'), path.join(dir, 'a'), path.join(dir, 'd')], { stdio: 'pipe' });
        expect(fs.readFileSync(path.join(dir, 'out'), 'utf8'), JSON.stringify([A, B])).toBe(B);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('maskContent', () => {
  it('masks each line matching a secret pattern, any case, before it is kept', () => {
    const c = maskContent(Buffer.from('user=app\nPassword = hunter2\napi_KEY: abc\nplain\n'), ['password', 'key']);
    expect(c).toEqual({ text: 'user=app\n[masked: matches password]\n[masked: matches key]\nplain\n', masked: 2 });
    expect(JSON.stringify(c)).not.toContain('hunter2');
  });

  it('binary content (a NUL byte, or not UTF-8) is not kept', () => {
    expect(maskContent(Buffer.from([0x61, 0x00, 0x62]), [])).toEqual({ skipped: 'binary' });
    expect(maskContent(Buffer.from([0x61, 0xff, 0x62]), [])).toEqual({ skipped: 'binary' });
    expect(maskContent(Buffer.from('caf\u00e9\n'), [])).toEqual({ text: 'caf\u00e9\n' });
  });
});

describe('contentChange', () => {
  const attrs = (sha: string, content: EntryAttributes['content']): EntryAttributes => ({
    type: 'file', mode: '0644', uid: 0, gid: 0, owner: 'root', group: 'root', size: 1, mtime: '1', ctime: '1', inode: 1, nlink: 1, device: null, target: null, sha256: sha,
    ...(content === undefined ? {} : { content }),
  });
  it('no change when the hash is the same', () => {
    expect(contentChange(attrs('a', { text: 'x' }), attrs('a', { text: 'y' }))).toBeNull();
  });
  it('a diff when the kept texts differ', () => {
    expect(contentChange(attrs('a', { text: 'x\n' }), attrs('b', { text: 'y\n' }))).toMatchObject({ name: 'content', diff: expect.stringContaining('-x\n+y') });
  });
  it('says why there is no diff: masked, binary, too large, not kept', () => {
    expect(contentChange(attrs('a', { text: '[masked]\n', masked: 1 }), attrs('b', { text: '[masked]\n', masked: 1 }))?.skipped).toMatch(/^masked/);
    expect(contentChange(attrs('a', { text: 'x' }), attrs('b', { skipped: 'binary' }))?.skipped).toBe('binary');
    expect(contentChange(attrs('a', { skipped: 'too large' }), attrs('b', { text: 'x' }))?.skipped).toBe('too large');
    expect(contentChange(attrs('a', undefined), attrs('b', { text: 'x' }))?.skipped).toBe('content not kept');
    expect(contentChange(attrs('a', undefined), attrs('b', undefined))).toBeNull();
  });
});
