// Which events are selected for a bulk accept: rows picked one by one (shift-click picks a range
// from the last one picked), or every event the filter matches, across pages not yet loaded. Only
// open events can be accepted, so only they can be picked. Pure, so it is tested on its own.
import type { FimEvent } from '../../../shared/domain.js';

export interface Selection {
  ids: ReadonlySet<number>;
  /** The row index a shift-click range starts from. */
  anchor: number | null;
  /** Every open event the filter matches (the engine accepts them by filter, not by id). */
  all: boolean;
}

export const NO_SELECTION: Selection = { ids: new Set(), anchor: null, all: false };

export const selectable = (e: FimEvent | undefined): e is FimEvent => e !== undefined && e.status === 'open';

/**
 * A click on row `index`'s box. Alone it flips that row; with shift, every loaded open row from
 * the anchor to it takes the state the clicked row takes. Leaving "all that match" starts afresh.
 */
export function clickRow(selection: Selection, index: number, shift: boolean, rowAt: (index: number) => FimEvent | undefined): Selection {
  const row = rowAt(index);
  if (!selectable(row)) return selection;
  const base = selection.all ? NO_SELECTION : selection;
  const ids = new Set(base.ids);
  const on = !ids.has(row.id);
  if (shift && base.anchor !== null) {
    const [from, to] = base.anchor <= index ? [base.anchor, index] : [index, base.anchor];
    for (let i = from; i <= to; i++) {
      const e = rowAt(i);
      if (!selectable(e)) continue;
      if (on) ids.add(e.id);
      else ids.delete(e.id);
    }
  } else if (on) ids.add(row.id);
  else ids.delete(row.id);
  return { ids, anchor: index, all: false };
}

export function isSelected(selection: Selection, e: FimEvent): boolean {
  return selectable(e) && (selection.all || selection.ids.has(e.id));
}

/** How many events an accept would take: the matching open events, or the rows picked. */
export function selectedCount(selection: Selection, openMatching: number | null): number {
  return selection.all ? (openMatching ?? 0) : selection.ids.size;
}
