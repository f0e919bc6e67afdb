// Picking events for a bulk accept (pure), and relative times in the singular and the plural.
import { describe, expect, it } from 'vitest';
import { timeAgo } from '../../../src/renderer/components/format.js';
import { clickRow, isSelected, NO_SELECTION, selectedCount } from '../../../src/renderer/screens/events/selection.js';
import type { FimEvent } from '../../../src/shared/domain.js';
import { event } from './fixtures.js';

// Rows 0..9 are events 100..109; events 103 and 107 are accepted (not selectable); row 5 is not loaded.
const rows = new Map<number, FimEvent>(Array.from({ length: 10 }, (_, i) => [i, event(100 + i, { status: i === 3 || i === 7 ? 'accepted' : 'open' })]));
rows.delete(5);
const rowAt = (i: number) => rows.get(i);

describe('selection', () => {
  it('a click flips one open row; shift-click takes the range from the last click, skipping what cannot be accepted', () => {
    let sel = clickRow(NO_SELECTION, 1, false, rowAt);
    expect([...sel.ids]).toEqual([101]);
    sel = clickRow(sel, 8, true, rowAt);
    expect([...sel.ids].sort()).toEqual([101, 102, 104, 106, 108]);
    // A shift-click on a selected row clears the range from the anchor (8) to it.
    sel = clickRow(sel, 4, true, rowAt);
    expect([...sel.ids].sort()).toEqual([101, 102]);
    sel = clickRow(sel, 2, false, rowAt);
    expect([...sel.ids]).toEqual([101]);
    // An accepted row cannot be picked.
    expect(clickRow(sel, 3, false, rowAt)).toBe(sel);
  });

  it('"all that match" selects every open event, counted by the filter; a row click leaves it', () => {
    const all = { ids: new Set<number>(), anchor: null, all: true };
    expect(isSelected(all, rowAt(0)!)).toBe(true);
    expect(isSelected(all, rowAt(3)!)).toBe(false);
    expect(selectedCount(all, 4321)).toBe(4321);
    const one = clickRow(all, 6, false, rowAt);
    expect(one).toEqual({ ids: new Set([106]), anchor: 6, all: false });
    expect(selectedCount(one, 4321)).toBe(1);
  });
});

describe('timeAgo', () => {
  const now = Date.parse('2026-12-06T12:00:00Z');
  const at = (seconds: number) => new Date(now + seconds * 1000).toISOString();
  it.each([
    [60, 'in 1 minute'],
    [20, 'in 1 minute'],
    [150, 'in 3 minutes'],
    [3600, 'in 1 hour'],
    [7200, 'in 2 hours'],
    [86400, 'in 1 day'],
    [3 * 86400, 'in 3 days'],
    [-10, 'just now'],
    [-60, '1 minute ago'],
    [-600, '10 minutes ago'],
    [-3600, '1 hour ago'],
    [-5 * 3600, '5 hours ago'],
    [-86400, 'yesterday'],
    [-4 * 86400, '4 days ago'],
  ])('%i s from now reads %j', (seconds, text) => {
    expect(timeAgo(at(seconds), now)).toBe(text);
  });
});
