// Domain types shared by the engine, the CLI and the renderer. Pure data: no Node, DOM or Electron.

export type ServerOs = 'linux' | 'windows';
export type CompareMode = 'master' | 'self';
export type EntryType = 'file' | 'directory' | 'symlink' | 'block' | 'char' | 'fifo' | 'socket' | 'unknown';

/** Attribute names as they appear in events, exactly (the CLI's JSON contract depends on them). */
export const CORE_ATTRIBUTES = [
  'type', 'mode', 'uid', 'gid', 'owner', 'group', 'size', 'mtime', 'ctime', 'inode', 'nlink', 'device', 'target', 'sha256',
] as const;
export const EXTENDED_ATTRIBUTES = ['xattrs', 'acl', 'caps', 'selinux', 'flags', 'content'] as const;
export type CoreAttribute = (typeof CORE_ATTRIBUTES)[number];
export type AttributeName = CoreAttribute | (typeof EXTENDED_ATTRIBUTES)[number];
export const ALL_ATTRIBUTES: readonly AttributeName[] = [...CORE_ATTRIBUTES, ...EXTENDED_ATTRIBUTES];

/** What a `master` target compares by default: what should be equal on every host built alike. */
export const MASTER_ATTRIBUTES: readonly AttributeName[] = ['type', 'mode', 'uid', 'gid', 'size', 'sha256', 'target', 'device'];
/** A `self` target compares a host with its own past, so times, inode and link count count too. */
export const SELF_ATTRIBUTES: readonly AttributeName[] = [...MASTER_ATTRIBUTES, 'mtime', 'ctime', 'inode', 'nlink'];

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
  inode: number;
  nlink: number;
  device: string | null; // "major:minor" of block and character devices
  target: string | null; // symlink target, never followed
  sha256: string | null; // regular files only
}

export interface Entry extends EntryAttributes {
  path: string;
  pathEscaped?: true;
  /** Why the entry could not be fully read (it is still recorded). */
  error?: string;
}

export interface AttributeChange {
  name: AttributeName;
  baseline: string | number | null;
  current: string | number | null;
}

export type ChangeKind = 'added' | 'removed' | 'modified';
export type EventStatus = 'open' | 'resolved' | 'accepted';

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

export interface Group {
  name: string;
  policies: string[];
}

export type ScanStatus = 'queued' | 'running' | 'completed_clean' | 'completed_with_findings' | 'failed';

export interface ScanCounts {
  entries: number;
  added: number;
  removed: number;
  modified: number;
  unreadable: number;
}

export interface ScanRecord {
  id: number;
  server: string;
  kind: 'scan' | 'baseline';
  status: ScanStatus;
  reason?: string;
  startedAt: string;
  finishedAt?: string;
  counts: ScanCounts;
  warnings: string[];
}

export interface ServerScanResult {
  name: string;
  status: ScanStatus;
  reason?: string;
  scanId?: number;
  counts?: ScanCounts;
  openEvents?: number;
  warnings?: string[];
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
}

export interface BaselineReport {
  baseline: BaselineInfo;
  targets: TargetReport[];
}
