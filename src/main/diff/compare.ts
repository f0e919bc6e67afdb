// Attribute comparison: which attributes a target compares, and how two entries differ.
import {
  MASTER_ATTRIBUTES,
  SELF_ATTRIBUTES,
  type AttributeChange,
  type AttributeName,
  type CoreAttribute,
  type EntryAttributes,
  type Target,
} from '../../shared/domain.js';
import { displayPath } from '../../shared/path-escape.js';

/** One entry's state: attributes, and the error that kept part of it from being read. */
export interface EntryState {
  path: string; // byte string
  attrs: EntryAttributes;
  error: string | null;
}

export function comparedAttributes(target: Target): AttributeName[] {
  const base = target.compare === 'self' ? SELF_ATTRIBUTES : MASTER_ATTRIBUTES;
  return base.filter((a) => !target.ignore.includes(a));
}

/** How `current` differs from `baseline` on the given attributes. */
export function diffAttributes(baseline: EntryAttributes, current: EntryAttributes, names: readonly AttributeName[]): AttributeChange[] {
  const changes: AttributeChange[] = [];
  // A directory's size depends on its file system's history, not on its content: never compared.
  const dirs = baseline.type === 'directory' && current.type === 'directory';
  for (const name of names) {
    if (name === 'size' && dirs) continue;
    const b = value(baseline, name);
    const c = value(current, name);
    if (b !== c) changes.push({ name, baseline: b, current: c });
  }
  return changes;
}

/** Every compared attribute of one side, for added and removed entries. */
export function describe(entry: EntryAttributes, names: readonly AttributeName[], side: 'baseline' | 'current'): AttributeChange[] {
  return names
    .map((name) => ({ name, v: value(entry, name) }))
    .filter(({ v }) => v !== null)
    .map(({ name, v }) => (side === 'baseline' ? { name, baseline: v, current: null } : { name, baseline: null, current: v }));
}

function value(e: EntryAttributes, name: AttributeName): string | number | null {
  if (!(name in e)) return null; // extended attributes arrive with the scanner-fidelity work
  const v = e[name as CoreAttribute];
  if (name === 'target' && typeof v === 'string') return displayPath(v).path;
  return v ?? null;
}
