// What a `list` run of the scanner is asked to read (hashes, content, attributes, flags, device
// numbers of the paths given), worked out from the scan's table: for a quick scan, the rows its
// reference did not decide; for any scan, what the passes so far still owe.
import type { ByteString } from '../model/entry.js';
import type { EntryTable } from '../scanner/entry-table.js';
import { PROTOCOL_VERSION } from '../scanner/protocol.js';
import type { ScanSettings } from '../scanner/scan-options.js';
import { shownPath } from '../scanner/stream-check.js';
import type { Facts } from './run-scanner.js';

/** What a `list` run is asked to read: paths to hash, (limit, path) to read, paths for attributes, flags, devices. */
export interface ListWork {
  hash: ByteString[];
  read: [number, ByteString][];
  attr: ByteString[];
  flags: ByteString[];
  dev: ByteString[];
}

export const isEmptyWork = (w: ListWork) => !w.hash.length && !w.read.length && !w.attr.length && !w.flags.length && !w.dev.length;

/** The arguments of a `list` run of `work`. */
export function listArgs(work: ListWork, settings: Partial<ScanSettings>): string[] {
  return [
    PROTOCOL_VERSION, 'list', String(settings.jobs ?? 0), settings.nice === false ? '0' : '1',
    String(work.hash.length), ...work.hash,
    String(work.read.length), ...work.read.flatMap(([l, p]) => [String(l), p]),
    String(work.attr.length), ...work.attr,
    String(work.flags.length), ...work.flags,
    String(work.dev.length), ...work.dev,
  ];
}

/**
 * A quick scan's rows its reference did not decide (`decided[i]` negative) are read again: each
 * readable file hashed (and its content read within its walk's limit), attributes and flags where
 * this host checks them, device numbers not known yet.
 */
export function readAgainWork(entries: EntryTable, decided: Int32Array, checked: ReadonlySet<string>, limitOf: (i: number) => number | null): ListWork {
  const work: ListWork = { hash: [], read: [], attr: [], flags: [], dev: [] };
  const anyAttrTool = checked.has('xattrs') || checked.has('acl') || checked.has('caps');
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
  return work;
}

/**
 * What the passes so far owe: files without a hash or a reason, content not read, devices without
 * numbers, and (where perl reads them, answering for every file and directory) attributes and flags.
 * With the tools instead, a name getfattr or lsattr could not read stays "not checked".
 */
export function owedWork(
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
export function shortPassReason(w: ListWork, facts: Facts, total: number): string {
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
