// Domain types shared by the engine, the CLI and the renderer. Pure data: no Node, DOM or Electron.
import type { AttributeName } from './attributes.js';

export type ServerOs = 'linux' | 'windows';
export type CompareMode = 'master' | 'self';
export type EntryType = 'file' | 'directory' | 'symlink' | 'block' | 'char' | 'fifo' | 'socket' | 'unknown';

/**
 * One file-system entry as scanned. `path` uses the path escape of docs/formats.md: the exact
 * name when it is valid UTF-8, otherwise with `pathEscaped` set.
 * Values are strings or numbers as they will be shown; null means "not applicable / not known".
 */
export interface EntryAttributes {
  type: EntryType;
  mode: string; // four octal digits with setuid/setgid/sticky, e.g. "4755"
  uid: number;
  gid: number;
  owner: string;
  group: string;
  size: number;
  mtime: string; // seconds since the epoch with the fraction the host gives, e.g. "1732824813.123456789"
  ctime: string;
  /** A number up to 2^53; a larger one as its exact decimal text (inodeValue). */
  inode: Inode;
  nlink: number;
  device: string | null; // "major:minor" of block and character devices
  target: string | null; // symlink target, never followed
  sha256: string | null; // regular files only
  // Beyond stat(2) (attributes.ts), each checked where the host has the tool (see the server's pre-flight). Absent:
  // not checked on this host (never taken as equal); null: checked, none (or cannot exist here).
  xattrs?: string | null; // "name=0xHEX" sorted, space-separated; without the four below
  acl?: string | null; // extended POSIX ACL entries, comma-separated (getfacl -n)
  caps?: string | null; // file capabilities, e.g. "cap_setuid=ep"
  selinux?: string | null; // security.selinux label
  flags?: string | null; // ext file flags (lsattr letters), e.g. "i" for immutable
  /** Text of a small file, for targets that keep content. */
  content?: FileContent | null;
}

/** Kept text of a small file: lines matching secret patterns masked, or why it is not kept. */
export type FileContent = { text: string; masked?: number } | { skipped: 'binary' | 'too large' | 'unreadable' | 'changed during the scan' };

export interface Entry extends EntryAttributes {
  path: string;
  pathEscaped?: true;
  /** Why the entry could not be fully read (it is still recorded). */
  error?: string;
}

export interface AttributeChange {
  /** `hostKey` only on host_key_mismatch events. */
  name: AttributeName | 'hostKey';
  baseline: string | number | null;
  current: string | number | null;
  /** `content`: the unified diff of the kept text (masked lines masked)... */
  diff?: string;
  /** ... or why there is none: binary, too large, masked, unreadable. */
  skipped?: string;
  /** The attribute is compared but was not checked on that side's host: it is not known to be equal. */
  notChecked?: 'baseline' | 'current' | 'both';
}

export type ChangeKind = 'added' | 'removed' | 'modified';
/** `retired`: closed because what it was about (its policy, target, group or server) was removed. */
export type EventStatus = 'open' | 'resolved' | 'accepted' | 'retired';

/** A finding: a deviation that stays one open event while it persists. */
export interface FimEvent {
  id: number;
  server: string;
  group: string;
  policy: string;
  path: string;
  pathEscaped?: true;
  change: ChangeKind | 'host_key_mismatch';
  critical: boolean;
  alert: boolean;
  status: EventStatus;
  firstSeen: string; // ISO 8601
  lastSeen: string;
  attributes: AttributeChange[];
  /** Full metadata on each side, for the side-by-side view; null where the entry does not exist. */
  baselineEntry: Entry | null;
  currentEntry: Entry | null;
  error?: string;
  accepted?: { by: string; at: string; note: string; scope: AcceptScope };
  resolvedAt?: string;
  /** How it was resolved, when not by a scan that found the entry back (e.g. a host key trusted). */
  resolution?: string;
  retired?: { at: string; reason: string };
  /** The scopes `accept` takes for this event (none: it cannot be accepted; the API says what to do instead). */
  acceptScopes: AcceptScope[];
}

export type AcceptScope = 'server' | 'baseline';

export interface Target {
  path: string;
  /** null: recursive without limit; 0: the path itself; 1: a directory and its entries (non-recursive); N: depth. */
  depth: number | null;
  include: string[];
  exclude: string[];
  critical: boolean;
  alert: boolean;
  compare: CompareMode;
  ignore: AttributeName[];
  /** Descend into other file systems mounted below the target. */
  crossMounts: boolean;
  /** Compliance reference, e.g. "PCI DSS 11.5.2; CIS 6.1.x" (absent when none). */
  reference?: string;
  /** Keep the text of regular files up to this many bytes (absent: not kept). */
  content?: number;
  /** Lines of kept text matching one of these (regular expressions, any case) are masked. */
  contentSecrets?: string[];
}

export interface Policy {
  name: string;
  os: ServerOs;
  description: string;
  targets: Target[];
}

export type ServerAuth =
  | { kind: 'local' }
  | { kind: 'agent' }
  | { kind: 'key'; keyFile: string; passphraseEnv?: string }
  | { kind: 'password'; passwordEnv?: string };

export interface Server {
  name: string;
  host: string;
  port: number;
  user: string;
  auth: ServerAuth;
  os: ServerOs;
  group: string | null;
  tags: string[];
  local: boolean;
  /** Shell that runs the scanner (sh unless set). */
  shell: string;
  hostKey: string | null; // pinned OpenSSH "SHA256:..." fingerprint
  jump: string | null; // name of another server to hop through
  sudo: boolean;
}

/** One change of a server's pinned host key: who (the OS user), when, the keys before and after, how. */
export interface TrustChange {
  at: string;
  by: string;
  old: string | null;
  new: string | null;
  how: string;
}

export interface Group {
  name: string;
  policies: string[];
}

/**
 * `not_compared`: the scan ran, but some policy had nothing to compare with (no active baseline for
 * its master targets, or self targets whose reference this scan recorded first): never clean.
 */
export type ScanStatus = 'queued' | 'running' | 'completed_clean' | 'completed_with_findings' | 'not_compared' | 'failed';

/** What a scan did with one policy of the server: compared it with its references, or not (and why). */
export interface PolicyOutcome {
  policy: string;
  status: 'compared' | 'not_compared';
  reason?: string;
}

export interface ScanCounts {
  entries: number;
  added: number;
  removed: number;
  modified: number;
  unreadable: number;
}

/** What a scan record is of: a scan, a gold-master baseline, or a pre-flight that met a changed host key. */
export type ScanKind = 'scan' | 'baseline' | 'preflight';

export interface ScanRecord {
  id: number;
  server: string;
  kind: ScanKind;
  status: ScanStatus;
  reason?: string;
  startedAt: string;
  finishedAt?: string;
  counts: ScanCounts;
  warnings: string[];
  /** Which scan ran: full (every file hashed) or quick (only files whose metadata changed). */
  mode?: ScanMode;
  /** Each policy's outcome (scans since per-policy outcomes are recorded). */
  policies?: PolicyOutcome[];
}

export type ScanMode = 'full' | 'quick';

/** What a server's host offers the scanner, and so which attributes it can check. */
export interface ServerPreflight {
  at: string;
  /** shell, find, stat, hashers, hasher, cores, getfattr, getfacl, getcap, lsattr, gzip, nice, ionice, sudo, ... */
  facts: Record<string, string>;
  checked: AttributeName[];
  /** Attributes this host cannot check, with the tool it lacks. */
  notChecked: { name: AttributeName; tool: string }[];
  /** What the reader should know: tools that failed their check, output of the login shell. */
  warnings: string[];
}

/** How one server is scanned (per server; defaults apply until set). */
export interface ServerScanSettings {
  /** Parallel hash workers on the host; 0: one per core. */
  jobs: number;
  /** Lower CPU and I/O priority (nice, ionice) where the host has them. */
  nice: boolean;
  /** Quick scans between full ones: a full scan runs after this many scans (0: always full)... */
  fullEvery: number;
  /** ... or when the last full scan is older than this many days. */
  fullEveryDays: number;
  /** Entries one scan of this server may hold: a host that sends more fails its scan (docs/security.md). */
  maxEntries: number;
}

export interface ServerScanResult {
  name: string;
  status: ScanStatus;
  reason?: string;
  scanId?: number;
  counts?: ScanCounts;
  openEvents?: number;
  warnings?: string[];
  /** Not scanned because another scan of this server was running (status 'failed', nothing stored). */
  busy?: true;
  /** Which scan ran (absent when the scanner did not run). */
  mode?: ScanMode;
  /** Each policy's outcome (absent when the scanner did not run). */
  policies?: PolicyOutcome[];
}

export interface TargetReport {
  path: string;
  state: 'found' | 'missing';
  entries: number;
  unreadable: string[];
}

export interface BaselineInfo {
  id: number;
  policy: string;
  server: string;
  createdAt: string;
  expiresAt: string | null;
  comment: string;
  entries: number;
  expired: boolean;
  /** active: compared with; expired and superseded ones are kept for the record but not compared with. */
  status: BaselineStatus;
  /** When a later baseline of the same policy from the same server replaced it, and which. */
  supersededAt: string | null;
  supersededBy: number | null;
}

export type BaselineStatus = 'active' | 'expired' | 'superseded';

export interface BaselineReport {
  baseline: BaselineInfo;
  targets: TargetReport[];
  /** What the gold-master's scan warned of (when the baseline was just taken). */
  warnings?: string[];
}

/** An inode number as it stays exact: a number up to 2^53 - 1, else its decimal text (64-bit inodes exist). */
export type Inode = number | string;

/** The exact value of an inode number given as decimal digits: a safe number, or the text without leading zeros. */
export function inodeValue(digits: string): Inode {
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : digits.replace(/^0+(?=\d)/, '');
}
