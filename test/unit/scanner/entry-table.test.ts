// EntryTable.sameAs compares times from the columns without making their text: it must agree
// with the text the table shows (mtimeOf / ctimeOf) for every candidate, canonical or not.
import { describe, expect, it } from 'vitest';
import { EntryTable } from '../../../src/main/scan/entry-table.js';
import type { EntryAttributes } from '../../../src/shared/domain.js';

const times = ['1700000000.123456789', '0.000000000', '-5.000000001', '999999999999999.999999999', '1700000000.1234567', '01.000000000'];
const candidates = [
  ...times,
  '1700000000.123456788', '1700000000.12345678', '1700000000.1234567890', '1700000001.123456789', '0170000000.123456789', '-0.000000000',
  '0.000000001', '00.000000000', '-5.000000000', '5.000000001', '-05.000000001', '999999999999999.999999998', '1700000000.12345678a',
  '1700000000,123456789', '.123456789', '', '0', 'x.000000000', '1e3.000000000', '+5.000000001', '1700000000.1234567000',
];

describe('EntryTable.sameAs on times', () => {
  it('agrees with the text of mtimeOf and ctimeOf', () => {
    const table = new EntryTable();
    times.forEach((t, i) => {
      table.add({ kind: 'entry', target: 0, path: `/p${i}`, type: 'file', mode: '644', uid: 0, gid: 0, size: 1, mtime: t, ctime: t, inode: String(i + 1), nlink: 1, link: null, device: null, error: null });
    });
    table.finish(new Set(), new Map(), new Map());
    for (let i = 0; i < times.length; i++) {
      for (const c of candidates) {
        for (const name of ['mtime', 'ctime'] as const) {
          const attrs = { mtime: c, ctime: c } as EntryAttributes;
          const text = name === 'mtime' ? table.mtimeOf(i) : table.ctimeOf(i);
          expect([i, c, name, table.sameAs(i, attrs, [name], () => false)]).toEqual([i, c, name, c === text]);
        }
      }
    }
  });
});
