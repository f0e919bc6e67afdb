// Live progress of a scan or a baseline on a terminal: one line per server on standard error,
// rewritten in place (entries read, files and bytes hashed, elapsed time). Only for a terminal:
// the command never draws it with --json or when standard error is not one, and standard output
// never carries it.
import type { ServerProgress } from '../../shared/api.js';
import { formatElapsed, progressCounts } from '../../shared/human-text.js';

export interface Terminal {
  write(text: string): void;
  /** Width of the terminal, when known: lines are cut to it so that redrawing stays in place. */
  columns?: number;
}

export interface ProgressView {
  update(p: ServerProgress): void;
  /** Stops redrawing and wipes the lines (the command's own output follows). */
  stop(): void;
}

const REDRAW_MS = 250;

export function progressView(terminal: Terminal, clock: () => number = Date.now): ProgressView {
  const rows = new Map<string, { p: ServerProgress; started: number | null; finished: number | null }>();
  let drawn = 0;

  function line(server: string, r: { p: ServerProgress; started: number | null; finished: number | null }): string {
    const elapsed = r.started === null ? '' : formatElapsed((r.finished ?? clock()) - r.started);
    const counts = progressCounts(r.p);
    return `  ${server}  ${r.p.status}${counts ? `  ${counts}` : ''}${elapsed ? `  ${elapsed}` : ''}`;
  }

  function draw(): void {
    const width = terminal.columns && terminal.columns > 10 ? terminal.columns - 1 : Infinity;
    let out = drawn ? `\x1b[${drawn}A` : '';
    for (const [server, r] of rows) out += `\r\x1b[2K${line(server, r).slice(0, width)}\n`;
    drawn = rows.size;
    terminal.write(out);
  }

  const timer = setInterval(draw, REDRAW_MS);
  timer.unref();
  return {
    update(p) {
      const r = rows.get(p.server) ?? { p, started: null, finished: null };
      r.p = p;
      const now = clock();
      if (p.status === 'running') r.started ??= now - (p.elapsedMs ?? 0);
      else if (p.status !== 'queued') {
        r.started ??= now - (p.elapsedMs ?? 0);
        r.finished = r.started + (p.elapsedMs ?? now - r.started);
      }
      rows.set(p.server, r);
      draw();
    },
    stop() {
      clearInterval(timer);
      if (drawn) terminal.write(`\x1b[${drawn}A\r\x1b[J`);
      drawn = 0;
    },
  };
}
