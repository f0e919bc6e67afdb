// `store check`: SQLite's own integrity check, then every pack of entries (store/packs) read and
// checked whole: its checksum (packs written before checksums have none: decoding them is the
// check), its decoding, and that it holds the entry count and first path its row says.
import type { StoreCheck } from '../../shared/api.js';
import { displayPath } from '../../shared/path-escape.js';
import type { Db } from './db.js';
import { checkPack, EntryFields, PackReader, PACK_VERSION } from './packs/codec.js';
import { baselineSet, describeSet, selfSet, serverFullSet, type EntrySet } from './packs/pack-store.js';

/** Each table of packs: its owner columns (as a, b) and the set a row belongs to. */
const SETS: { kind: StoreCheck['damaged'][number]['kind']; table: EntrySet['table']; owner: string; set: (row: PackRow) => EntrySet }[] = [
  { kind: 'baseline', table: 'baseline_packs', owner: 'baseline_id AS a', set: (r) => baselineSet(r.a) },
  { kind: 'self', table: 'self_packs', owner: 'server_id AS a, policy_id AS b', set: (r) => selfSet(r.a, r.b!) },
  { kind: 'reference', table: 'server_full_packs', owner: 'server_id AS a', set: (r) => serverFullSet(r.a) },
];

interface PackRow {
  a: number;
  b?: number;
  first_path: Buffer;
  entries: number;
  data: Buffer;
}

export function checkStore(db: Db): StoreCheck {
  const sqlite = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).filter((m) => m !== 'ok');
  const result: StoreCheck = { ok: true, sqlite, packs: 0, withoutChecksum: 0, damaged: [] };
  for (const s of SETS) {
    for (const row of db.prepare(`SELECT ${s.owner}, first_path, entries, data FROM ${s.table}`).iterate() as IterableIterator<PackRow>) {
      result.packs++;
      if (row.data[0] !== PACK_VERSION) result.withoutChecksum++;
      const problem = checkPack(row.data, true) ?? agreesWithRow(row);
      if (problem !== null) {
        result.damaged.push({ kind: s.kind, set: describeSet(db, s.set(row)), pack: displayPath(row.first_path.toString('latin1')).path, problem });
      }
    }
  }
  result.ok = !sqlite.length && !result.damaged.length;
  return result;
}

/** A pack that decodes: does it hold what its row says (entry count, first path)? */
function agreesWithRow(row: PackRow): string | null {
  const r = new PackReader(row.data);
  if (r.count !== row.entries) return `holds ${r.count} entries where its row says ${row.entries}`;
  if (r.count === 0) return null;
  const f = new EntryFields();
  r.next(f);
  return f.pathBuf.subarray(0, f.pathLen).equals(row.first_path) ? null : 'its first path is not the one its row says';
}
