// Runs the scanner through a transport and gathers its stream into entries. Nothing here writes
// to the store: a failure anywhere (transport, exit status, malformed or truncated output) throws,
// and the caller stores nothing but the failure.
//
// A full scan is one run of the scanner (metadata, hashes, content, extended attributes). A quick
// scan is two: the metadata pass without hashing, then a `list` run that hashes only the regular
// files whose size, mtime, ctime or inode differ from the server's last full scan (`reference`);
// the others keep the hash (and content) the full scan recorded.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EntryAttributes, FileContent } from '../../shared/domain.js';
import type { Transport, RunOptions } from '../transport/transport.js';
import type { ScanPlan } from './plan.js';
import { RecordParser, type ByteString, type MetaRecord, type ScanRecordEvent } from './records.js';
import { checkableBy, maskContent, type ScanSettings } from './scan-options.js';
import { aclText, capsText } from './xattr-decode.js';

export interface ScannedEntry {
  path: ByteString;
  /** Indices of the walks (plan.walks) that found it. */
  walks: number[];
  attrs: EntryAttributes;
  error: string | null;
}

/** What the host told about itself (P records): tool → value. */
export type Facts = Record<string, string>;

export interface Collected {
  entries: Map<ByteString, ScannedEntry>;
  walkState: ('ok' | 'missing')[];
  facts: Facts;
  mode: 'full' | 'quick';
  /** Regular files hashed by this scan (all of them in a full scan). */
  hashed: number;
}

/** What a quick scan reuses from the server's last full scan, by path. */
export interface ReferenceEntry {
  type: string;
  size: number;
  mtime: string;
  ctime: string;
  inode: number;
  sha256: string | null;
  content?: FileContent | null;
  device?: string | null;
  /** The attributes beyond stat(2) the full scan checked (absent keys: not checked). */
  ext?: Partial<Pick<EntryAttributes, 'xattrs' | 'acl' | 'caps' | 'selinux' | 'flags'>>;
}

export interface CollectOptions extends RunOptions {
  settings?: Partial<ScanSettings>;
  /** Quick scan: the last full scan's entries of this server. */
  reference?: (path: ByteString) => ReferenceEntry | undefined;
}

export class ScanFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScanFailure';
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

/** Runs the script and feeds its stdout to `onRecord`; throws ScanFailure on any failure. */
export async function runScanner(transport: Transport, script: string, args: string[], options: RunOptions, onRecord: (r: ScanRecordEvent) => void): Promise<void> {
  const proc = await transport.runScript(script, args, options);
  // `done` may settle (e.g. reject on a dead connection) before it is awaited below.
  proc.done.catch(() => undefined);
  const parser = new RecordParser(onRecord);
  try {
    for await (const chunk of proc.stdout) parser.push(chunk as Buffer);
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
  try {
    parser.end();
  } catch (err) {
    throw new ScanFailure((err as Error).message);
  }
}

/** Only the pre-flight facts of a host. */
export async function preflight(transport: Transport, options: RunOptions = {}): Promise<Facts> {
  const facts: Facts = {};
  await runScanner(transport, scannerScript(), ['2', 'preflight'], options, (r) => {
    if (r.kind === 'fact') facts[r.key] = r.value;
  });
  return facts;
}

export async function collect(transport: Transport, plan: ScanPlan, options: CollectOptions = {}): Promise<Collected> {
  const settings = options.settings ?? {};
  const quick = options.reference !== undefined;
  const entries = new Map<ByteString, ScannedEntry>();
  const walkState: ('ok' | 'missing')[] = plan.walks.map(() => 'missing');
  const facts: Facts = {};
  const users = new Map<number, string>();
  const groups = new Map<number, string>();
  const contents = new Map<ByteString, Buffer | null>();
  const gotFlags = new Set<ByteString>();
  let hashed = 0;

  const onRecord = (r: ScanRecordEvent) => {
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
      case 'entry': {
        if (r.target >= plan.walks.length) throw new ScanFailure(`malformed scanner output: unknown target ${r.target}`);
        const seen = entries.get(r.path);
        if (seen) {
          if (!seen.walks.includes(r.target)) seen.walks.push(r.target);
        } else entries.set(r.path, { path: r.path, walks: [r.target], attrs: attributesOf(r), error: r.error });
        return;
      }
      case 'device': {
        const e = entries.get(r.path);
        if (e) e.attrs.device = r.device;
        return;
      }
      case 'hash': {
        const e = entries.get(r.path);
        if (e && e.attrs.type === 'file') {
          e.attrs.sha256 = r.sha256;
          hashed++;
        }
        return;
      }
      case 'xattrs': {
        const e = entries.get(r.path);
        if (!e) return;
        // Four of them have attributes of their own; getfacl and getcap are then not needed.
        const rest: string[] = [];
        let access: string | undefined;
        let dflt: string | undefined;
        for (const [name, hex] of r.attrs) {
          if (name === 'security.selinux') e.attrs.selinux = Buffer.from(hex, 'hex').toString('utf8').replace(/\0+$/, '') || null;
          else if (name === 'security.capability') e.attrs.caps = capsText(hex);
          else if (name === 'system.posix_acl_access') access = hex;
          else if (name === 'system.posix_acl_default') dflt = hex;
          else rest.push(`${name}=0x${hex}`);
        }
        if (access !== undefined || dflt !== undefined) e.attrs.acl = aclText(access, dflt, e.attrs.mode);
        if (rest.length) e.attrs.xattrs = rest.sort().join(' ');
        return;
      }
      case 'acl': {
        const e = entries.get(r.path);
        if (e) e.attrs.acl = r.acl;
        return;
      }
      case 'caps': {
        const e = entries.get(r.path);
        if (e && e.attrs.type === 'file') e.attrs.caps = r.caps || null;
        return;
      }
      case 'flags': {
        const e = entries.get(r.path);
        if (e) {
          e.attrs.flags = r.flags || null;
          gotFlags.add(r.path);
        }
        return;
      }
      case 'content':
        contents.set(r.path, r.bytes);
        return;
      case 'end':
        return;
    }
  };

  const script = scannerScript();
  const header = (hash: boolean) => ['2', 'scan', String(settings.jobs ?? 0), settings.nice === false ? '0' : '1', hash ? '1' : '0', String(plan.walks.length)];
  await runScanner(transport, script, [...header(!quick), ...plan.walkArgs], options, onRecord);

  // Which of the attributes beyond stat(2) this host could check (absent from an entry: not checked).
  const checked = new Set<string>(checkableBy(facts).checked);

  // The content limit (and secret patterns) of each walk.
  const contentOf = plan.walks.map((w) => w.content);

  if (quick) {
    // An entry whose type, inode, ctime (and for a file size and mtime) are those of the last full
    // scan keeps what that scan read: hash, content, device numbers, and the attributes beyond
    // stat(2) (changing any of them moves ctime). The others are read again by a `list` run.
    const toHash: ByteString[] = [];
    const toRead: [number, ByteString][] = [];
    const toAttr: ByteString[] = [];
    const toFlags: ByteString[] = [];
    const toDev: ByteString[] = [];
    const anyAttrTool = checked.has('xattrs') || checked.has('acl') || checked.has('caps');
    for (const e of entries.values()) {
      const a = e.attrs;
      const ref = options.reference!(e.path);
      const limit = contentLimit(e, contentOf);
      const same =
        ref !== undefined && ref.type === a.type && ref.inode === a.inode && ref.ctime === a.ctime && (a.type !== 'file' || (ref.size === a.size && ref.mtime === a.mtime)) &&
        // ... and the full scan checked everything this host can check now.
        [...checked].every((k) => ref.ext !== undefined && k in ref.ext);
      if (same && (a.type !== 'file' || ref.sha256)) {
        if (a.type === 'file') {
          a.sha256 = ref.sha256;
          if (limit !== null && ref.content !== undefined) a.content = ref.content;
        }
        if ((a.type === 'block' || a.type === 'char') && a.device === null && ref.device !== undefined) a.device = ref.device;
        // Only what this host can still check.
        for (const [k, v] of Object.entries(ref.ext ?? {}) as [keyof NonNullable<ReferenceEntry['ext']>, string | null][]) if (checked.has(k)) a[k] = v;
        if (ref.ext?.flags !== undefined && checked.has('flags')) gotFlags.add(e.path);
        continue;
      }
      if (a.type === 'file' && !e.error) {
        toHash.push(e.path);
        if (limit !== null && a.size <= limit) toRead.push([limit, e.path]);
      }
      if (anyAttrTool) toAttr.push(e.path);
      if (checked.has('flags') && (a.type === 'file' || a.type === 'directory')) toFlags.push(e.path);
      if ((a.type === 'block' || a.type === 'char') && a.device === null) toDev.push(e.path);
    }
    if (toHash.length || toAttr.length || toFlags.length || toDev.length) {
      const listArgs = [
        '2', 'list', String(settings.jobs ?? 0), settings.nice === false ? '0' : '1',
        String(toHash.length), ...toHash,
        String(toRead.length), ...toRead.flatMap(([l, p]) => [String(l), p]),
        String(toAttr.length), ...toAttr,
        String(toFlags.length), ...toFlags,
        String(toDev.length), ...toDev,
      ];
      await runScanner(transport, listPrelude(listArgs) + script, [], options, onRecord);
    }
  }

  for (const e of entries.values()) {
    const a = e.attrs;
    a.owner = users.get(a.uid) ?? String(a.uid);
    a.group = groups.get(a.gid) ?? String(a.gid);
    if (a.type === 'file' && a.sha256 === null && !e.error) e.error = 'not hashed: the file vanished or could not be read during the scan';
    // Extended attributes: none where the host checked and found nothing or where they cannot exist.
    if (checked.has('xattrs') && !e.error && a.xattrs === undefined) a.xattrs = null;
    if (checked.has('selinux') && a.selinux === undefined) a.selinux = null;
    if (checked.has('acl') && a.acl === undefined && a.type !== 'symlink') a.acl = null;
    if (a.type === 'symlink') a.acl = null;
    if (checked.has('caps') && a.caps === undefined) a.caps = null;
    if (a.type !== 'file') a.caps = null;
    // lsattr answers for every file and directory it can read: no answer, not checked.
    if (a.type !== 'file' && a.type !== 'directory') a.flags = null;
    else if (!gotFlags.has(e.path)) delete a.flags;
    const limit = contentLimit(e, contentOf);
    if (limit !== null && a.type === 'file' && a.content === undefined) {
      const secrets = plan.walks[e.walks[0]!]!.secrets;
      if (a.size > limit) a.content = { skipped: 'too large' };
      else if (e.error) a.content = { skipped: 'unreadable' };
      else if (!contents.has(e.path)) a.content = quick ? undefined : { skipped: 'unreadable' };
      else {
        const bytes = contents.get(e.path);
        if (bytes === null || bytes === undefined) a.content = { skipped: 'unreadable' };
        else if (bytes.length !== a.size) a.content = { skipped: 'changed during the scan' };
        else a.content = maskContent(bytes, secrets);
      }
      if (a.content === undefined) delete a.content;
    }
  }
  return { entries, walkState, facts, mode: quick ? 'quick' : 'full', hashed };
}

function contentLimit(e: ScannedEntry, contentOf: (number | null)[]): number | null {
  for (const w of e.walks) if (contentOf[w] !== null && contentOf[w] !== undefined) return contentOf[w]!;
  return null;
}

/**
 * The arguments of a `list` run travel in the script itself (`set -- ...` before it): the list
 * may be long, and names are bytes. A word of printable ASCII is single-quoted; any other is
 * rebuilt by printf from octal escapes, so the script text stays ASCII whatever the names hold.
 * `$(...)` drops trailing newlines, so every word carries a final x that is taken off again.
 */
export function listPrelude(args: string[]): string {
  const words = args.map((a) => {
    if (/^[\x20-\x7e]*$/.test(a)) return `'${a.replace(/'/g, `'\\''`)}x'`;
    let esc = '';
    for (let i = 0; i < a.length; i++) {
      const c = a.charCodeAt(i);
      esc += c >= 0x20 && c < 0x7f && c !== 0x27 && c !== 0x5c && c !== 0x25 ? a[i] : `\\${c.toString(8).padStart(3, '0')}`;
    }
    return `"$(printf '${esc}x')"`;
  });
  return `set -- ${words.join(' ')}\n_dw_n=$#\nfor _dw_a; do set -- "$@" "\${_dw_a%x}"; done\nshift "$_dw_n"\n`;
}

function attributesOf(r: MetaRecord): EntryAttributes {
  return {
    type: r.type,
    mode: r.mode,
    uid: r.uid,
    gid: r.gid,
    owner: '',
    group: '',
    size: r.size,
    mtime: r.mtime,
    ctime: r.ctime,
    inode: Number(r.inode),
    nlink: r.nlink,
    device: r.device,
    target: r.link,
    sha256: null,
  };
}
