// The CLI's live progress block: one line per server, redrawn in place, cut to the terminal.
import { describe, expect, it } from 'vitest';
import { progressView } from '../../../src/main/cli/progress-view.js';

function terminal(size: { columns?: number; rows?: number } = {}) {
  const writes: string[] = [];
  return { writes, ...size, write: (t: string) => void writes.push(t) };
}

/** The lines a write draws (cursor moves and line clears taken out). */
const drawnLines = (w: string) => w.replace(/\x1b\[\d+A|\x1b\[J|\r\x1b\[2K/g, '').split('\n').filter(Boolean);

describe('progressView', () => {
  it('draws one line per server and redraws the block in place', () => {
    let now = 1000;
    const t = terminal();
    const view = progressView(t, () => now);
    view.update({ server: 'web-1', status: 'queued' });
    view.update({ server: 'web-2', status: 'queued' });
    expect(drawnLines(t.writes.at(-1)!)).toEqual(['  web-1  queued', '  web-2  queued']);
    now = 1500;
    view.update({ server: 'web-1', status: 'running', entries: 1200, hashed: 3, bytes: 4096, elapsedMs: 500 });
    const last = t.writes.at(-1)!;
    expect(last.startsWith('\x1b[2A\x1b[J')).toBe(true);
    expect(drawnLines(last)).toEqual(['  web-1  running  1,200 entries read, 3 files hashed (4.0 KiB)  0.5 s', '  web-2  queued']);
    now = 4000;
    view.update({ server: 'web-1', status: 'completed_clean', entries: 1300, hashed: 9, bytes: 9000, elapsedMs: 3000 });
    expect(drawnLines(t.writes.at(-1)!)[0]).toBe('  web-1  completed_clean  1,300 entries recorded, 9 files hashed (8.8 KiB)  3.0 s');
    view.stop();
    expect(t.writes.at(-1)).toBe('\x1b[2A\r\x1b[J');
  });

  it('cuts lines to the width, and shows the running servers and a count when they do not all fit', () => {
    const t = terminal({ columns: 30, rows: 5 });
    const view = progressView(t, () => 0);
    for (let i = 0; i < 6; i++) view.update({ server: `host-${i}`, status: i < 2 ? 'completed_clean' : i < 4 ? 'running' : 'queued' });
    expect(drawnLines(t.writes.at(-1)!)).toEqual(['  host-2  running  0.0 s', '  host-3  running  0.0 s', '  6 servers: 2 done, 2 runnin']); // cut to 29 columns: '…, 2 running, 2 queued'
    view.stop();
  });
});
