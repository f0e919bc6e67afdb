// The scanner stream parser (record protocol 2): exact records whatever the chunking, and a clear
// ScanStreamError for anything that is not exactly the protocol.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scannerScript } from '../../../src/main/scan/collect.js';
import { buildPlan } from '../../../src/main/scan/plan.js';
import { RecordParser, ScanStreamError, type ScanRecordEvent } from '../../../src/main/scan/records.js';

const NUL = '\0';
const field = (...parts: string[]) => parts.map((p) => p + NUL).join('');
const V = field('V', '2');
const T = (idx: string, state: string) => field('T', idx, state);
/** E IDX PATH TYPE MODE UID GID SIZE MTIME CTIME INODE NLINK LINK ERROR (protocol 2) */
const E = (path: string, over: Partial<Record<'type' | 'mode' | 'uid' | 'gid' | 'size' | 'mtime' | 'ctime' | 'inode' | 'nlink' | 'link' | 'error' | 'idx', string>> = {}) =>
  field(
    'E',
    over.idx ?? '0',
    path,
    over.type ?? 'f',
    over.mode ?? '644',
    over.uid ?? '0',
    over.gid ?? '0',
    over.size ?? '5',
    over.mtime ?? '1700000000.1234567890',
    over.ctime ?? '1700000001.5',
    over.inode ?? '1234',
    over.nlink ?? '1',
    over.link ?? '',
    over.error ?? '',
  );
const H1 = 'a'.repeat(64);
const H2 = 'b'.repeat(64);
const H3 = 'c'.repeat(64);

/** A complete, valid stream (latin1: one char per byte) exercising the core record kinds. */
const STREAM =
  V +
  field('P', 'protocol', '2') +
  field('P', 'shell', 'dash') +
  'U' + NUL + 'root:x:0:0:root:/root:/bin/bash\n' + Buffer.from('ünï:x:1000:1000::/home/u:/bin/sh\n').toString('latin1') + NUL +
  'G' + NUL + 'root:x:0:\n' + 'staff:x:50:\n' + NUL +
  T('0', 'ok') +
  E('/t').replace('\0f\0', '\0d\0') +
  E('/t/a b\n\\c\xff') +
  E('/t/link', { type: 'l', mode: '777', link: '../x\xff' }) +
  E('/t/dev', { type: 'c', size: '0' }) +
  E('/t/secret', { error: 'Permission denied' }) +
  field('D', '/t/dev', '1:a') +
  T('1', 'missing') +
  'H' + NUL +
  `${H1} */t/secret-free\n` +
  `\\${H2}  /t/back\\\\slash\\nnew\n` +
  `${H3}  /t/plain name\n` +
  NUL +
  field('N', '/t/new\nline', H1) +
  field('Z');

const EXPECTED: ScanRecordEvent[] = [
  { kind: 'fact', key: 'protocol', value: '2' },
  { kind: 'fact', key: 'shell', value: 'dash' },
  { kind: 'user', id: 0, name: 'root' },
  { kind: 'user', id: 1000, name: 'ünï' },
  { kind: 'group', id: 0, name: 'root' },
  { kind: 'group', id: 50, name: 'staff' },
  { kind: 'target', target: 0, state: 'ok' },
  meta('/t', { type: 'directory' }),
  meta('/t/a b\n\\c\xff'),
  meta('/t/link', { type: 'symlink', mode: '0777', link: '../x\xff' }),
  meta('/t/dev', { type: 'char', size: 0 }),
  meta('/t/secret', { error: 'Permission denied' }),
  { kind: 'device', path: '/t/dev', device: '1:10' },
  { kind: 'target', target: 1, state: 'missing' },
  { kind: 'hash', path: '/t/secret-free', sha256: H1 },
  { kind: 'hash', path: '/t/back\\slash\nnew', sha256: H2 },
  { kind: 'hash', path: '/t/plain name', sha256: H3 },
  { kind: 'hash', path: '/t/new\nline', sha256: H1 },
  { kind: 'end' },
];

function meta(path: string, over: Record<string, unknown> = {}): ScanRecordEvent {
  return {
    kind: 'entry',
    target: 0,
    path,
    type: 'file',
    mode: '0644',
    uid: 0,
    gid: 0,
    size: 5,
    mtime: '1700000000.123456789', // nine fraction digits, whatever the host printed
    ctime: '1700000001.500000000',
    inode: '1234',
    nlink: 1,
    link: null,
    device: null,
    error: null,
    ...over,
  } as ScanRecordEvent;
}

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

describe('RecordParser', () => {
  it('parses every record kind exactly', () => {
    expect(parse([bytes(STREAM)])).toEqual(EXPECTED);
  });

  it('gives the same records whatever the chunk boundaries: a cut at every byte', () => {
    const all = bytes(STREAM);
    for (let i = 0; i <= all.length; i++) {
      expect(parse([all.subarray(0, i), all.subarray(i)]), `cut at ${i}`).toEqual(EXPECTED);
    }
  });

  it('gives the same records fed one byte at a time, and in every chunk size', () => {
    const all = bytes(STREAM);
    for (let size = 1; size <= 64; size++) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < all.length; i += size) chunks.push(all.subarray(i, i + size));
      expect(parse(chunks), `chunks of ${size}`).toEqual(EXPECTED);
    }
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

  it('refuses every truncation of the stream', () => {
    const all = bytes(STREAM);
    for (let i = 0; i < all.length; i++) {
      expect(failure([all.subarray(0, i)]), `truncated to ${i}`).toMatch(/^malformed scanner output: truncated /);
    }
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

  it('refuses a stream that does not start with the version, or speaks another version', () => {
    expect(failure([bytes(field('Z'))])).toBe('malformed scanner output: the stream does not start with a version record');
    expect(failure([bytes(field('V', '1') + field('Z'))])).toMatch(/protocol version 1 \(this console speaks 2\)/);
  });

  it.each([
    ['type', E('/t/x', { type: 'x' }), /bad entry type "x"/],
    ['mode 8', E('/t/x', { mode: '8' }), /bad mode "8"/],
    ['mode of 5 digits', E('/t/x', { mode: '10644' }), /bad mode/],
    ['empty mode', E('/t/x', { mode: '' }), /bad mode/],
    ['uid', E('/t/x', { uid: '-1' }), /bad uid "-1"/],
    ['gid', E('/t/x', { gid: 'root' }), /bad gid "root"/],
    ['size', E('/t/x', { size: '1e3' }), /bad size/],
    ['huge size', E('/t/x', { size: '99999999999999999999' }), /size out of range/],
    ['mtime', E('/t/x', { mtime: 'yesterday' }), /bad mtime "yesterday"/],
    ['ctime', E('/t/x', { ctime: '1.2.3' }), /bad ctime/],
    ['inode', E('/t/x', { inode: '-5' }), /bad inode/],
    ['link count', E('/t/x', { nlink: 'one' }), /bad link count/],
    ['target index', E('/t/x', { idx: 'zero' }), /bad target index/],
    ['relative path', E('t/x'), /a path that is not absolute: "t\/x"/],
    ['empty path', E(''), /a path that is not absolute/],
    ['target state', T('0', 'gone'), /bad target state gone/],
    ['device numbers', field('D', '/t/d', '1-3'), /bad device numbers 1-3/],
    ['device path', field('D', 'd', '1:3'), /not absolute/],
    ['N hash', field('N', '/t/x', 'abc'), /bad sha256 "abc"/],
    ['N hash in capitals', field('N', '/t/x', 'A'.repeat(64)), /bad sha256/],
  ])('refuses a bad field: %s', (_what, record, message) => {
    expect(failure([bytes(V + record + field('Z'))])).toMatch(message);
  });

  it.each([
    ['separator', `${H1} /t/x\n`, /bad hash line/],
    ['short hash', `${'a'.repeat(63)}  /t/x\n`, /bad hash line|bad sha256/],
    ['non-hex hash', `${'g'.repeat(64)}  /t/x\n`, /bad sha256/],
    ['relative name', `${H1}  t/x\n`, /not absolute/],
    ['empty line', `\n`, /bad hash line/],
  ])('refuses a bad hash line: %s', (_what, line, message) => {
    expect(failure([bytes(V + 'H\0' + line + '\0' + field('Z'))])).toMatch(message);
  });

  it('refuses a field longer than 65536 bytes, whole or in pieces; 65536 is fine', () => {
    const ok = '/' + 'x'.repeat(65535);
    expect(parse([bytes(V + E(ok) + field('Z'))])[0]).toMatchObject({ path: ok });
    const long = '/' + 'x'.repeat(65536);
    const stream = bytes(V + E(long) + field('Z'));
    expect(failure([stream])).toMatch(/a field longer than 65536 bytes/);
    const pieces: Buffer[] = [];
    for (let i = 0; i < stream.length; i += 1000) pieces.push(stream.subarray(i, i + 1000));
    expect(failure(pieces)).toMatch(/a field longer than 65536 bytes/);
    // A runaway field with no terminator at all fails as soon as it is too long, not at the end.
    const p = new RecordParser(() => undefined);
    p.push(bytes(V + 'E\0'));
    expect(() => {
      for (let i = 0; i < 100; i++) p.push(Buffer.alloc(1000, 0x41));
    }).toThrow(/longer than 65536/);
    // The same for a hash line.
    expect(failure([bytes(V + 'H\0' + `${H1}  /${'y'.repeat(70000)}\n\0` + field('Z'))])).toMatch(/longer than 65536/);
  });

  it('refuses data after the end record, in the same chunk or a later one', () => {
    expect(failure([bytes(V + field('Z') + 'x')])).toMatch(/^malformed scanner output: data after the end record at byte 6$/);
    expect(failure([bytes(V + field('Z')), bytes('\0')])).toMatch(/data after the end record/);
    expect(failure([bytes(V + field('Z') + field('Z'))])).toMatch(/data after the end record/);
  });

  it('an empty chunk is harmless anywhere', () => {
    const all = bytes(STREAM);
    expect(parse([Buffer.alloc(0), all.subarray(0, 10), Buffer.alloc(0), all.subarray(10), Buffer.alloc(0)])).toEqual(EXPECTED);
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
