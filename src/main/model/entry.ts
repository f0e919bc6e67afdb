// The entry: one path's state as a scan or a baseline holds it. Every layer above speaks in these.
import type { EntryAttributes } from '../../shared/domain.js';

declare const bytes: unique symbol;
/**
 * A path as the host's bytes, one char per byte (latin1): what find(1) printed, never decoded.
 * Display strings come from displayPath (src/shared/path-escape.ts). A brand: a display string
 * is not one, and a string becomes one only where bytes enter (byteString).
 */
export type ByteString = string & { readonly [bytes]: true };

/** Bytes held one per char (a field of a host's stream, a name made from UTF-8): where a string becomes a ByteString. */
export function byteString(latin1: string): ByteString {
  return latin1 as ByteString; // the constructor
}

/** The bytes b[from .. to) (a host's stream, a pack, a BLOB) as a ByteString. */
export function byteStringFromBuffer(b: Buffer, from: number, to: number): ByteString {
  return byteString(b.toString('latin1', from, to));
}

/** One entry's state: attributes, and the error that kept part of it from being read. */
export interface EntryState {
  path: ByteString;
  attrs: EntryAttributes;
  error: string | null;
}
