// The entry: one path's state as a scan or a baseline holds it. Every layer above speaks in these.
import type { EntryAttributes } from '../../shared/domain.js';

/**
 * A path as the host's bytes, one char per byte (latin1): what find(1) printed, never decoded.
 * Display strings come from displayPath (src/shared/path-escape.ts).
 */
export type ByteString = string;

/** One entry's state: attributes, and the error that kept part of it from being read. */
export interface EntryState {
  path: ByteString;
  attrs: EntryAttributes;
  error: string | null;
}
