// CSV for the specs: the same strict RFC 4180 reader as the report tests.
import { parseCsv } from '../../support/csv-reader.js';

/** Rows as objects keyed by the header line. */
export function csvRecords(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}
