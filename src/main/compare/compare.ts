// Attribute comparison: which attributes a target compares, and how two entries differ.
import { attributeSpec, isCheckedPerHost, MASTER_ATTRIBUTES, SELF_ATTRIBUTES, type AttributeName, type CoreAttribute } from '../../shared/attributes.js';
import type { AttributeChange, EntryAttributes, Target } from '../../shared/domain.js';
import { displayPath } from '../../shared/path-escape.js';
import { contentChange } from './text-diff.js';


export function comparedAttributes(target: Target): AttributeName[] {
  const base = target.compare === 'self' ? SELF_ATTRIBUTES : MASTER_ATTRIBUTES;
  // Kept content is compared on the targets that keep it.
  return (target.content ? [...base, 'content' as const] : base).filter((a) => !target.ignore.includes(a));
}

/**
 * Compared attributes that one side checked and the other could not: not known to be equal, so
 * a deviation lists them (notChecked) rather than passing over them.
 */
export function uncheckedAttributes(baseline: EntryAttributes, current: EntryAttributes, names: readonly AttributeName[]): AttributeChange[] {
  const out: AttributeChange[] = [];
  for (const name of names) {
    if (attributeSpec(name).source !== 'tool') continue;
    const b = name in baseline && (baseline as unknown as Record<string, unknown>)[name] !== undefined;
    const c = name in current && (current as unknown as Record<string, unknown>)[name] !== undefined;
    if (b !== c) out.push({ name, baseline: value(baseline, name), current: value(current, name), notChecked: b ? 'current' : 'baseline' });
  }
  return out;
}

/** How `current` differs from `baseline` on the given attributes. */
export function diffAttributes(baseline: EntryAttributes, current: EntryAttributes, names: readonly AttributeName[]): AttributeChange[] {
  const changes: AttributeChange[] = [];
  // A directory's size depends on its file system's history, not on its content: never compared.
  // A symlink's size is the length of its target, which is compared itself.
  const sizeless = baseline.type === current.type && (current.type === 'directory' || current.type === 'symlink');
  for (const name of names) {
    if (name === 'size' && sizeless) continue;
    // Beyond stat(2): absent from an entry when its host could not check it.
    if (isCheckedPerHost(name)) {
      if (name === 'content') {
        const change = contentChange(baseline, current);
        if (change) changes.push(change);
        continue;
      }
      // Not checked on one side (or both): not a change, and not known to be equal either.
      if ((baseline as unknown as Record<string, unknown>)[name] === undefined || (current as unknown as Record<string, unknown>)[name] === undefined) continue;
    }
    // Compare the exact values (a target is a byte string: two targets may display alike).
    if (raw(baseline, name) === raw(current, name)) continue;
    changes.push({ name, baseline: value(baseline, name), current: value(current, name) });
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

function raw(e: EntryAttributes, name: AttributeName): string | number | null {
  if (!(name in e)) return null; // an attribute the host did not check
  return e[name as CoreAttribute] ?? null;
}

function value(e: EntryAttributes, name: AttributeName): string | number | null {
  if (!(name in e)) return null; // an attribute the host did not check
  const shown = attributeSpec(name).shown;
  if (shown === 'diff') return null; // the text is in the entries, the diff in the change
  const v = e[name as CoreAttribute];
  if (shown === 'path' && typeof v === 'string') return displayPath(v).path;
  return v ?? null;
}
