// A scan compared with stored entries: each stored entry, read from its packs in path order
// (store/packs), paired with the scan's row of the same path by one sorted merge with the table
// in path order (EntryTable.sortedRows). No string is made for a path, and nothing is kept but
// what differs: a million stored paths once cost a Map of a million strings on each side. (A hash
// lookup per stored path was measured slower: each one reads a random row's bytes.)
import type { EntryTable } from '../scanner/entry-table.js';
import type { EntryFields } from '../store/packs/codec.js';

/**
 * Calls `fn` with each stored entry `read` gives (in path order) and the table row of its path,
 * or -1 when the scan has none. The table is sorted when the first entry comes.
 */
export function pairWithTable(table: EntryTable, read: (each: (f: EntryFields) => void) => void, fn: (row: number, f: EntryFields) => void): void {
  const cursor: Cursor = { order: EMPTY, at: 0, sorted: false };
  read((f) => {
    if (!cursor.sorted) [cursor.order, cursor.sorted] = [table.sortedRows(), true];
    fn(advance(table, cursor, f), f);
  });
}

interface Cursor {
  order: Uint32Array;
  at: number;
  sorted: boolean;
}

const EMPTY: Uint32Array = new Uint32Array(0);

/** Moves the cursor to the first row not before f's path: that row if it is f's path, else -1. */
function advance(table: EntryTable, cursor: Cursor, f: EntryFields): number {
  const order = cursor.order;
  let at = cursor.at;
  let d = 1;
  while (at < order.length && (d = table.comparePath(f.pathBuf, f.pathLen, order[at]!)) > 0) at++;
  cursor.at = at;
  return at < order.length && d === 0 ? order[at]! : -1;
}
