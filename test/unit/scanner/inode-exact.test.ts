// Inode numbers above 2^53 stay exact from the scanner's stream to the table, the pack store and the
// comparison (issue 15, item 11), device numbers as well: 18446744073709551615 must not become 18446744073709552000, and two
// inodes that differ only beyond 2^53 must compare different on a `self` target.
import { describe, expect, it } from 'vitest';
import { diffAttributes } from '../../../src/main/compare/compare.js';
import type { EntryState } from '../../../src/main/model/entry.js';
import { EntryTable } from '../../../src/main/scanner/entry-table.js';
import { ScanStreamError } from '../../../src/main/scanner/protocol.js';
import { RecordParser } from '../../../src/main/scanner/record-parser.js';
import { EntryFields, forEachInPack, PackEncoder } from '../../../src/main/store/packs/codec.js';
import { SELF_ATTRIBUTES } from '../../../src/shared/attributes.js';
import { inodeValue, type EntryAttributes } from '../../../src/shared/domain.js';
import { E, f, V } from '../../support/scanner-stream.js';

const MAX = '18446744073709551615';
const BELOW = '18446744073709551614';

function scanned(raw: boolean): EntryState[] {
  const table = new EntryTable(false);
  const parser = new RecordParser(
    (r) => {
      if (r.kind === 'entry') table.add(r);
    },
    raw
      ? (entry) => {
          table.addRaw(entry);
          return true;
        }
      : undefined,
  );
  parser.push(Buffer.from(V + f('T', '0', 'ok') + E('/t', { type: 'd', mode: '755', inode: '2' }) + E('/t/a', { inode: MAX }) + E('/t/b', { inode: BELOW }) + E('/t/c', { inode: '9007199254740991' }) + f('W', '0', '0') + f('Z'), 'latin1'));
  parser.end();
  table.finish(new Set(), new Map(), new Map());
  return Array.from({ length: table.size }, (_, i) => table.entryAt(i));
}

describe('inode numbers beyond 2^53', () => {
  it('are read exactly, on the fast path and the general one', () => {
    for (const raw of [true, false]) {
      const inodes = Object.fromEntries(scanned(raw).map((e) => [e.path, e.attrs.inode]));
      expect(inodes).toEqual({ '/t': 2, '/t/a': MAX, '/t/b': BELOW, '/t/c': 9007199254740991 });
    }
  });

  it('are stored and read back exactly by the pack codec', () => {
    const enc = new PackEncoder();
    const fields = new EntryFields();
    const entries = scanned(true);
    for (const e of entries) enc.add(e.path, fields.fromState(e));
    const out: EntryState[] = [];
    forEachInPack(enc.finish(), new EntryFields(), (g) => out.push(g.state()));
    expect(out.map((e) => e.attrs.inode)).toEqual([2, MAX, BELOW, 9007199254740991]);
  });

  it('compare different when they differ beyond 2^53, and equal when equal', () => {
    const [, a, b] = scanned(true) as [EntryState, EntryState, EntryState];
    const withInode = (e: EntryState, inode: EntryAttributes['inode']): EntryAttributes => ({ ...a.attrs, inode, sha256: e.attrs.sha256 });
    expect(diffAttributes(withInode(a, a.attrs.inode), withInode(b, b.attrs.inode), SELF_ATTRIBUTES)).toEqual([{ name: 'inode', baseline: MAX, current: BELOW }]);
    expect(diffAttributes(withInode(a, a.attrs.inode), withInode(a, inodeValue(MAX)), SELF_ATTRIBUTES)).toEqual([]);
  });

  it('are matched exactly against a stored entry (the quick scan reuse check)', () => {
    const table = new EntryTable(false);
    const parser = new RecordParser((r) => {
      if (r.kind === 'entry') table.add(r);
    });
    parser.push(Buffer.from(V + f('T', '0', 'ok') + E('/t/a', { inode: MAX }) + f('W', '0', '0') + f('Z'), 'latin1'));
    parser.end();
    table.finish(new Set(), new Map(), new Map());
    const stored = new EntryFields().fromState(table.entryAt(0));
    expect(table.sameAsStored(0, stored, ['inode'], () => true)).toBe(true);
    stored.inode = BELOW;
    expect(table.sameAsStored(0, stored, ['inode'], () => true)).toBe(false);
  });

  it('device numbers are exact too, and longer than 64 bits a malformed stream', () => {
    const devices: string[] = [];
    const parse = (device: string) => {
      const parser = new RecordParser((r) => {
        if (r.kind === 'device') devices.push(r.device);
      });
      parser.push(Buffer.from(V + f('D', '/t/dev', device) + f('Z'), 'latin1'));
      parser.end();
    };
    parse('ffffffffffffffff:fffff');
    expect(devices).toEqual(['18446744073709551615:1048575']);
    expect(() => parse('1ffffffffffffffff:1')).toThrow(ScanStreamError);
  });

  it('keep the exact text of a value stored as text, without leading zeros', () => {
    expect(inodeValue('0042')).toBe(42);
    expect(inodeValue(`000${MAX}`)).toBe(MAX);
  });
});
