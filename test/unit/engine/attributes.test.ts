// The attribute table (src/shared/attributes.ts) is the one source of every attribute list: its
// derived lists keep the names and orders the events, the stored extra JSON and the pre-flight
// have always had, and its rows cover exactly the fields of an entry.
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  ALL_ATTRIBUTES,
  ATTRIBUTES,
  CORE_ATTRIBUTES,
  EXTENDED_ATTRIBUTES,
  MASTER_ATTRIBUTES,
  PREFLIGHT_ORDER,
  SELF_ATTRIBUTES,
  TOOL_ATTRIBUTES,
  type AttributeName,
} from '../../../src/shared/attributes.js';
import type { EntryAttributes } from '../../../src/shared/domain.js';
import { checkableBy } from '../../../src/main/scanner/scan-options.js';

describe('the attribute table', () => {
  it('names every field of an entry, and nothing else', () => {
    expectTypeOf<AttributeName>().toEqualTypeOf<keyof EntryAttributes>();
    expect(new Set(ALL_ATTRIBUTES).size).toBe(ATTRIBUTES.length);
  });

  it('gives the lists in the order entries show them: stat(2), then the tools, then content', () => {
    expect(CORE_ATTRIBUTES).toEqual(['type', 'mode', 'uid', 'gid', 'owner', 'group', 'size', 'mtime', 'ctime', 'inode', 'nlink', 'device', 'target', 'sha256']);
    expect(EXTENDED_ATTRIBUTES).toEqual(['xattrs', 'acl', 'caps', 'selinux', 'flags', 'content']);
    expect(TOOL_ATTRIBUTES).toEqual(['xattrs', 'acl', 'caps', 'selinux', 'flags']);
    expect(ALL_ATTRIBUTES).toEqual([...CORE_ATTRIBUTES, ...EXTENDED_ATTRIBUTES]);
  });

  it('gives what targets compare in the order deviations list them', () => {
    expect(MASTER_ATTRIBUTES).toEqual(['type', 'mode', 'uid', 'gid', 'size', 'sha256', 'target', 'device', 'xattrs', 'acl', 'caps', 'selinux', 'flags']);
    expect(SELF_ATTRIBUTES).toEqual([...MASTER_ATTRIBUTES, 'mtime', 'ctime', 'inode', 'nlink']);
    const compared = ATTRIBUTES.filter((a) => a.compared === 'master' || a.compared === 'self').map((a) => a.name);
    expect([...SELF_ATTRIBUTES].sort()).toEqual([...compared].sort());
  });

  it('lists each tool attribute once in the pre-flight, checked where the host has one of its tools', () => {
    expect([...PREFLIGHT_ORDER].sort()).toEqual([...TOOL_ATTRIBUTES].sort());
    expect(checkableBy({ perl: 'no', getfattr: 'no', getfacl: 'yes', getcap: 'no', lsattr: 'yes' })).toEqual({
      checked: ['acl', 'flags'],
      notChecked: [
        { name: 'xattrs', tool: 'perl or getfattr' },
        { name: 'selinux', tool: 'perl or getfattr' },
        { name: 'caps', tool: 'perl or getfattr or getcap' },
      ],
    });
  });
});
