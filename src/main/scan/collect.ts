// Runs the scanner through a transport (run-scanner.ts) and gathers its stream into the scan's
// entry table. Nothing here writes to the store: a failure anywhere (transport, exit status,
// malformed or truncated output) throws, and the caller stores nothing but the failure.
//
// A full scan is one run of the scanner (metadata, hashes, content, extended attributes). A quick
// scan is two: the metadata pass without hashing, then a `list` run (list-work.ts) that hashes
// only the regular files whose size, mtime, ctime or inode differ from the server's last full
// scan (`reference`); the others keep the hash (and content) the full scan recorded
// (reference/reference-compare.ts: each entry is compared as it arrives); a gold-master baseline
// in it that this scan compares is compared at the same time (twins), so that the evaluation
// does not read it again.
import { isUnder } from '../model/coverage.js';
import type { Transport, RunOptions } from '../transport/transport.js';
import type { ScanPlan } from '../scanner/plan.js';
import { PROTOCOL_VERSION, type RawEntry, type ScanRecordEvent } from '../scanner/protocol.js';
import { ReferenceCompare, type BaselineTwins } from './reference/reference-compare.js';
import type { Reference } from './reference/stored-reference.js';
import { checkableBy, loginOutputWarning, maskContent, toolCheckWarnings, type ScanSettings } from '../scanner/scan-options.js';
import { aclText, capsText } from '../scanner/xattr-decode.js';
import { EntryTable } from '../scanner/entry-table.js';
import { ScanFailure } from '../scanner/scan-failure.js';
import { scannerScript } from '../scanner/script.js';
import { shownPath, StreamCheck, type StreamLimits } from '../scanner/stream-check.js';
import { runScanner, type Facts, type RunReport } from './run-scanner.js';
import { isEmptyWork, listArgs, owedWork, readAgainWork, shortPassReason, type ListWork } from './list-work.js';

export interface Collected {
  /** Every entry, by path, in columns: an entry is made only when asked for (entry-table.ts). */
  entries: EntryTable;
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

export interface CollectOptions extends RunOptions {
  settings?: Partial<ScanSettings>;
  /** Quick scan: the last full scan's entries of this server. */
  reference?: Reference;
  /** About how many entries the scan will hold (its server's last scan): room for them is made at once. */
  expectedEntries?: number;
  /** Quick scan: entries of the reference held in memory at most (reference/reference-compare.ts, HOLD_LIMIT). */
  holdLimit?: number;
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
  // A quick scan reads its reference a slice at a time while the host connects (between the
  // connection's events), and what is left once the host starts.
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
    ran(await runScanner(transport, script, [...header(!quick), ...plan.walkArgs], options, { check, kind: quick ? 'quick' : 'full' }, onRecord, started, onRawEntry, progress));
  } finally {
    clearImmediate(warming);
  }

  const checked = checkedNow();
  // A `list` run: hash, read content, attributes, flags and device numbers of the paths given.
  const runList = async (work: ListWork) => {
    ran(await runScanner(transport, script, listArgs(work, settings), options, { check, kind: 'list' }, onRecord, undefined, undefined, progress));
  };

  let twins: Map<number, BaselineTwins> | undefined;
  if (compare) {
    // An entry whose type, inode, ctime (and for a file size and mtime) are those of the last full
    // scan keeps what that scan read (ReferenceCompare); the others are read again by a `list` run.
    const decided = compare.finish(checked, users, groups);
    reused = decided;
    twins = compare.twins;
    const work = readAgainWork(entries, decided, checked, limitOf);
    if (work.hash.length || work.attr.length || work.flags.length || work.dev.length) await runList(work);
  }

  const twice = compare ? compare.duplicate() : entries.duplicate();
  if (twice !== null) throw new ScanFailure(`malformed scanner output: the entry ${shownPath(twice)} came twice from one walk`);

  // Every pass must have delivered what it was asked for: each readable regular file a hash or
  // the host's reason why not, each file of a content target within its limit its content, each
  // device its numbers. What is missing is asked for once more, alone; still missing, the scan
  // fails naming the pass and the tool: a lost result is never taken for a change.
  const owed = () => owedWork(entries, facts, limitOf, contents, attributesRead, reused);
  const first = owed();
  if (!isEmptyWork(first)) {
    await runList(first);
    const short = owed();
    if (!isEmptyWork(short)) throw new ScanFailure(shortPassReason(short, facts, entries.size));
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
