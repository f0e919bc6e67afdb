// Runs the scanner through a transport and gathers its stream into entries. Nothing here writes
// to the store: a failure anywhere (transport, exit status, malformed or truncated output) throws,
// and the caller stores nothing but the failure.
//
// A full scan is one run of the scanner (metadata, hashes, content, extended attributes). A quick
// scan is two: the metadata pass without hashing, then a `list` run that hashes only the regular
// files whose size, mtime, ctime or inode differ from the server's last full scan (`reference`);
// the others keep the hash (and content) the full scan recorded (reference-compare.ts: each entry
// is compared as it arrives); a gold-master baseline in it that this scan compares is compared at
// the same time (twins), so that the evaluation does not read it again.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ToolAttribute } from '../../shared/attributes.js';
import type { EntryAttributes, FileContent, Inode } from '../../shared/domain.js';
import type { ByteString, EntryState } from '../model/entry.js';
import { isUnder } from '../model/coverage.js';
import type { PackLayout } from '../store/packs/pack-store.js';
import type { Transport, RunOptions } from '../transport/transport.js';
import type { ScanPlan } from '../scanner/plan.js';
import { PROTOCOL_VERSION, type RawEntry, type ScanRecordEvent } from '../scanner/protocol.js';
import { RecordParser } from '../scanner/record-parser.js';
import { ReferenceCompare } from './reference-compare.js';
import { walkSplitArgs } from '../scanner/walk-split.js';
import { checkableBy, loginOutputWarning, maskContent, toolCheckWarnings, type ScanSettings } from '../scanner/scan-options.js';
import { aclText, capsText } from '../scanner/xattr-decode.js';
import { EntryTable, type ScannedEntry } from '../scanner/entry-table.js';
import { ScanFailure } from '../scanner/scan-failure.js';
import { shownPath, StreamCheck, type RunKind, type StreamLimits } from '../scanner/stream-check.js';

export type { ScannedEntry };

/** What the host told about itself (P records): tool → value. */
export type Facts = Record<string, string>;

export interface Collected {
  /** Every entry, by path: a read-only map whose entries are made when asked for (entry-table.ts). */
  entries: ReadonlyMap<ByteString, ScannedEntry>;
  walkState: ('ok' | 'missing')[];
  facts: Facts;
  mode: 'full' | 'quick';
  /** Regular files hashed by this scan (all of them in a full scan). */
  hashed: number;
  /** Entries recorded with an error (counted without making them). */
  unreadable: number;
  /** Quick scan: by baseline id, what it found equal to the compared baselines it reused. */
  twins?: Map<number, BaselineTwins>;
  /** What the scan should tell its reader about the host (tools that failed their check, login output). */
  warnings: string[];
}

/**
 * A compared baseline met in a quick scan's reference: the rows equal to its entry on every
 * attribute (error-free, master-compared by policy `policyIndex`, no kept content), and its other
 * entries, made, for the evaluation (scan/prefilter.ts) to check as it would any other.
 */
export interface BaselineTwins {
  policyIndex: number;
  rows: Uint8Array;
  leftovers: EntryState[];
}

/** What a quick scan reuses from the server's last full scan, by path. */
export interface ReferenceEntry {
  type: string;
  size: number;
  mtime: string;
  ctime: string;
  inode: Inode;
  sha256: string | null;
  content?: FileContent | null;
  device?: string | null;
  /** The attributes beyond stat(2) the full scan checked (absent keys: not checked). */
  ext?: Partial<Pick<EntryAttributes, ToolAttribute>>;
}

/** One stored set of a quick scan's reference, read in path order (store/packs). */
export interface ReferenceSource {
  /** Its packs (store/packs/codec.ts) in path order, each read when it is asked for. */
  packs(): Iterable<Buffer>;
  /** Entries with times at or after this (host clock, seconds) are racy: read again. */
  racyFrom: number;
  /** A gold-master baseline of this scan's policy `policyIndex`: compared while it is read. */
  baseline?: { id: number; policyIndex: number };
}

/** What a quick scan may reuse: stored sets, oldest first (a later one's entry replaces an earlier one's). */
export interface Reference {
  sources: ReferenceSource[];
  /** The server's last full scan as its packs lie (none for a reference held elsewhere): walk-split.ts. */
  layout?: PackLayout[];
}

export interface CollectOptions extends RunOptions {
  settings?: Partial<ScanSettings>;
  /** Quick scan: the last full scan's entries of this server. */
  reference?: Reference;
  /** About how many entries the scan will hold (its server's last scan): room for them is made at once. */
  expectedEntries?: number;
  /** Quick scan: entries of the reference held in memory at most (reference-compare.ts, HOLD_LIMIT). */
  holdLimit?: number;
  /** Quick scan: entries from which the metadata pass may walk in two (walk-split.ts, SPLIT_FROM). */
  splitFrom?: number;
  /** What the host may send at most (stream-check.ts). */
  limits?: StreamLimits;
  /** Called as the stream arrives (after each chunk): what has been read and hashed so far. */
  onProgress?: (progress: CollectProgress) => void;
}

export interface CollectProgress {
  /** Entries read so far. */
  entries: number;
  /** Regular files hashed so far, and their bytes. */
  hashed: number;
  bytes: number;
}

export { ScanFailure };

/**
 * Bytes a login shell may print before the scanner starts (a banner in ~/.bashrc, say): skipped
 * up to the start marker, with a warning; more than this fails the run.
 */
export const LOGIN_OUTPUT_LIMIT = 65536;

/**
 * Finds the run's start marker in the first bytes of its output: what comes before it is not the
 * scanner's (a login shell's banner) and is skipped, up to LOGIN_OUTPUT_LIMIT bytes.
 */
class StartMarker {
  readonly bytes: Buffer;
  skipped = -1;
  private held: Buffer = Buffer.alloc(0);

  constructor(private readonly login: string | undefined) {
    this.bytes = Buffer.from(`DRIFTWATCH-START-${randomBytes(16).toString('hex')}\0`, 'latin1');
  }

  /** The script's first line: prints the marker. */
  get command(): string {
    return `printf '%s\\0' '${this.bytes.toString('latin1', 0, this.bytes.length - 1)}'\n`;
  }

  /** The part of `chunk` that is the scanner's, or null while the marker is still to come. */
  pass(chunk: Buffer): Buffer | null {
    if (this.skipped >= 0) return chunk;
    const all = this.held.length ? Buffer.concat([this.held, chunk]) : chunk;
    const at = all.indexOf(this.bytes);
    // Over the bound whether the marker came in the same chunk or is still to come.
    if (at > LOGIN_OUTPUT_LIMIT || (at < 0 && all.length - this.bytes.length >= LOGIN_OUTPUT_LIMIT)) {
      const who = this.login ? `the login shell of ${this.login}` : 'the shell that runs the scanner';
      throw new ScanFailure(`${who} printed more than ${LOGIN_OUTPUT_LIMIT} bytes before the scanner started (the most skipped); check ~/.bashrc or /etc/bash.bashrc for output in non-interactive shells`);
    }
    if (at >= 0) {
      this.skipped = at;
      this.held = Buffer.alloc(0);
      return all.subarray(at + this.bytes.length);
    }
    this.held = Buffer.from(all);
    return null;
  }

  /** The stream ended: the scanner must have started. */
  end(): void {
    if (this.skipped >= 0) return;
    const who = this.login ? `the login shell of ${this.login}` : 'the shell';
    throw new ScanFailure(`the scanner never started: ${who} printed ${this.held.length} bytes and then nothing of the scanner's`);
  }
}

let scriptCache: string | null = null;

/** The scanner script: next to the sources, or in Electron's resources when packaged. */
export function scannerScript(): string {
  if (scriptCache) return scriptCache;
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    process.env.DRIFTWATCH_SCRIPTS && path.join(process.env.DRIFTWATCH_SCRIPTS, 'scan.sh'),
    path.resolve(here, '../../../remote-scripts/scan.sh'),
    (process as { resourcesPath?: string }).resourcesPath && path.join((process as { resourcesPath?: string }).resourcesPath!, 'remote-scripts/scan.sh'),
  ].filter((p): p is string => Boolean(p));
  for (const p of candidates) if (fs.existsSync(p)) return (scriptCache = fs.readFileSync(p, 'utf8'));
  throw new Error(`scanner script not found (looked in ${candidates.join(', ')})`);
}

/** What a run of the scanner said besides its records. */
export interface RunReport {
  /** Bytes printed before the scanner started (a login shell's output), skipped. */
  skipped: number;
}

/**
 * Runs the script and feeds its stdout to `onRecord`; throws ScanFailure on any failure.
 * `onStarted`: called once the script runs, before its output is read (the host is starting).
 * The script's first line prints a marker made for this run: whatever the host prints before it
 * is not the scanner's and is skipped (bounded); after it the stream is parsed strictly.
 */
export async function runScanner(
  transport: Transport,
  script: string,
  args: string[],
  options: RunOptions,
  checked: { check: StreamCheck; kind: RunKind },
  onRecord: (r: ScanRecordEvent) => void,
  onStarted?: () => void,
  onRawEntry?: (r: RawEntry) => boolean,
  onChunk?: () => void,
): Promise<RunReport> {
  const { check } = checked;
  check.run(checked.kind);
  const marker = new StartMarker(transport.login);
  // The arguments travel in the script, on stdin: no command-line limit applies to them.
  const proc = await transport.runScript(marker.command + argsPrelude(args) + script, [], options);
  // `done` may settle (e.g. reject on a dead connection) before it is awaited below.
  proc.done.catch(() => undefined);
  const parser = new RecordParser(
    (r) => {
      check.record(r);
      onRecord(r);
    },
    onRawEntry &&
      ((r) => {
        check.rawEntry(r);
        return onRawEntry(r);
      }),
  );
  try {
    onStarted?.();
    for await (const chunk of proc.stdout) {
      const begun = marker.skipped >= 0;
      const mine = marker.pass(chunk as Buffer);
      if (!begun && marker.skipped >= 0) parser.skipped(marker.skipped + marker.bytes.length);
      if (!mine?.length) continue;
      check.received(mine.length);
      parser.push(mine);
      onChunk?.();
    }
  } catch (err) {
    proc.kill(err instanceof Error ? err.message : String(err));
    await proc.done.catch(() => undefined);
    throw err instanceof ScanFailure ? err : new ScanFailure(err instanceof Error ? err.message : String(err));
  }
  let exit;
  try {
    exit = await proc.done;
  } catch (err) {
    throw new ScanFailure(err instanceof Error ? err.message : String(err));
  }
  if (exit.code !== 0) {
    const detail = exit.stderr.trim().split('\n').slice(-3).join('; ') || (exit.signal ? `killed by ${exit.signal}` : 'no message');
    throw new ScanFailure(`scanner exited with status ${exit.code ?? exit.signal}: ${detail}`);
  }
  marker.end();
  try {
    parser.end();
  } catch (err) {
    throw new ScanFailure((err as Error).message);
  }
  check.finish();
  return { skipped: marker.skipped };
}

/**
 * Only the pre-flight facts of a host. A login shell's output before the scanner started is
 * told in the fact `login-output` (set here, never taken from the host).
 */
export async function preflight(transport: Transport, options: RunOptions = {}): Promise<Facts> {
  const facts: Facts = {};
  const check = new StreamCheck({ walks: [], walkArgs: [], args: [] });
  const run = await runScanner(transport, scannerScript(), [PROTOCOL_VERSION, 'preflight'], options, { check, kind: 'preflight' }, (r) => {
    if (r.kind === 'fact') facts[r.key] = r.value;
  });
  delete facts['login-output'];
  if (run.skipped > 0) facts['login-output'] = loginOutputWarning(run.skipped, transport.login);
  return facts;
}

export async function collect(transport: Transport, plan: ScanPlan, options: CollectOptions = {}): Promise<Collected> {
  const settings = options.settings ?? {};
  const quick = options.reference !== undefined;
  // Walks may find the same path only when one's root is at or under another's.
  const roots = plan.walks.map((w) => w.root);
  const entries = new EntryTable(roots.some((a, i) => roots.some((b, j) => i !== j && isUnder(a, b))), options.expectedEntries);
  const walkState: ('ok' | 'missing')[] = plan.walks.map(() => 'missing');
  const facts: Facts = {};
  const users = new Map<number, string>();
  const groups = new Map<number, string>();
  const contents = new Map<number, Buffer | null>();
  // Rows the perl reader answered for (K records): with perl, every file and directory read this run.
  const attributesRead = new Set<number>();
  // Quick scan: rows that kept what the last full scan read (nothing of them is read again).
  let reused: Int32Array | null = null;
  let hashed = 0;
  let hashedBytes = 0;
  const progress = options.onProgress ? () => options.onProgress!({ entries: entries.size, hashed, bytes: hashedBytes }) : undefined;
  // The content limit (and secret patterns) of each walk.
  const contentOf = plan.walks.map((w) => w.content);
  const limitOf = (i: number): number | null => entries.firstOfWalks(i, contentOf) ?? null;
  const check = new StreamCheck(plan, options.limits);
  const compare = quick ? new ReferenceCompare(entries, plan, options.reference!, limitOf, options.expectedEntries, options.holdLimit) : null;
  // Which of the attributes beyond stat(2) this host could check (absent from an entry: not checked).
  const checkedNow = () => new Set<string>(checkableBy(facts).checked);

  const onRecord = (r: ScanRecordEvent) => {
    if (r.kind === 'entry') {
      if (r.target >= plan.walks.length) throw new ScanFailure(`malformed scanner output: unknown target ${r.target}`);
      if (compare && !compare.begun) compare.begin(checkedNow(), users, groups);
      const n = entries.size;
      const i = entries.add(r);
      compare?.arrived(i, entries.size > n);
      return;
    }
    if (r.kind === 'hash') {
      const i = entries.rowOfHash(r.path);
      if (i !== undefined && entries.typeOf(i) === 'file') {
        entries.setSha(i, r.sha256);
        hashed++;
        hashedBytes += entries.sizeOf(i);
      }
      return;
    }
    if (r.kind === 'unhashed') {
      const i = entries.rowOfHash(r.path);
      if (i !== undefined && entries.typeOf(i) === 'file' && !entries.hasSha(i) && entries.errorOf(i) === null) entries.setError(i, `not hashed: ${r.reason}`);
      return;
    }
    // Entries are compared as they come, with the host's facts and names (scan.sh writes them first).
    if ((r.kind === 'fact' || r.kind === 'user' || r.kind === 'group') && compare?.comparing) {
      throw new ScanFailure('malformed scanner output: a pre-flight fact or a name after the first entry of a quick scan');
    }
    switch (r.kind) {
      case 'fact':
        facts[r.key] = r.value;
        return;
      case 'user':
        if (!users.has(r.id)) users.set(r.id, r.name);
        return;
      case 'group':
        if (!groups.has(r.id)) groups.set(r.id, r.name);
        return;
      case 'target':
        if (r.target >= plan.walks.length) throw new ScanFailure(`malformed scanner output: unknown target ${r.target}`);
        walkState[r.target] = r.state;
        return;
      case 'device': {
        const i = entries.rowInOrder(r.kind, r.path);
        if (i !== undefined) entries.setDevice(i, r.device);
        return;
      }
      case 'xattrs': {
        const i = entries.rowInOrder(r.kind, r.path);
        if (i === undefined) return;
        // Four of them have attributes of their own; getfacl and getcap are then not needed.
        const rest: string[] = [];
        let access: string | undefined;
        let dflt: string | undefined;
        for (const [name, hex] of r.attrs) {
          if (name === 'security.selinux') entries.setExt(i, 'selinux', Buffer.from(hex, 'hex').toString('utf8').replace(/\0+$/, '') || null);
          else if (name === 'security.capability') entries.setExt(i, 'caps', capsText(hex));
          else if (name === 'system.posix_acl_access') access = hex;
          else if (name === 'system.posix_acl_default') dflt = hex;
          else rest.push(`${name}=0x${hex}`);
        }
        if (access !== undefined || dflt !== undefined) entries.setExt(i, 'acl', aclText(access, dflt, entries.modeOf(i)));
        if (rest.length) entries.setExt(i, 'xattrs', rest.sort().join(' '));
        return;
      }
      case 'acl': {
        const i = entries.rowInOrder(r.kind, r.path);
        if (i !== undefined) entries.setExt(i, 'acl', r.acl);
        return;
      }
      case 'caps': {
        const i = entries.rowInOrder(r.kind, r.path);
        if (i !== undefined && entries.typeOf(i) === 'file') entries.setExt(i, 'caps', r.caps || null);
        return;
      }
      case 'flags': {
        const i = entries.rowInOrder(r.kind, r.path, true);
        if (i !== undefined) {
          // Marked, an entry shows none (null) by default: only flags set are kept apart.
          if (r.flags || entries.extOf(i)?.flags !== undefined) entries.setExt(i, 'flags', r.flags || null);
          entries.markFlags(i);
        }
        return;
      }
      case 'content': {
        const i = entries.rowInOrder(r.kind, r.path);
        if (i !== undefined) contents.set(i, r.bytes);
        return;
      }
      case 'attributes-read': {
        const i = entries.rowInOrder(r.kind, r.path, true);
        if (i !== undefined) attributesRead.add(i);
        return;
      }
      case 'end':
        return;
    }
  };

  // The bulk of the entries, read by the parser's fast path without strings (records.ts).
  const onRawEntry = (r: RawEntry): boolean => {
    // An unknown target: onRecord fails the scan.
    if (r.target >= plan.walks.length) return false;
    if (compare && !compare.begun) compare.begin(checkedNow(), users, groups);
    const n = entries.size;
    const i = entries.addRaw(r);
    compare?.arrived(i, entries.size > n);
    return true;
  };

  const script = scannerScript();
  const header = (hash: boolean) => [PROTOCOL_VERSION, 'scan', String(settings.jobs ?? 0), settings.nice === false ? '0' : '1', hash ? '1' : '0', String(plan.walks.length)];
  let skipped = 0;
  const ran = (r: RunReport) => {
    skipped = Math.max(skipped, r.skipped);
  };
  // A quick scan's metadata pass may walk in two. It reads its reference a slice at a time while
  // the host connects (between the connection's events), and what is left once the host starts.
  const split = quick ? walkSplitArgs(plan, options.reference!.layout, options.splitFrom) : [];
  let warming: NodeJS.Immediate | undefined;
  // A failure reading the reference (a damaged pack) is the scan's: kept, and thrown once the host
  // has started, into the run (never out of the immediate, which would end the process).
  let warmFailure: { error: unknown } | null = null;
  const warm = () => {
    try {
      if (compare?.warm()) warming = setImmediate(warm);
    } catch (error) {
      warmFailure = { error };
    }
  };
  if (compare) warming = setImmediate(warm);
  const started = () => {
    clearImmediate(warming);
    if (warmFailure) throw warmFailure.error;
    compare?.prepare();
  };
  try {
    ran(await runScanner(transport, script, [...header(!quick), ...plan.walkArgs, ...split], options, { check, kind: quick ? 'quick' : 'full' }, onRecord, started, onRawEntry, progress));
  } finally {
    clearImmediate(warming);
  }

  const checked = checkedNow();
  // A `list` run: hash, read content, attributes, flags and device numbers of the paths given.
  const runList = async (work: ListWork) => {
    const listArgs = [
      PROTOCOL_VERSION, 'list', String(settings.jobs ?? 0), settings.nice === false ? '0' : '1',
      String(work.hash.length), ...work.hash,
      String(work.read.length), ...work.read.flatMap(([l, p]) => [String(l), p]),
      String(work.attr.length), ...work.attr,
      String(work.flags.length), ...work.flags,
      String(work.dev.length), ...work.dev,
    ];
    ran(await runScanner(transport, script, listArgs, options, { check, kind: 'list' }, onRecord, undefined, undefined, progress));
  };

  let twins: Map<number, BaselineTwins> | undefined;
  if (compare) {
    // An entry whose type, inode, ctime (and for a file size and mtime) are those of the last full
    // scan keeps what that scan read (ReferenceCompare); the others are read again by a `list` run.
    const work: ListWork = { hash: [], read: [], attr: [], flags: [], dev: [] };
    const anyAttrTool = checked.has('xattrs') || checked.has('acl') || checked.has('caps');
    const decided = compare.finish(checked, users, groups);
    reused = decided;
    twins = compare.twins;
    for (let i = 0; i < entries.size; i++) {
      if (decided[i]! < 0) {
        const path = entries.pathOf(i);
        const type = entries.typeOf(i);
        const limit = limitOf(i);
        if (type === 'file' && entries.errorOf(i) === null) {
          work.hash.push(path);
          if (limit !== null && entries.sizeOf(i) <= limit) work.read.push([limit, path]);
        }
        if (anyAttrTool) work.attr.push(path);
        if (checked.has('flags') && (type === 'file' || type === 'directory')) work.flags.push(path);
        if ((type === 'block' || type === 'char') && entries.deviceOf(i) === null) work.dev.push(path);
      }
    }
    if (work.hash.length || work.attr.length || work.flags.length || work.dev.length) await runList(work);
  }

  const twice = entries.duplicate();
  if (twice !== null) throw new ScanFailure(`malformed scanner output: the entry ${shownPath(twice)} came twice from one walk`);

  // Every pass must have delivered what it was asked for: each readable regular file a hash or
  // the host's reason why not, each file of a content target within its limit its content, each
  // device its numbers. What is missing is asked for once more, alone; still missing, the scan
  // fails naming the pass and the tool: a lost result is never taken for a change.
  const owed = () => owedWork(entries, facts, limitOf, contents, attributesRead, reused);
  const first = owed();
  if (!isEmpty(first)) {
    await runList(first);
    const short = owed();
    if (!isEmpty(short)) throw new ScanFailure(shortPassReason(short, facts, entries.size));
  }

  // What a file ended with, and the content a target keeps.
  for (let i = 0; i < entries.size; i++) {
    const type = entries.typeOf(i);
    if (type !== 'file') continue;
    const error = entries.errorOf(i);
    const limit = limitOf(i);
    if (limit === null || entries.hasContent(i)) continue;
    const size = entries.sizeOf(i);
    if (size > limit) entries.setContent(i, { skipped: 'too large' });
    else if (error !== null) entries.setContent(i, { skipped: 'unreadable' });
    else if (!contents.has(i)) {
      if (!quick) entries.setContent(i, { skipped: 'unreadable' });
    } else {
      const bytes = contents.get(i);
      if (bytes === null || bytes === undefined) entries.setContent(i, { skipped: 'unreadable' });
      else if (bytes.length !== size) entries.setContent(i, { skipped: 'changed during the scan' });
      else entries.setContent(i, maskContent(bytes, plan.walks[entries.walksOf(i)[0]!]!.secrets));
    }
  }
  entries.finish(checked, users, groups);
  const warnings = [...toolCheckWarnings(facts), ...(skipped > 0 ? [loginOutputWarning(skipped, transport.login)] : [])];
  return { entries, walkState, facts, mode: quick ? 'quick' : 'full', hashed, unreadable: entries.errorCount(), warnings, ...(twins ? { twins } : {}) };
}

/** What a `list` run is asked to read: paths to hash, (limit, path) to read, paths for attributes, flags, devices. */
interface ListWork {
  hash: ByteString[];
  read: [number, ByteString][];
  attr: ByteString[];
  flags: ByteString[];
  dev: ByteString[];
}

const isEmpty = (w: ListWork) => !w.hash.length && !w.read.length && !w.attr.length && !w.flags.length && !w.dev.length;

/**
 * What the passes so far owe: files without a hash or a reason, content not read, devices without
 * numbers, and (where perl reads them, answering for every file and directory) attributes and flags.
 * With the tools instead, a name getfattr or lsattr could not read stays "not checked".
 */
function owedWork(
  entries: EntryTable, facts: Facts, limitOf: (i: number) => number | null, contents: ReadonlyMap<number, Buffer | null>,
  attributesRead: ReadonlySet<number>, reused: Int32Array | null,
): ListWork {
  const work: ListWork = { hash: [], read: [], attr: [], flags: [], dev: [] };
  // Device numbers come from GNU stat (the -printf path) or from the stat batches themselves.
  const devices = facts.stat === 'gnu';
  const content = facts.od === 'yes';
  const perl = facts.perl === 'yes';
  for (let i = 0; i < entries.size; i++) {
    const type = entries.typeOf(i);
    if (perl && (type === 'file' || type === 'directory') && !attributesRead.has(i) && !(reused && reused[i]! >= 0)) {
      work.attr.push(entries.pathOf(i));
      work.flags.push(entries.pathOf(i));
    }
    if (type === 'file' && entries.errorOf(i) === null) {
      if (!entries.hasSha(i)) work.hash.push(entries.pathOf(i));
      const limit = limitOf(i);
      if (content && limit !== null && entries.sizeOf(i) <= limit && !entries.hasContent(i) && !contents.has(i)) work.read.push([limit, entries.pathOf(i)]);
    } else if (devices && (type === 'block' || type === 'char') && entries.errorOf(i) === null && entries.deviceOf(i) === null) {
      work.dev.push(entries.pathOf(i));
    }
  }
  return work;
}

/** Why a scan whose passes came back short (after asking again) fails. */
function shortPassReason(w: ListWork, facts: Facts, total: number): string {
  const parts: string[] = [];
  const eg = (paths: ByteString[]) => `e.g. ${shownPath(paths[0]!)}`;
  if (w.hash.length) {
    const how = facts['perl-hash'] === 'yes' ? `${facts.hasher ?? 'the hasher'} with perl framing` : (facts.hasher ?? 'no hasher');
    parts.push(`the hash pass (${how}) gave no hash and no reason for ${w.hash.length} of ${total} entries, ${eg(w.hash)}`);
  }
  if (w.read.length) parts.push(`the content pass (od) returned nothing for ${w.read.length} files, ${eg(w.read.map(([, p]) => p))}`);
  if (w.dev.length) parts.push(`the device pass (stat) returned nothing for ${w.dev.length} devices, ${eg(w.dev)}`);
  if (w.flags.length) parts.push(`the attribute pass (perl) returned nothing for ${w.flags.length} files and directories, ${eg(w.flags)}`);
  return `${parts.join('; ')}; asked twice, so the scan is failed rather than report what it could not read as changed`;
}

/**
 * The arguments of every run travel in the script itself (`set -- ...` before it): a scan's
 * patterns and a list run's names may be long (an SSH command line is one argument, at most 128 KiB
 * on Linux), and names are bytes. A word of printable ASCII is single-quoted; any other is rebuilt
 * by printf from octal escapes, so the script text stays ASCII whatever the names hold.
 * `$(...)` drops trailing newlines, so such a word is built into a variable with a final x that
 * is taken off again. Then one `set --` takes every word: linear in the number of words (a loop
 * of `set -- "$@" WORD` copies the whole list each time: 6,000 names took 8 s under dash).
 */
export function argsPrelude(args: string[]): string {
  const built: string[] = [];
  const words = args.map((a) => {
    if (/^[\x20-\x7e]*$/.test(a)) return `'${a.replace(/'/g, `'\\''`)}'`;
    let esc = '';
    for (let i = 0; i < a.length; i++) {
      const c = a.charCodeAt(i);
      esc += c >= 0x20 && c < 0x7f && c !== 0x27 && c !== 0x5c && c !== 0x25 ? a[i] : `\\${c.toString(8).padStart(3, '0')}`;
    }
    const v = `_dw_${built.length}`;
    built.push(`${v}="$(printf '${esc}x')"; ${v}=\${${v}%x}\n`);
    return `"$${v}"`;
  });
  return `${built.join('')}set -- ${words.join(' ')}\n`;
}

