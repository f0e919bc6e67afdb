// One long path must not blow up a report: a 60,000-byte path (a hostile host may send one) is cut
// in the middle in the PDF tables, printed in full (to a bound) in an appendix, and whole in the CSV.
// A real store and the CLI; the page count is the measure, not the time.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cleanup, cliOn, setupLocal, tempDir, type Setup } from '../alert/helpers.js';
import { parseCsv } from '../../support/csv-reader.js';

let s: Setup;
let out: string;
const LONG = `/srv/${'d'.repeat(59_990)}/tail.conf`; // 60,005 bytes

beforeAll(async () => {
  s = await setupLocal('long-values');
  out = tempDir('long-values-out');
  fs.writeFileSync(path.join(s.tree, 'alert', 'new.conf'), 'x\n');
  await s.engine.scan({ servers: ['s1'] });
  // What a hostile host could have reported: the event's path, 60,000 bytes long.
  s.engine.db.prepare("UPDATE events SET path = ? WHERE CAST(path AS TEXT) LIKE '%new.conf'").run(Buffer.from(LONG));
  s.engine.close();
});

afterAll(() => {
  s.engine.close();
  cleanup(s.home, s.tree, out);
});

it('the PDF reports stay a few pages: the long path is elided in the table and given in the appendix', async () => {
  for (const kind of ['compliance', 'events']) {
    const file = path.join(out, `${kind}.pdf`);
    const r = await cliOn(s.home, 'report', '--format', 'pdf', '--kind', kind, '--out', file);
    expect(r.code).toBe(0);
    const pages = Number(/\((\d+) pages?,/.exec(r.out)![1]);
    expect(pages).toBeLessThanOrEqual(4);
    // Table cells wrap: words are compared with their line breaks as spaces.
    const text = execFileSync('pdftotext', ['-raw', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(text).toContain('60005 characters: in full as long value 1 at the end');
    expect(text).toContain('Long values (shortened above)');
    expect(text).toContain('Long value 1 (60005 characters; its middle is left out here)');
    // The appendix gives the first and last 4,096 characters, in lines, and the end of the path.
    expect(text.replace(/ /g, '')).toContain('d'.repeat(4000));
    expect(text).toContain('/tail.conf');
  }
});

it('the CSV export has the path whole', async () => {
  const file = path.join(out, 'events.csv');
  expect((await cliOn(s.home, 'report', '--format', 'csv', '--out', file)).code).toBe(0);
  const rows = parseCsv(fs.readFileSync(file, 'utf8'));
  expect(rows.some((r) => r[4] === LONG)).toBe(true);
});
