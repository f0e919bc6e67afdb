// A quick scan against its reference (scan/reference/reference-compare.ts): held in memory, each entry is
// compared as it arrives; too large to hold, the reference is merged with the table after the
// stream. Both must give the same entries, ask the `list` run for the same paths and find the
// same twins, on a fake host whose stream comes in small chunks.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { collect, type Collected } from '../../../src/main/scan/collect.js';
import { ScanFailure } from '../../../src/main/scanner/scan-failure.js';
import { memoryReference, type Reference } from '../../../src/main/scan/reference/stored-reference.js';
import { buildPlan, type ScanPlan } from '../../../src/main/scanner/plan.js';
import { PROTOCOL_VERSION } from '../../../src/main/scanner/protocol.js';
import type { Transport } from '../../../src/main/transport/transport.js';
import { policy, target } from '../../support/targets.js';
import { byteString } from '../../../src/main/model/entry.js';

const NUL = '\0';
const rec = (...parts: string[]) => parts.map((p) => p + NUL).join('');
const sha = (c: string) => c.repeat(64);

interface HostEntry {
  type: 'f' | 'd' | 'l';
  mode?: string;
  uid?: number;
  size?: number;
  mtime?: string;
  ctime?: string;
  inode: number;
  link?: string;
  error?: string;
  sha?: string;
  flags?: string;
  xattr?: string;
  /** Walks that find it (default: 0). */
  walks?: number[];
}
type Host = Record<string, HostEntry>;

const FACTS = rec('P', 'getfattr', 'yes') + rec('P', 'lsattr', 'yes') + rec('P', 'getfacl', 'no') + rec('P', 'getcap', 'no') + rec('P', 'perl', 'no');
const NAMES = 'U' + NUL + 'root:x:0:0::/root:/bin/sh\nme:x:1000:1000::/home/me:/bin/sh\n' + NUL + 'G' + NUL + 'root:x:0:\nme:x:1000:\n' + NUL;

function entryRecord(w: number, p: string, e: HostEntry): string {
  const size = e.size ?? (e.type === 'd' ? 4096 : 5);
  return rec('E', String(w), p, e.type, e.mode ?? '644', String(e.uid ?? 0), String(e.uid ?? 0), String(size), e.mtime ?? '1700000000.1000000000', e.ctime ?? '1700000001.5', String(e.inode), '1', e.link ?? '', e.error ?? '');
}

function entryRecords(host: Host, walks: number): string {
  let out = '';
  for (let w = 0; w < walks; w++) {
    out += rec('T', String(w), 'ok');
    for (const [p, e] of Object.entries(host)) if ((e.walks ?? [0]).includes(w)) out += entryRecord(w, p, e);
    out += rec('W', String(w), '0');
  }
  return out;
}

/** What the attribute passes and the hash workers print for these paths. */
function attributeRecords(host: Host, hash: string[], attrs: string[], flags: string[], content: string[]): string {
  let out = '';
  for (const p of content) out += 'O' + NUL + p + NUL + ' 68 69\n' + NUL + '0' + NUL;
  const x = attrs.filter((p) => host[p]!.xattr).map((p) => `# file: ${p}\n${host[p]!.xattr}\n\n`);
  if (x.length) out += 'A' + NUL + 'xattrs' + NUL + x.join('') + NUL;
  if (flags.length) out += 'A' + NUL + 'flags' + NUL + flags.map((p) => `----${host[p]!.flags ?? '-'}---------e------- ${p}\n`).join('') + NUL;
  out += 'H' + NUL + hash.map((p) => `${host[p]!.sha} *${p}\n`).join('') + NUL;
  return out;
}

/** A host answering a scan (`full`: everything; else the metadata pass) and the `list` runs that follow. */
class FakeHost implements Transport {
  /** The arguments of each list run. */
  readonly lists: string[][] = [];
  constructor(
    private readonly host: Host,
    private readonly walks: number,
    private readonly full: boolean,
    private readonly first = '',
    /** How long the host takes to connect and start (the reference is read meanwhile). */
    private readonly connectMs = 0,
  ) {}

  async runScript(script: string, args: string[]) {
    if (this.connectMs) await new Promise((resolve) => setTimeout(resolve, this.connectMs));
    let text: string;
    // Every run's arguments travel in the script (`set -- ...`), none on the command line.
    expect(args).toEqual([]);
    const prelude = /^set -- (.*)\n/m.exec(script);
    if (!prelude) throw new Error('the script does not set its arguments');
    const a = [...prelude[1]!.matchAll(/'([^']*)'/g)].map((m) => m[1]!);
    if (a[1] === 'list') {
      this.lists.push(a);
      let at = 4;
      const take = () => a.slice(at + 1, (at += 1 + Number(a[at])));
      const hash = take();
      const nread = Number(a[at]);
      const read = a.slice(at + 1, at + 1 + 2 * nread).filter((_, k) => k % 2 === 1);
      at += 1 + 2 * nread;
      const attrs = take();
      const flags = take();
      text = rec('V', PROTOCOL_VERSION) + FACTS + attributeRecords(this.host, hash, attrs, flags, read) + rec('Z');
    } else {
      expect(a[4]).toBe(this.full ? '1' : '0');
      const files = Object.keys(this.host).filter((p) => this.host[p]!.type === 'f' && !this.host[p]!.error);
      const dirsAndFiles = Object.keys(this.host).filter((p) => this.host[p]!.type !== 'l');
      text = this.first || rec('V', PROTOCOL_VERSION) + FACTS + NAMES + entryRecords(this.host, this.walks) +
        (this.full ? attributeRecords(this.host, files, Object.keys(this.host), dirsAndFiles, ['/t/sub/x']) : '') + rec('Z');
    }
    // The host runs the script's first line first: it prints the run's start marker.
    const marker = /^printf '%s\\0' '([^']*)'\n/.exec(script);
    if (!marker) throw new Error('the script does not start with its start marker');
    const bytes = Buffer.from(`${marker[1]}\0${text}`, 'latin1');
    const chunks: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += 37) chunks.push(bytes.subarray(at, at + 37));
    return { stdout: Readable.from(chunks), done: Promise.resolve({ code: 0, signal: null, stderr: '' }), kill() {} };
  }

  close(): void {}
}

// Policy 0 compares /t with its baseline; policy 1 walks /t/sub again, keeping content: its
// entries are found by both walks, and the second walk makes them keep content (never twins).
const plan: ScanPlan = buildPlan([
  policy('p0', [target('/t')]),
  policy('p1', [target('/t/sub', { compare: 'self', content: 100 })]),
]);

const before: Host = {
  '/t': { type: 'd', mode: '755', inode: 1, flags: '-' },
  '/t/same': { type: 'f', inode: 2, sha: sha('a') },
  '/t/chmod': { type: 'f', inode: 3, sha: sha('b') },
  '/t/rewritten': { type: 'f', inode: 4, sha: sha('c') },
  '/t/gone': { type: 'f', inode: 5, sha: sha('d') },
  '/t/link': { type: 'l', mode: '777', inode: 6, link: 'same' },
  '/t/immutable': { type: 'f', inode: 7, sha: sha('e'), flags: 'i' },
  '/t/xattr': { type: 'f', inode: 8, sha: sha('f'), xattr: 'user.a=0x76' },
  '/t/secret': { type: 'f', inode: 9, error: 'Permission denied' },
  '/t/owner': { type: 'f', inode: 10, sha: sha('1'), uid: 1000 },
  '/t/sub': { type: 'd', mode: '755', inode: 11, walks: [0, 1] },
  '/t/sub/x': { type: 'f', inode: 12, sha: sha('2'), size: 2, walks: [0, 1] },
  // Enough that the held reference's paths are indexed over several rows.
  ...Object.fromEntries(Array.from({ length: 100 }, (_, k) => [`/t/many/${k}`, { type: 'f', inode: 100 + k, sha: sha('7') } satisfies HostEntry])),
};
const after: Host = {
  ...before,
  '/t/chmod': { ...before['/t/chmod']!, mode: '600', ctime: '1700000500.5' },
  '/t/rewritten': { ...before['/t/rewritten']!, size: 9, mtime: '1700000500.1000000000', ctime: '1700000500.5', sha: sha('9') },
  '/t/new': { type: 'f', inode: 13, sha: sha('3') },
};
delete after['/t/gone'];

async function fullScan(): Promise<Collected> {
  return collect(new FakeHost(before, 2, true), plan, {});
}

/** The reference: a baseline of policy 0 (older), and a later full scan without /t/immutable. */
async function reference(): Promise<Reference> {
  const full = await fullScan();
  const all = [...full.entries.values()];
  const baseline = memoryReference(all).sources[0]!;
  const later = memoryReference(all.filter((e) => e.path !== '/t/immutable')).sources[0]!;
  return { sources: [{ ...baseline, baseline: { id: 5, policyIndex: 0 } }, later] };
}

/**
 * The other order: an older full scan, then a later baseline of policy 0 without /t/owner. The
 * older source is looked up only for what the later one lacks.
 */
async function baselineLatest(): Promise<Reference> {
  const all = [...(await fullScan()).entries.values()];
  const older = memoryReference(all).sources[0]!;
  const baseline = memoryReference(all.filter((e) => e.path !== '/t/owner')).sources[0]!;
  return { sources: [older, { ...baseline, baseline: { id: 5, policyIndex: 0 } }] };
}

async function quick(holdLimit?: number, ref: () => Promise<Reference> = reference, connectMs = 0) {
  const transport = new FakeHost(after, 2, false, '', connectMs);
  const c = await collect(transport, plan, { reference: await ref(), expectedEntries: 3, ...(holdLimit === undefined ? {} : { holdLimit }) });
  const twin = c.twins!.get(5)!;
  return {
    entries: [...c.entries.values()],
    hashed: c.hashed,
    lists: transport.lists,
    twins: { policyIndex: twin.policyIndex, rows: [...twin.rows].flatMap((v, i) => (v ? [[...c.entries.keys()][i]] : [])), leftovers: twin.leftovers },
  };
}

describe('a quick scan against its reference', () => {
  it('gives the same result compared as entries arrive (held) and merged after the stream', async () => {
    const held = await quick();
    const merged = await quick(0);
    expect(held).toEqual(merged);

    const byPath = new Map(held.entries.map((e) => [e.path, e]));
    // Reused: the full scan's hash and attributes beyond stat(2); read again: what moved.
    expect(byPath.get(byteString('/t/same'))!.attrs).toMatchObject({ sha256: sha('a'), flags: null, xattrs: null });
    expect(byPath.get(byteString('/t/immutable'))!.attrs).toMatchObject({ sha256: sha('e'), flags: 'i' });
    expect(byPath.get(byteString('/t/xattr'))!.attrs).toMatchObject({ sha256: sha('f'), xattrs: 'user.a=0x76' });
    expect(byPath.get(byteString('/t/rewritten'))!.attrs.sha256).toBe(sha('9'));
    expect(byPath.get(byteString('/t/sub/x'))!.attrs.content).toEqual({ text: 'hi' });
    expect(held.lists).toHaveLength(1);
    const hashList = held.lists[0]!.slice(5, 5 + Number(held.lists[0]![4]));
    expect(hashList.sort()).toEqual(['/t/chmod', '/t/new', '/t/rewritten']);
    expect(held.hashed).toBe(3);
    // Twins of the baseline: equal on every attribute, master-compared, no kept content.
    expect(held.twins.rows.filter((p) => !p!.startsWith('/t/many/')).sort()).toEqual(['/t', '/t/immutable', '/t/link', '/t/owner', '/t/same', '/t/xattr']);
    expect(held.twins.rows).toHaveLength(106);
    expect(held.twins.leftovers.map((e) => e.path)).toEqual(['/t/chmod', '/t/gone', '/t/rewritten', '/t/secret', '/t/sub', '/t/sub/x']);
  });

  it('gives the same result when the reference is read and indexed while the host connects', async () => {
    expect(await quick(undefined, reference, 30)).toEqual(await quick(0));
    expect(await quick(undefined, baselineLatest, 30)).toEqual(await quick(0, baselineLatest));
  });

  it('takes from an earlier source what the later one lacks, held or merged alike', async () => {
    const held = await quick(undefined, baselineLatest);
    expect(held).toEqual(await quick(0, baselineLatest));
    const owner = held.entries.find((e) => e.path === '/t/owner')!;
    // Reused from the older full scan (not read again), and no twin: the baseline lacks it.
    expect(owner.attrs.sha256).toBe(sha('1'));
    expect(held.lists[0]!.slice(5, 5 + Number(held.lists[0]![4])).sort()).toEqual(['/t/chmod', '/t/new', '/t/rewritten']);
    expect(held.twins.rows).not.toContain('/t/owner');
    expect(held.twins.rows).toContain('/t/same');
  });

  it('refuses a pre-flight fact or a name after the first entry (entries are compared as they come)', async () => {
    const E = rec('E', '0', '/t', 'd', '755', '0', '0', '4096', '1700000000.1000000000', '1700000001.5', '1', '1', '', '');
    for (const late of [rec('P', 'getfattr', 'no'), 'U' + NUL + 'x:x:5:5::/:/bin/sh\n' + NUL]) {
      const transport = new FakeHost(after, 1, false, rec('V', PROTOCOL_VERSION) + FACTS + NAMES + rec('T', '0', 'ok') + E + late + rec('Z'));
      await expect(collect(transport, buildPlan([policy('p0', [target('/t')])]), { reference: await reference() })).rejects.toThrow(ScanFailure);
    }
  });

  it.each([
    ['the reference has', '/t/same'],
    ['the reference lacks', '/t/new'],
  ])('refuses a path given twice by one walk, one %s, held or merged alike', async (_, twice) => {
    // One walk: no path is looked up as it comes, the check is made after the stream.
    const one = buildPlan([policy('p0', [target('/t')])]);
    const host: Host = { '/t': after['/t']!, '/t/same': after['/t/same']!, '/t/new': after['/t/new']!, ...Object.fromEntries(Object.entries(after).filter(([p]) => p.startsWith('/t/many/'))) };
    const base = await collect(new FakeHost(host, 1, true), one, {});
    const reference = memoryReference([...base.entries.values()].filter((e) => e.path !== '/t/new'));
    // The path again, right after its first time, and after the rest.
    const paths = Object.keys(host);
    for (const order of [paths.flatMap((p) => (p === twice ? [p, p] : [p])), [...paths, twice]]) {
      const doubled = rec('V', PROTOCOL_VERSION) + FACTS + NAMES + rec('T', '0', 'ok') + order.map((p) => entryRecord(0, p, host[p]!)).join('') + rec('W', '0', '0') + rec('Z');
      for (const holdLimit of [undefined, 0]) {
        const run = collect(new FakeHost(host, 1, false, doubled), one, { reference, ...(holdLimit === undefined ? {} : { holdLimit }) });
        await expect(run).rejects.toThrow(`malformed scanner output: the entry '${twice}' came twice from one walk`);
      }
    }
  });
});
