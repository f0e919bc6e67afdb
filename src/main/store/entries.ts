// EntryState as JSON (events, per-server accepts), and the attributes beyond stat(2) as the JSON a
// pack or the entry table keeps them in.
import { EXTENDED_ATTRIBUTES, type AttributeName, type CoreAttribute } from '../../shared/attributes.js';
import type { EntryAttributes } from '../../shared/domain.js';
import type { EntryState } from '../model/entry.js';

/**
 * The attributes beyond stat(2) and kept content, as they travel in extra_json and in a pack's
 * extra (its keys in the table's order, attributes.ts): a key absent there was not checked.
 */
export type Extra = Partial<Pick<EntryAttributes, Exclude<AttributeName, CoreAttribute>>>;

export function extraJson(a: Extra): string | null {
  let extra: Record<string, unknown> | null = null;
  for (const k of EXTENDED_ATTRIBUTES) if (a[k] !== undefined) (extra ??= {})[k] = a[k];
  return extra === null ? null : JSON.stringify(extra);
}

/** The tool attributes' values (TOOL_ATTRIBUTES order) as a key: absent, none and each text apart. */
export function extraKey(values: readonly (string | null | undefined)[]): string {
  return values.map((v) => (v === undefined ? 'u' : v === null ? 'n' : `s${v}`)).join('\0');
}

/** Entry JSON for events (the internal byte-string form, exact). */
export function entryToJson(e: EntryState | null): string | null {
  return e === null ? null : JSON.stringify(e);
}

export function entryFromJson(json: string | null): EntryState | null {
  return json === null ? null : (JSON.parse(json) as EntryState);
}
