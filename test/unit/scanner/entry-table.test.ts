// EntryTable.sameAsStored compares from the columns without making the entry: it must agree with
// the text the table shows (mtimeOf / ctimeOf) for every time, canonical or not, and with
// diffAttributes on the entry made whole for every other attribute.
import { describe, expect, it } from 'vitest';
import { EntryTable } from '../../../src/main/scanner/entry-table.js';
import type { MetaRecord } from '../../../src/main/scanner/protocol.js';
import { EntryFields } from '../../../src/main/store/packs/codec.js';
import { diffAttributes } from '../../../src/main/compare/compare.js';
import { ALL_ATTRIBUTES } from '../../../src/shared/attributes.js';
import type { EntryAttributes } from '../../../src/shared/domain.js';
import { byteString } from '../../../src/main/model/entry.js';

const times = ['1700000000.123456789', '0.000000000', '-5.000000001', '999999999999999.999999999', '1700000000.1234567', '01.000000000'];
const candidates = [
  ...times,
  '1700000000.123456788', '1700000000.12345678', '1700000000.1234567890', '1700000001.123456789', '0170000000.123456789', '-0.000000000',
  '0.000000001', '00.000000000', '-5.000000000', '5.000000001', '-05.000000001', '999999999999999.999999998', '1700000000.12345678a',
  '1700000000,123456789', '.123456789', '', '0', 'x.000000000', '1e3.000000000', '+5.000000001', '1700000000.1234567000',
];

describe('EntryTable.sameAsStored on times', () => {
  it('agrees with the text of mtimeOf and ctimeOf', () => {
    const table = new EntryTable();
    times.forEach((t, i) => {
      table.add({ kind: 'entry', target: 0, path: byteString(`/p${i}`), type: 'file', mode: '644', uid: 0, gid: 0, size: 1, mtime: t, ctime: t, inode: String(i + 1), nlink: 1, link: null, device: null, error: null });
    });
    table.finish(new Set(), new Map(), new Map());
    const f = new EntryFields();
    for (let i = 0; i < times.length; i++) {
      for (const c of candidates) {
        for (const name of ['mtime', 'ctime'] as const) {
          f.fromState({ path: byteString(`/p${i}`), attrs: { ...table.entryAt(i).attrs, mtime: c, ctime: c }, error: null });
          const text = name === 'mtime' ? table.mtimeOf(i) : table.ctimeOf(i);
          expect([i, c, name, table.sameAsStored(i, f, [name], () => false)]).toEqual([i, c, name, c === text]);
        }
      }
    }
  });
});

describe('EntryTable against stored entries', () => {
  const row = (path: string, over: Partial<MetaRecord> = {}): MetaRecord => ({
    kind: 'entry', target: 0, path: byteString(path), type: 'file', mode: '644', uid: 1000, gid: 100, size: 5, mtime: '1700000000.123456789', ctime: '1700000000.123456789',
    inode: '9', nlink: 1, link: null, device: null, error: null, ...over,
  });

  it('sameAsStored agrees with diffAttributes for every attribute, times canonical or not', () => {
    const table = new EntryTable();
    times.forEach((t, i) => table.add(row(`/p${i}`, { mtime: t, ctime: t })));
    table.finish(new Set(), new Map([[1000, 'me']]), new Map());
    const f = new EntryFields();
    for (let i = 0; i < times.length; i++) {
      for (const c of candidates) {
        const attrs = { ...table.entryAt(i).attrs, mtime: c, ctime: c };
        f.fromState({ path: byteString(`/p${i}`), attrs, error: null });
        const same = diffAttributes(attrs, table.entryAt(i).attrs, ['mtime', 'ctime']).length === 0;
        expect([i, c, table.sameAsStored(i, f, ['mtime', 'ctime'], () => false)]).toEqual([i, c, same]);
      }
    }
    const names = ALL_ATTRIBUTES.filter((a) => a !== 'content');
    const e = table.entryAt(0);
    const changes: Partial<EntryAttributes>[] = [
      {}, { mode: '0600' }, { uid: 1 }, { gid: 1 }, { owner: 'you' }, { group: '101' }, { size: 6 }, { inode: 10 }, { nlink: 2 }, { sha256: 'ab'.repeat(32) },
      { target: 'x' }, { device: '1:3' }, { xattrs: 'user.a=0x01' }, { type: 'directory' },
    ];
    for (const change of changes) {
      const attrs = { ...e.attrs, ...change };
      f.fromState({ path: e.path, attrs, error: null });
      expect([change, table.sameAsStored(0, f, names, () => false)]).toEqual([change, diffAttributes(attrs, e.attrs, names).length === 0]);
    }
  });

  it('sameAsStored agrees with diffAttributes on rows with what few have (link, device, error, attributes, a second walk)', () => {
    const table = new EntryTable();
    table.add(row('/l', { type: 'symlink', link: byteString('/x\xff'), mode: '777' }));
    table.add(row('/c', { type: 'char', device: '1:3' }));
    table.add(row('/e', { error: 'Permission denied' }));
    table.add(row('/x'));
    table.add(row('/x', { target: 1 }));
    table.setExt(3, 'xattrs', 'user.a=0x01');
    table.markFlags(3);
    table.setExt(3, 'flags', 'i');
    table.finish(new Set(['xattrs', 'acl']), new Map([[1000, 'me']]), new Map());
    expect([table.entryAt(0).attrs.target, table.entryAt(1).attrs.device, table.entryAt(2).error, table.entryAt(3).walks]).toEqual(['/x\xff', '1:3', 'Permission denied', [0, 1]]);
    expect(table.entryAt(3).attrs).toMatchObject({ owner: 'me', group: '100', xattrs: 'user.a=0x01', acl: null, flags: 'i', caps: undefined });
    const names = ALL_ATTRIBUTES.filter((a) => a !== 'content');
    const f = new EntryFields();
    const changes: Partial<EntryAttributes>[] = [
      {}, { target: null }, { target: '/y' }, { device: null }, { device: '1:4' }, { xattrs: null }, { xattrs: undefined }, { flags: null }, { acl: 'user::rwx' }, { owner: '1000' }, { group: 'me' },
    ];
    for (let i = 0; i < table.size; i++) {
      const e = table.entryAt(i);
      for (const change of changes) {
        const attrs = { ...e.attrs, ...change };
        f.fromState({ path: e.path, attrs, error: e.error });
        expect([i, change, table.sameAsStored(i, f, names, () => false)]).toEqual([i, change, diffAttributes(attrs, e.attrs, names).length === 0]);
      }
    }
    table.setDevice(1, null);
    expect(table.entryAt(1).attrs.device).toBeNull();
    table.setError(3, 'gone');
    expect([table.errorOf(3), table.entryAt(3).attrs.xattrs]).toEqual(['gone', 'user.a=0x01']);
  });

  it('fill gives the fields of entryAt, big values included', () => {
    const table = new EntryTable(false);
    table.add(row('/a', { nlink: 70000, size: 2 ** 40, uid: 4294967294, target: 70000 }));
    for (let i = 0; i < 3; i++) table.add(row(`/b${i}`, { uid: i, gid: i }));
    table.setSha(0, 'cd'.repeat(32));
    table.finish(new Set(['xattrs']), new Map(), new Map());
    const f = new EntryFields();
    for (let i = 0; i < table.size; i++) {
      const { path, attrs, error } = table.entryAt(i);
      expect(table.fill(i, f).state()).toEqual({ path: '', attrs, error });
      expect(path).toBe(table.pathOf(i));
    }
    expect(table.entryAt(0).walks).toEqual([70000]);
    expect(table.entryAt(0).attrs).toMatchObject({ nlink: 70000, size: 2 ** 40, uid: 4294967294, sha256: 'cd'.repeat(32), xattrs: null });
  });

  it('matches hash lines in stream order without a path index, and out of order with one', () => {
    const table = new EntryTable(false);
    ['/d', '/d/a', '/d/b', '/d/e', '/d/c'].forEach((p, i) => table.add(row(p, { type: i === 0 || i === 3 ? 'directory' : 'file' })));
    expect(['/d/a', '/d/b', '/d/c'].map((p) => table.rowOfHash(byteString(p)))).toEqual([1, 2, 4]);
    expect(table.rowOfHash(byteString('/d/a'))).toBe(1);
    expect(table.rowOfHash(byteString('/nope'))).toBeUndefined();
  });
});
