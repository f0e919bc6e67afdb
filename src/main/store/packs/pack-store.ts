// Entry sets stored as packs (codec.ts): a baseline's entries (baseline_packs), a server's last
// full scan (server_full_packs) and a server's accepted state of a policy's self targets
// (self_packs), each a run of packs of up to PACK_SIZE entries in path order,
// keyed by their first path. One row per few thousand entries instead of one per entry: a set of
// a million entries is written and read in a few hundred statements, and read in path order so
// a scan is compared with it by one sorted merge (compare/pair.ts) and writes it in path order.
//
// Every pack is checked as it is read from the store (codec.ts checkPack: its checksum, or a
// whole decoding for a pack written before checksums): a damaged one fails what reads it with a
// DamagedPack that names the set and the pack, never a decoder's error from deep inside a scan.
import { displayPath } from '../../../shared/path-escape.js';
import { byteStringFromBuffer, type ByteString, type EntryState } from '../../model/entry.js';
import type { Db } from '../db.js';
import { byteOrder, checkPack, EntryFields, forEachInPacks, PackEncoder, PackReader } from './codec.js';

export const PACK_SIZE = 4096;

/** Which set: the table of its packs, the columns that name it there, and their values. */
export interface EntrySet {
  table: 'baseline_packs' | 'server_full_packs' | 'self_packs';
  owner: string[];
  id: number[];
}

export const baselineSet = (id: number): EntrySet => ({ table: 'baseline_packs', owner: ['baseline_id'], id: [id] });
export const serverFullSet = (serverId: number): EntrySet => ({ table: 'server_full_packs', owner: ['server_id'], id: [serverId] });
export const selfSet = (serverId: number, policyId: number): EntrySet => ({ table: 'self_packs', owner: ['server_id', 'policy_id'], id: [serverId, policyId] });

/** What a person calls a set: "baseline #3 of policy 'etc' (from web1)", "the self state of web1 for policy 'etc'". */
export function describeSet(db: Db, set: EntrySet): string {
  const name = (sql: string, id: number | undefined) => (db.prepare(sql).pluck().get(id) as string | undefined) ?? `#${id}`;
  const server = (id: number | undefined) => name('SELECT name FROM servers WHERE id = ?', id);
  const policy = (id: number | undefined) => `'${name('SELECT name FROM policies WHERE id = ?', id)}'`;
  if (set.table === 'baseline_packs') {
    const b = db.prepare('SELECT policy_id, server_name FROM baselines WHERE id = ?').get(set.id[0]) as { policy_id: number; server_name: string } | undefined;
    return `baseline #${set.id[0]}${b ? ` of policy ${policy(b.policy_id)} (from ${b.server_name})` : ''}`;
  }
  if (set.table === 'self_packs') return `the self state of ${server(set.id[0])} for policy ${policy(set.id[1])}`;
  return `the last full scan of ${server(set.id[0])} (its quick-scan reference)`;
}

/** A pack of a set that fails its check (codec.ts checkPack). */
export class DamagedPack extends Error {
  constructor(
    readonly set: string,
    /** The pack's first path (a byte string). */
    readonly firstPath: string,
    readonly why: string,
  ) {
    super(`${set} is damaged in the store (its pack from ${displayPath(firstPath).path}: ${why}); run driftwatch store check`);
    this.name = 'DamagedPack';
  }
}

/** The pack's bytes once checked; a DamagedPack naming the set otherwise. */
function checked(db: Db, set: EntrySet, firstPath: Buffer, data: Buffer): Buffer {
  const why = checkPack(data);
  if (why !== null) throw new DamagedPack(describeSet(db, set), firstPath.toString('latin1'), why);
  return data;
}

/** `a = ? AND b = ?` for the set's owner columns. */
const where = (set: EntrySet) => set.owner.map((c) => `${c} = ?`).join(' AND ');

/** Writes a set's packs as entries are added (in strictly increasing path order); nothing is kept. */
export class SetWriter {
  private readonly encoder = new PackEncoder();
  private readonly insert;
  count = 0;

  constructor(db: Db, private readonly set: EntrySet) {
    this.insert = db.prepare(`INSERT INTO ${set.table} (${set.owner.join(', ')}, first_path, entries, data) VALUES (${set.owner.map(() => '?').join(', ')}, ?, ?, ?)`);
  }

  add(path: ByteString, f: EntryFields): void {
    this.encoder.add(path, f);
    this.added();
  }

  /** add(), the path being src[start .. end). */
  addBytes(src: Uint8Array, start: number, end: number, f: EntryFields): void {
    this.encoder.addBytes(src, start, end, f);
    this.added();
  }

  private added(): void {
    this.count++;
    if (this.encoder.count >= PACK_SIZE) this.flush();
  }

  /** Writes what is left; the number of entries written. */
  finish(): number {
    this.flush();
    return this.count;
  }

  private flush(): void {
    if (this.encoder.count === 0) return;
    const first = this.encoder.first!;
    const n = this.encoder.count;
    this.insert.run(...this.set.id, first, n, this.encoder.finish());
  }
}

export function clearSet(db: Db, set: EntrySet): void {
  db.prepare(`DELETE FROM ${set.table} WHERE ${where(set)}`).run(...set.id);
}

/** Replaces a set with these entries (sorted here); the number written. */
export function writeSet(db: Db, set: EntrySet, entries: Iterable<EntryState>): number {
  clearSet(db, set);
  const sorted = [...entries].sort((a, b) => byteOrder(a.path, b.path));
  const w = new SetWriter(db, set);
  const f = new EntryFields();
  for (const e of sorted) w.add(e.path, f.fromState(e));
  return w.finish();
}

/** The set's packs in path order, each read (and checked) when it is asked for (no statement is left open between them). */
export function* packsOf(db: Db, set: EntrySet): Generator<Buffer> {
  const first = db.prepare(`SELECT first_path, data FROM ${set.table} WHERE ${where(set)} ORDER BY first_path LIMIT 1`).raw(true);
  const next = db.prepare(`SELECT first_path, data FROM ${set.table} WHERE ${where(set)} AND first_path > ? ORDER BY first_path LIMIT 1`).raw(true);
  let row = first.get(...set.id) as [Buffer, Buffer] | undefined;
  while (row) {
    yield checked(db, set, row[0], row[1]);
    row = next.get(...set.id, row[0]) as [Buffer, Buffer] | undefined;
  }
}

/**
 * Calls `fn` with every entry of the set in path order, in one reused EntryFields (valid during
 * the call only). The packs are read one statement each, none left open across `fn`, so `fn` may
 * use the store.
 */
export function forEachEntry(db: Db, set: EntrySet, fn: (f: EntryFields) => void): void {
  forEachInPacks(packsOf(db, set), fn);
}

/** The whole set as entries by path (small sets, tools and tests: a scan pairs entries with its rows instead). */
export function loadSet(db: Db, set: EntrySet): Map<string, EntryState> {
  const map = new Map<string, EntryState>();
  forEachEntry(db, set, (f) => map.set(f.path(), f.state()));
  return map;
}

export function setSize(db: Db, set: EntrySet): number {
  return (db.prepare(`SELECT COALESCE(SUM(entries), 0) AS n FROM ${set.table} WHERE ${where(set)}`).get(...set.id) as { n: number }).n;
}

/** Puts `entry` at `path` (null: takes the path out): replaceEntries for one path. */
export function replaceEntry(db: Db, set: EntrySet, path: ByteString, entry: EntryState | null): void {
  replaceEntries(db, set, new Map([[path, entry]]));
}

/**
 * Puts each entry at its path (null: takes the path out). Each pack that holds or would hold one of
 * the paths (the last whose first path is at or before it, else the first) is re-encoded once,
 * however many of them it gets, entry by entry without making them (split in packs of PACK_SIZE):
 * accepting ten thousand events re-encodes the packs they fall in, not a pack per event.
 */
export function replaceEntries(db: Db, set: EntrySet, changes: ReadonlyMap<string, EntryState | null>): void {
  const keys = [...changes.keys()].map((p) => Buffer.from(p, 'latin1')).sort(Buffer.compare);
  const firsts = db.prepare(`SELECT first_path FROM ${set.table} WHERE ${where(set)} ORDER BY first_path`).pluck().all(...set.id) as Buffer[];
  // The keys of each pack (by index in `firsts`; the first also takes those before every pack).
  const byPack = new Map<number, Buffer[]>();
  let pack = 0;
  for (const key of keys) {
    while (pack + 1 < firsts.length && Buffer.compare(firsts[pack + 1]!, key) <= 0) pack++;
    const list = byPack.get(pack);
    if (list) list.push(key);
    else byPack.set(pack, [key]);
  }
  const read = db.prepare(`SELECT data FROM ${set.table} WHERE ${where(set)} AND first_path = ?`).pluck();
  const readChecked = (first: Buffer) => checked(db, set, first, read.get(...set.id, first) as Buffer);
  const remove = db.prepare(`DELETE FROM ${set.table} WHERE ${where(set)} AND first_path = ?`);
  for (const [k, packKeys] of byPack) {
    const first = firsts[k];
    const r = first ? new PackReader(readChecked(first)) : null;
    if (first) remove.run(...set.id, first);
    const w = new SetWriter(db, set);
    const f = new EntryFields();
    const g = new EntryFields();
    const put = (key: Buffer) => {
      const path = byteStringFromBuffer(key, 0, key.length);
      const entry = changes.get(path)!;
      if (entry) w.add(path, g.fromState({ ...entry, path }));
    };
    // The pack's entries and its changes, merged in path order.
    let next = 0;
    for (let i = 0; r && i < r.count; i++) {
      r.next(f);
      const here = f.pathBuf.subarray(0, f.pathLen);
      while (next < packKeys.length && Buffer.compare(packKeys[next]!, here) < 0) put(packKeys[next++]!);
      if (next < packKeys.length && Buffer.compare(packKeys[next]!, here) === 0) put(packKeys[next++]!);
      else w.addBytes(f.pathBuf, 0, f.pathLen, f);
    }
    while (next < packKeys.length) put(packKeys[next++]!);
    w.finish();
  }
}
