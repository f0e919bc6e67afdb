// Holds a scanner's stream to the plan that asked for it and to the limits a host may not pass.
// A monitored host is what an attacker controls once it is compromised, so nothing it sends is
// believed for being well-formed: each walk the plan asked for must begin (T) and end (W) once,
// its entries must lie under its root within its depth (no "..", no "//"), a run may send only
// the records its mode allows, and the entries, names, facts and bytes of a scan are bounded, so
// that memory stays bounded whatever a host sends (docs/security.md states the bound).
import type { ScanPlan } from './plan.js';
import type { RawEntry, ScanRecordEvent } from './protocol.js';
import { ScanFailure } from './scan-failure.js';
import { DEFAULT_SCAN_SETTINGS } from './scan-options.js';

/** Limits of one scan (per-server settings may raise `entries`). */
export interface StreamLimits {
  /** Entries one scan may hold. */
  entries: number;
  /** Bytes of scanner output one run may send (after decompression). */
  bytes: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = { entries: DEFAULT_SCAN_SETTINGS.maxEntries, bytes: 1 << 30 };

/** A server's limits: its entry limit, and room for as many entries' bytes (at least the default). */
export function limitsFor(maxEntries: number): StreamLimits {
  return { entries: maxEntries, bytes: Math.max(DEFAULT_STREAM_LIMITS.bytes, maxEntries * 512) };
}
/** PATH_MAX: the longest path or symlink target a host may report. */
export const MAX_PATH_BYTES = 4096;
/** Pre-flight facts a run may send, and the longest value. */
export const MAX_FACTS = 256;
export const MAX_FACT_BYTES = 4096;
/** User and group names a scan may send (getent may enumerate a directory), and the longest. */
export const MAX_NAMES = 500_000;
export const MAX_NAME_BYTES = 256;

/** What a run of the scanner may send, by record kind. */
export type RunKind = 'preflight' | 'full' | 'quick' | 'list';
const ALLOWED: Record<RunKind, ReadonlySet<ScanRecordEvent['kind']>> = {
  preflight: new Set(['fact', 'end']),
  full: new Set(['fact', 'user', 'group', 'target', 'walk-end', 'entry', 'device', 'hash', 'unhashed', 'xattrs', 'acl', 'caps', 'flags', 'attributes-read', 'content', 'end']),
  // The metadata pass of a quick scan: entries only; what else they hold comes from the list run.
  quick: new Set(['fact', 'user', 'group', 'target', 'walk-end', 'entry', 'end']),
  list: new Set(['fact', 'device', 'hash', 'unhashed', 'xattrs', 'acl', 'caps', 'flags', 'attributes-read', 'content', 'end']),
};

const SLASH = 0x2f;
const DOT = 0x2e;

export class StreamCheck {
  private kind: RunKind = 'full';
  private bytes = 0;
  private facts = 0;
  private names = 0;
  private entries = 0;
  /** Per walk: 0 not begun, 1 open, 2 missing (no root), 3 ended. */
  private readonly state: Uint8Array;
  private readonly status: Int32Array;
  private readonly found: Uint32Array;
  private readonly roots: Buffer[];
  private readonly depths: (number | null)[];

  constructor(
    private readonly plan: ScanPlan,
    private readonly limits: StreamLimits = DEFAULT_STREAM_LIMITS,
  ) {
    const n = plan.walks.length;
    this.state = new Uint8Array(n);
    this.status = new Int32Array(n);
    this.found = new Uint32Array(n);
    this.roots = plan.walks.map((w) => Buffer.from(w.root, 'latin1'));
    this.depths = plan.walks.map((w) => w.owners[0]?.target.depth ?? null);
  }

  /** A new run of the scanner begins: what it may send. */
  run(kind: RunKind): void {
    this.kind = kind;
    this.bytes = 0;
    this.facts = 0;
  }

  /** Output of the run, as it arrives. */
  received(length: number): void {
    this.bytes += length;
    if (this.bytes > this.limits.bytes) throw new ScanFailure(`the scanner sent more than ${this.limits.bytes} bytes in one run (the limit)`);
  }

  /** A record other than an entry the parser read on its fast path. */
  record(r: ScanRecordEvent): void {
    if (!ALLOWED[this.kind].has(r.kind)) throw new ScanFailure(`malformed scanner output: a ${this.kind} run does not send '${r.kind}' records`);
    switch (r.kind) {
      case 'fact':
        if (++this.facts > MAX_FACTS) throw new ScanFailure(`malformed scanner output: more than ${MAX_FACTS} pre-flight facts`);
        if (r.value.length > MAX_FACT_BYTES || r.key.length > MAX_FACT_BYTES) throw new ScanFailure(`malformed scanner output: a pre-flight fact longer than ${MAX_FACT_BYTES} bytes`);
        return;
      case 'user':
      case 'group':
        if (++this.names > MAX_NAMES) throw new ScanFailure(`malformed scanner output: more than ${MAX_NAMES} user and group names`);
        if (r.name.length > MAX_NAME_BYTES) throw new ScanFailure(`malformed scanner output: a user or group name longer than ${MAX_NAME_BYTES} bytes`);
        return;
      case 'target': {
        const w = this.walk(r.target);
        if (this.state[w] !== 0) throw new ScanFailure(`malformed scanner output: walk ${w} (${this.plan.walks[w]!.root}) began twice`);
        this.state[w] = r.state === 'ok' ? 1 : 2;
        return;
      }
      case 'walk-end': {
        const w = this.walk(r.target);
        if (this.state[w] !== 1) throw new ScanFailure(`malformed scanner output: walk ${w} (${this.plan.walks[w]!.root}) ended without having begun`);
        this.state[w] = 3;
        this.status[w] = r.status;
        return;
      }
      case 'entry': {
        const path = Buffer.from(r.path, 'latin1');
        this.entry(r.target, path, 0, path.length);
        if (r.link !== null && r.link.length > MAX_PATH_BYTES) throw new ScanFailure(`malformed scanner output: a symlink target longer than ${MAX_PATH_BYTES} bytes (PATH_MAX)`);
        return;
      }
    }
  }

  /** An entry the parser read on its fast path (records.ts RawEntry). */
  rawEntry(r: RawEntry): void {
    this.entry(r.target, r.chunk, r.at[1]!, r.at[2]! - 1);
    if (r.type === 'symlink' && r.at[12]! - 1 - r.at[11]! > MAX_PATH_BYTES) throw new ScanFailure(`malformed scanner output: a symlink target longer than ${MAX_PATH_BYTES} bytes (PATH_MAX)`);
  }

  /** The run's stream ended well: every walk the plan asked for began and, where its root exists, ended. */
  finish(): void {
    if (this.kind !== 'full' && this.kind !== 'quick') return;
    this.plan.walks.forEach((walk, w) => {
      const state = this.state[w];
      if (state === 0) throw new ScanFailure(`the scanner never walked ${walk.root} (no walk record): the scan is incomplete`);
      if (state === 1) throw new ScanFailure(`the walk of ${walk.root} never ended (no end record): the scan is incomplete`);
      if (state === 3 && this.status[w] !== 0 && this.found[w] === 0) {
        throw new ScanFailure(`the walk of ${walk.root} failed (find exited ${this.status[w]}) and recorded nothing`);
      }
    });
  }

  private walk(target: number): number {
    if (target >= this.plan.walks.length) throw new ScanFailure(`malformed scanner output: unknown target ${target}`);
    return target;
  }

  /** The path bytes buf[from, to) of an entry of walk `target`. */
  private entry(target: number, buf: Buffer, from: number, to: number): void {
    const w = this.walk(target);
    if (this.state[w] !== 1) throw new ScanFailure(`malformed scanner output: an entry of walk ${w} (${this.plan.walks[w]!.root}) outside that walk`);
    if (++this.entries > this.limits.entries) throw new ScanFailure(`the scan holds more than ${this.limits.entries} entries, this server's limit (raise it with: driftwatch server settings NAME --max-entries N)`);
    this.found[w]!++;
    if (to - from > MAX_PATH_BYTES) throw new ScanFailure(`malformed scanner output: a path longer than ${MAX_PATH_BYTES} bytes (PATH_MAX)`);
    const root = this.roots[w]!;
    const depth = pathDepth(buf, from, to, root);
    if (depth < 0) throw new ScanFailure(`malformed scanner output: ${shown(buf, from, to)} is not a plain path under ${this.plan.walks[w]!.root}, the walk it claims`);
    const max = this.depths[w];
    if (max !== null && max !== undefined && depth > max) throw new ScanFailure(`malformed scanner output: ${shown(buf, from, to)} lies deeper than its walk's depth ${max}`);
  }
}

/**
 * How many components below `root` the path buf[from, to) lies (0: the root itself), or -1 when
 * it is not a plain path under it: outside it, or with an empty, "." or ".." component, or a
 * trailing slash.
 */
export function pathDepth(buf: Buffer, from: number, to: number, root: Buffer): number {
  const len = to - from;
  if (len < root.length || buf.compare(root, 0, root.length, from, from + root.length) !== 0) return -1;
  if (len === root.length) return 0;
  let at = from + root.length;
  // Below "/" the rest starts right after the root's own slash.
  if (root.length !== 1 || root[0] !== SLASH) {
    if (buf[at] !== SLASH) return -1;
    at++;
  }
  let depth = 0;
  let start = at;
  for (let i = at; i <= to; i++) {
    if (i < to && buf[i] !== SLASH) continue;
    const n = i - start;
    if (n === 0 || (n === 1 && buf[start] === DOT) || (n === 2 && buf[start] === DOT && buf[start + 1] === DOT)) return -1;
    depth++;
    start = i + 1;
  }
  return depth;
}

/** A byte string in a failure reason, as shown(). */
export function shownPath(byteString: string): string {
  const b = Buffer.from(byteString, 'latin1');
  return shown(b, 0, b.length);
}

/** A path in a failure reason: printable ASCII as it is, every other byte and a backslash as \\xHH (safe on any terminal). */
function shown(buf: Buffer, from: number, to: number): string {
  let out = '';
  for (let i = from; i < Math.min(to, from + 200); i++) {
    const b = buf[i]!;
    out += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `'${out}${to - from > 200 ? '...' : ''}'`;
}
