// The scanner stream parser, record protocol (docs/scanner-protocol.md): every record kind
// exactly, whatever the chunking; refusal of every truncation and of anything malformed; and a
// real scanner's stream on a tree of awkward names.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scannerScript } from '../../../src/main/scanner/script.js';
import { EntryTable } from '../../../src/main/scanner/entry-table.js';
import { buildPlan } from '../../../src/main/scanner/plan.js';
import { E, f, H1, H2, NUL, statLine, STREAM, V } from '../../support/scanner-stream.js';
import { canonicalCaps, canonicalFlags, unescapeName } from '../../../src/main/scanner/attribute-text.js';
import { ScanStreamError, type ScanRecordEvent } from '../../../src/main/scanner/protocol.js';
import { RecordParser } from '../../../src/main/scanner/record-parser.js';
import { byteString } from '../../../src/main/model/entry.js';

const meta = (path: string, o: Record<string, unknown> = {}): ScanRecordEvent =>
  ({ kind: 'entry', target: 0, path, type: 'file', mode: '0644', uid: 0, gid: 0, size: 5, mtime: '1700000000.123456789', ctime: '1700000001.500000000', inode: '1234', nlink: 1, link: null, device: null, error: null, ...o }) as ScanRecordEvent;

const EXPECTED: ScanRecordEvent[] = [
  { kind: 'fact', key: 'shell', value: 'dash' },
  { kind: 'user', id: 0, name: 'root' },
  { kind: 'user', id: 0, name: 'toor' },
  { kind: 'user', id: 1000, name: 'ünï' },
  { kind: 'group', id: 0, name: 'root' },
  { kind: 'target', target: 0, state: 'ok' },
  meta('/t', { type: 'directory', mode: '0755' }),
  meta('/t/a b\n\\c\xff'),
  meta('/t/link', { type: 'symlink', mode: '0777', link: '../x\xff' }),
  meta('/t/dev', { type: 'char', size: 0 }),
  meta('/t/secret', { error: 'Permission denied' }),
  { kind: 'device', path: byteString('/t/dev'), device: '1:10' },
  { kind: 'target', target: 1, state: 'missing' },
  meta('/s/f', { target: 2 }),
  meta('/s/l', { target: 2, type: 'symlink', mode: '0777', size: 7, link: 'tar get' }),
  meta('/s/c', { target: 2, type: 'char', mode: '0600', device: '1:3', error: null }),
  meta('/s/new\nl', { target: 2, type: 'symlink', mode: '0777', size: 3, link: 'x\ny' }),
  { kind: 'hash', path: byteString('/t/new\nline'), sha256: H1 },
  { kind: 'content', path: byteString('/t/small'), bytes: Buffer.from('hi\n') },
  { kind: 'content', path: byteString('/t/gone'), bytes: null },
  { kind: 'xattrs', path: byteString('/t/we\nird\\'), attrs: [['user.a', '76'], ['security.selinux', '73797374656d5f753a6f626a6563745f723a6574635f743a733000']] },
  { kind: 'acl', path: byteString('/t/x\\y'), acl: 'user::rw-,user:1000:r--,group::r--,mask::r--,other::r--' },
  { kind: 'caps', path: byteString('/t/capbin'), caps: 'cap_setuid=ep' },
  { kind: 'flags', path: byteString('/t'), flags: 'i' },
  { kind: 'flags', path: byteString('/t/n\nl'), flags: 'a' },
  { kind: 'flags', path: byteString('/u/c'), flags: '' },
  { kind: 'flags', path: byteString('/v/a b\xff'), flags: 'i' },
  { kind: 'flags', path: byteString('/v/trailing '), flags: '' },
  { kind: 'attributes-read', path: byteString('/k/new\nline') },
  { kind: 'xattrs', path: byteString('/k/new\nline'), attrs: [['user.a\\075b', '76'], ['user.\\134\\012', '']] },
  { kind: 'flags', path: byteString('/k/new\nline'), flags: 'ai' },
  { kind: 'attributes-read', path: byteString('/k/plain') },
  { kind: 'flags', path: byteString('/k/plain'), flags: '' },
  { kind: 'attributes-read', path: byteString('/k/link') },
  { kind: 'xattrs', path: byteString('/k/link'), attrs: [['security.selinux', '6c5f7400']] },
  { kind: 'hash', path: byteString('/t/x'), sha256: H1 },
  { kind: 'hash', path: byteString('/t/back\\slash\nnew'), sha256: H2 },
  { kind: 'hash', path: byteString('/t/plain name'), sha256: H2 },
  { kind: 'end' },
];

const bytes = (s: string) => Buffer.from(s, 'latin1');

function parse(chunks: Buffer[]): ScanRecordEvent[] {
  const out: ScanRecordEvent[] = [];
  const p = new RecordParser((r) => out.push(r));
  for (const c of chunks) p.push(c);
  p.end();
  return out;
}

function failure(chunks: Buffer[]): string {
  try {
    parse(chunks);
  } catch (err) {
    expect(err).toBeInstanceOf(ScanStreamError);
    return (err as Error).message;
  }
  throw new Error('the stream was accepted');
}

describe('RecordParser, the current protocol', () => {
  it('parses every record kind exactly', () => {
    // The unreadable one of the batch: 'u' for /s/l, a symlink (readability only matters for files and directories).
    expect(parse([bytes(STREAM)])).toEqual(EXPECTED);
  });

  it('gives the same records whatever the chunk boundaries: a cut at every byte, and every chunk size', () => {
    const all = bytes(STREAM);
    for (let i = 0; i <= all.length; i++) expect(parse([all.subarray(0, i), all.subarray(i)]), `cut at ${i}`).toEqual(EXPECTED);
    for (let size = 1; size <= 40; size++) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < all.length; i += size) chunks.push(Buffer.from(all.subarray(i, i + size)));
      expect(parse(chunks), `chunks of ${size}`).toEqual(EXPECTED);
    }
  });

  it("reads a file the host could not hash, with the host's reason: an F record, or a hash worker's '!' line", () => {
    const sum = 'a'.repeat(64);
    const s = V + f('F', '/t/gone', 'No such file or directory') + 'H\0' + `!Permission denied */t/x y\n${sum} */t/ok\n!no longer a regular file */t/d\n` + '\0' + f('Z');
    expect(parse([bytes(s)])).toEqual([
      { kind: 'unhashed', path: '/t/gone', reason: 'No such file or directory' },
      { kind: 'unhashed', path: '/t/x y', reason: 'Permission denied' },
      { kind: 'hash', path: '/t/ok', sha256: sum },
      { kind: 'unhashed', path: '/t/d', reason: 'no longer a regular file' },
      { kind: 'end' },
    ]);
    expect(failure([bytes(V + f('F', '/t/gone', '') + f('Z'))])).toMatch(/not hashed without a reason/);
    expect(failure([bytes(V + 'H\0!Permission denied\n\0' + f('Z'))])).toMatch(/bad hash error line/);
    expect(failure([bytes(V + 'H\0!x *relative\n\0' + f('Z'))])).toMatch(/bad hash error line/);
  });

  it('does not keep a reference to the caller buffers it has not consumed', () => {
    const all = bytes(STREAM);
    const out: ScanRecordEvent[] = [];
    const p = new RecordParser((r) => out.push(r));
    for (let i = 0; i < all.length; i += 7) {
      const chunk = Buffer.from(all.subarray(i, i + 7));
      p.push(chunk);
      chunk.fill(0x41); // the transport may reuse its buffers
    }
    p.end();
    expect(out).toEqual(EXPECTED);
  });

  it('an empty chunk is harmless anywhere', () => {
    const all = bytes(STREAM);
    expect(parse([Buffer.alloc(0), all.subarray(0, 10), Buffer.alloc(0), all.subarray(10), Buffer.alloc(0)])).toEqual(EXPECTED);
  });

  it('refuses every truncation of the stream', () => {
    const all = bytes(STREAM);
    for (let i = 0; i < all.length; i++) expect(failure([all.subarray(0, i)]), `truncated to ${i}`).toMatch(/^malformed scanner output: truncated /);
  });

  it('says where the stream was cut', () => {
    expect(failure([bytes(V + 'E\0' + '0\0/t\0')])).toBe("malformed scanner output: truncated inside a 'E' record after 11 bytes");
    expect(failure([bytes(V + 'H\0' + H1)])).toMatch(/truncated inside a 'H' section/);
    expect(failure([bytes(V)])).toMatch(/truncated before the end record/);
    expect(failure([])).toMatch(/truncated before the end record after 0 bytes/);
  });

  it.each(['Q', 'o', 'EE', 'e', '', 'toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf'])('refuses the unknown record tag %j', (tag) => {
    expect(failure([bytes(V + tag + NUL + 'Z' + NUL)])).toMatch(/^malformed scanner output: unknown record tag /);
  });

  it('refuses protocols 1 and 2 and any other version; the stream must start with V', () => {
    expect(failure([bytes(f('V', '1') + f('Z'))])).toMatch(/protocol version 1 \(this console speaks 4\)/);
    expect(failure([bytes(f('V', '2') + f('Z'))])).toMatch(/protocol version 2 \(this console speaks 4\)/);
    expect(failure([bytes(f('V', '3') + f('Z'))])).toMatch(/protocol version 3/);
    expect(failure([bytes(f('Z'))])).toMatch(/does not start with a version record/);
  });

  it('marks unreadable files and directories of a stat batch', () => {
    const s = V + f('X', '0', '2', '/a', '/d', [statLine('8180', '/a'), statLine('41c0', '/d')].join('\n') + '\n', 'uu') + f('Z');
    expect(parse([bytes(s)]).slice(0, 2)).toEqual([
      meta('/a', { mode: '0600', error: 'Permission denied' }),
      meta('/d', { type: 'directory', mode: '0700', error: 'Permission denied (directory not listable)' }),
    ]);
  });

  it('a symlink whose target changed between lstat and readlink is recorded with an error, not misread', () => {
    const s = V + f('X', '0', '1', '/l', statLine('a1ff', '/l') + '\n', 'r') + f('Z');
    expect(parse([bytes(s)])[0]).toMatchObject({ path: '/l', link: null, error: 'the symlink changed during the scan' });
  });

  it.each([
    ['E type', E('/x', { type: 'x' }), /bad entry type "x"/],
    ['E mode', E('/x', { mode: '8' }), /bad mode "8"/],
    ['E mode of 5 digits', E('/x', { mode: '10644' }), /bad mode/],
    ['E empty mode', E('/x', { mode: '' }), /bad mode/],
    ['E uid', E('/x', { uid: '-1' }), /bad uid "-1"/],
    ['E gid', E('/x', { gid: 'root' }), /bad gid "root"/],
    ['E size', E('/x', { size: '1e3' }), /bad size/],
    ['E huge size', E('/x', { size: '99999999999999999999' }), /size out of range/],
    ['E mtime', E('/x', { mtime: 'now' }), /bad mtime/],
    ['E ctime', E('/x', { ctime: '1.2.3' }), /bad ctime/],
    ['E inode', E('/x', { inode: '-5' }), /bad inode/],
    ['E link count', E('/x', { nlink: 'one' }), /bad link count/],
    ['E target index', E('/x', { idx: 'zero' }), /bad target index/],
    ['E relative path', E('x'), /not absolute/],
    ['E empty path', E(''), /a path that is not absolute/],
    ['D path', f('D', 'd', '1:3'), /not absolute/],
    ['N hash in capitals', f('N', '/x', 'A'.repeat(64)), /bad sha256/],
    ['hash line, short hash', 'H\0' + `${'a'.repeat(63)}  /t/x\n` + NUL, /bad hash line|bad sha256/],
    ['hash line, non-hex hash', 'H\0' + `${'g'.repeat(64)}  /t/x\n` + NUL, /bad sha256/],
    ['hash line, relative name', 'H\0' + `${H1}  t/x\n` + NUL, /not absolute/],
    ['hash line, empty', 'H\0\n' + NUL, /bad hash line/],
    ['X count', f('X', '0', '0', 'x', 'y'), /bad name count/],
    ['X lines', f('X', '0', '2', '/a', '/b', statLine('81a4', '/a') + '\n', 'rr'), /2 names with 1 lines/],
    ['X flags', f('X', '0', '1', '/a', statLine('81a4', '/a') + '\n', 'x'), /readability flags/],
    ['X name', f('X', '0', '1', '/a', statLine('81a4', '/b') + '\n', 'r'), /is not for/],
    ['X short line', f('X', '0', '1', '/a', '81a4 0 0\n', 'r'), /short stat line/],
    ['X raw mode', f('X', '0', '1', '/a', statLine('zz', '/a') + '\n', 'r'), /bad raw mode/],
    ['L status', f('L', '2', '1', '/a', '---- /a\n'), /bad lsattr status/],
    ['L wrong name', f('L', '0', '1', '/a', '---- /b\n'), /is not for/],
    ['L extra', f('L', '0', '1', '/a', '---- /a\n---- /a\n'), /after the last name/],
    ['L subsequence', f('L', '1', '2', '/a', '/b', '---- /c\n'), /for no name/],
    ['L flags', f('L', '0', '1', '/a', '--1- /a\n'), /bad lsattr flags/],
    ['A kind', f('A', 'other') + NUL, /unknown attribute section/],
    ['A flags line', 'A\0flags\0----i---\n\0', /bad lsattr line/],
    ['A flags relative', 'A\0flags\0---- a\n\0', /bad lsattr line/],
    ['A flags letters', 'A\0flags\0--1- /a\n\0', /bad lsattr flags/],
    ['K flags', f('K', '/a', 'i1', ''), /bad lsattr flags/],
    ['K attribute', f('K', '/a', '-', 'user.a=0x76'), /bad extended attribute/],
    ['K odd hex', f('K', '/a', '-', '757=76'), /bad extended attribute/],
    ['K no name', f('K', '/a', '-', '=76'), /bad extended attribute/],
    ['K path', f('K', 'a', '-', ''), /not absolute/],
    ['A orphan line', 'A\0xattrs\0user.a=0x1\n\0', /outside a file block/],
    ['A value', 'A\0xattrs\0# file: /a\nuser.a="text"\n\0', /bad extended attribute value/],
    ['O content', 'O\0/a\0zz\n\0' + '0\0', /bad content line/],
    ['D device', f('D', '/d', '1-3'), /bad device numbers/],
    ['N hash', f('N', '/x', 'abc'), /bad sha256/],
    ['T state', f('T', '0', 'gone'), /bad target state/],
    ['hash line', 'H\0' + `${H1} /t/x\n` + NUL, /bad hash line/],
    ['unknown tag', f('S'), /unknown record tag "S"/],
  ])('refuses %s', (_what, record, message) => {
    expect(failure([bytes(V + record + f('Z'))])).toMatch(message);
  });

  it('bounds every field: 64 KiB, or 64 KiB per name for a batch text', () => {
    const ok = '/' + 'x'.repeat(65535);
    expect(parse([bytes(V + E(ok) + f('Z'))])[0]).toMatchObject({ path: ok });
    const long = bytes(V + E('/' + 'x'.repeat(65536)) + f('Z'));
    expect(failure([long])).toMatch(/longer than 65536/);
    const pieces: Buffer[] = [];
    for (let i = 0; i < long.length; i += 1000) pieces.push(long.subarray(i, i + 1000));
    expect(failure(pieces)).toMatch(/a field longer than 65536 bytes/);
    // A runaway field with no terminator at all fails as soon as it is too long, not at the end.
    const p = new RecordParser(() => undefined);
    p.push(bytes(V + 'E\0'));
    expect(() => {
      for (let i = 0; i < 100; i++) p.push(Buffer.alloc(1000, 0x41));
    }).toThrow(/longer than 65536/);
    expect(failure([bytes(V + 'H\0' + `${H1}  /${'y'.repeat(70000)}\n` + NUL + f('Z'))])).toMatch(/longer than 65536/);
    // A batch of 3 names may carry up to 3 × 64 KiB of text; more is refused.
    const big = '/' + 'n'.repeat(60000);
    const text = [statLine('81a4', big), statLine('81a4', big + 'b'), statLine('81a4', big + 'c')].join('\n') + '\n';
    expect(parse([bytes(V + f('X', '0', '3', big, big + 'b', big + 'c', text, 'rrr') + f('Z'))])).toHaveLength(4);
    expect(failure([bytes(V + f('X', '0', '1', '/a', 'x'.repeat(70000), 'r') + f('Z'))])).toMatch(/longer than 65536/);
  });

  it('refuses data after the end record, in the same chunk or a later one', () => {
    expect(failure([bytes(V + f('Z') + 'x')])).toMatch(/^malformed scanner output: data after the end record at byte 6$/);
    expect(failure([bytes(V + f('Z')), bytes('\0')])).toMatch(/data after the end record/);
    expect(failure([bytes(V + f('Z') + f('Z'))])).toMatch(/data after the end record/);
  });
});

describe.each(['dash', 'bash'])('a real scanner stream (%s) on a tree of awkward names', (shell) => {
  let dir: string;
  let stream: Buffer;
  let records: ScanRecordEvent[];
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-rec-'));
    const root = path.join(dir, 't');
    fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
    for (const name of ['new\nline', 'tab\there', 'back\\slash', '-dash', "quo'te", '$(x)', 'st*r', 'a'.repeat(200)]) fs.writeFileSync(path.join(root, name), name);
    fs.writeFileSync(Buffer.from(`${root}/bad\xff`, 'latin1'), 'x');
    fs.symlinkSync('nowhere\nelse', path.join(root, 'sub/link'));
    execFileSync('mkfifo', [path.join(root, 'sub/fifo')]);
    execFileSync('mknod', [path.join(root, 'sub/chr'), 'c', '1', '3']);
    const plan = buildPlan([{ name: 'p', os: 'linux', description: '', targets: [{ path: root, depth: null, include: [], exclude: [], critical: false, alert: false, compare: 'master', ignore: [], crossMounts: false }] }], 2);
    const r = spawnSync(shell, ['-s', '--', ...plan.args], { input: scannerScript(), maxBuffer: 64 << 20 });
    expect(r.status, r.stderr.toString()).toBe(0);
    stream = r.stdout;
    records = parse([stream]);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('parses whole, with every entry and hash', () => {
    const entries = records.filter((r) => r.kind === 'entry');
    expect(entries).toHaveLength(1 + 8 + 1 + 1 + 3);
    const hashes = records.filter((r) => r.kind === 'hash').map((r) => (r as { path: string }).path);
    expect(hashes.sort()).toEqual(entries.filter((e) => (e as { type: string }).type === 'file').map((e) => (e as { path: string }).path).sort());
    expect(records.at(-1)).toEqual({ kind: 'end' });
  });

  it('gives the same records cut at every byte', () => {
    for (let i = 0; i <= stream.length; i += 1) expect(parse([stream.subarray(0, i), stream.subarray(i)])).toEqual(records);
  });

  it('refuses the stream truncated at every byte', () => {
    for (let i = 0; i < stream.length; i++) expect(failure([stream.subarray(0, i)])).toMatch(/truncated/);
  });
});

describe('canonical forms', () => {
  it('getcap text from libcap 2.x and older versions gives one form', () => {
    expect(canonicalCaps(' cap_setuid=ep')).toBe('cap_setuid=ep');
    expect(canonicalCaps(' = cap_setuid+ep')).toBe('cap_setuid=ep');
    expect(canonicalCaps(' cap_net_admin,cap_net_raw=eip cap_chown+ei cap_sys_admin+ep')).toBe('cap_chown=ei cap_net_admin,cap_net_raw=eip cap_sys_admin=ep');
    expect(canonicalCaps(' cap_net_raw+p cap_net_raw+e')).toBe('cap_net_raw=ep');
    expect(canonicalCaps(' cap_net_raw=ep cap_net_raw-e')).toBe('cap_net_raw=p');
    expect(canonicalCaps(' =ep')).toBe('all=ep');
    expect(canonicalCaps(' cap_chown=ep [rootid=1000]')).toBe('cap_chown=ep [rootid=1000]');
  });

  it('lsattr flags: letters set, sorted, without layout letters', () => {
    expect(canonicalFlags('----i---------e-------')).toBe('i');
    expect(canonicalFlags('-----a--------e----N--')).toBe('a');
    expect(canonicalFlags('--------------I-------')).toBe('');
    expect(canonicalFlags('s---ia-A------e-------')).toBe('Aais');
  });

  it('names escaped by getfattr (\\ooo) and getfacl (\\\\)', () => {
    expect(unescapeName('/a\\012b\\134c\\\\d\\377')).toBe('/a\nb\\c\\d\xff');
    expect(unescapeName('/plain')).toBe('/plain');
  });
});

describe('RecordParser fast path without strings (RawEntry, EntryTable.addRaw)', () => {
  // Entries as GNU find prints them, and some it could print that the table keeps otherwise
  // (times with a leading zero or past 2^32 s, kept as text), big values, errors, odd bytes.
  const stream =
    V +
    f('T', '0', 'ok') +
    E('/t', { type: 'd', mode: '755' }) +
    E('/t/a b\n\\c\xff\xe9', { size: '4294967296', nlink: '70000', uid: '4294967294', inode: '999999999999999' }) +
    E('/t/link', { type: 'l', mode: '777', link: '../x \xff' }) +
    E('/t/secret', { error: 'Permission denied \xc3\xa9' }) +
    E('/t/short', { mtime: '1700000000.5', ctime: '1700000000' }) +
    E('/t/zero', { mtime: '0.0000000000', ctime: '0' }) +
    E('/t/lead', { mtime: '01.0000000000' }) +
    E('/t/far', { ctime: '99999999999.5' }) +
    E('/t/second-walk', { idx: '1' }) +
    E('/t', { idx: '1', type: 'd', mode: '755' }) +
    f('Z');

  function table(chunks: Buffer[], raw: boolean, overlap: boolean): { rows: unknown[]; raw: number } {
    const t = new EntryTable(overlap);
    let taken = 0;
    const p = new RecordParser(
      (r) => {
        if (r.kind === 'entry') t.add(r);
      },
      raw
        ? (r) => {
            taken++;
            t.addRaw(r);
            return true;
          }
        : undefined,
    );
    for (const c of chunks) p.push(c);
    p.end();
    t.finish(new Set(), new Map(), new Map());
    const rows = Array.from({ length: t.size }, (_, i) => [t.entryAt(i), t.walksOf(i), t.mtimeOf(i), t.ctimeOf(i)]);
    return { rows, raw: taken };
  }

  it('fills the table as the records would, whatever the chunking, with or without overlapping walks', () => {
    const all = bytes(stream);
    for (const overlap of [false, true]) {
      const expected = table([all], false, overlap);
      const whole = table([all], true, overlap);
      expect(whole.rows).toEqual(expected.rows);
      // All but the two whose times the table keeps as text came without strings.
      expect(whole.raw).toBe(8);
      for (let size = 1; size <= 64; size += 7) {
        const chunks: Buffer[] = [];
        for (let i = 0; i < all.length; i += size) chunks.push(Buffer.from(all.subarray(i, i + size)));
        expect(table(chunks, true, overlap).rows, `chunks of ${size}`).toEqual(expected.rows);
      }
    }
    expect(table([all], false, true).rows.length).toBe(9);
  });
});
