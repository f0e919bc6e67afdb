// Live progress of a scan or a baseline on a terminal: one line per server on standard error,
// rewritten in place (entries read, files and bytes hashed, elapsed time). Only for a terminal:
// the command never draws it with --json or when standard error is not one, and standard output
// never carries it.
import type { ServerProgress } from '../../shared/api.js';
import { formatElapsed, progressCounts } from '../../shared/human-text.js';

export interface Terminal {
  write(text: string): void;
  /** Size of the terminal, when known: lines are cut to its width, and no more are drawn than fit. */
  columns?: number;
  rows?: number;
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

  /** Every server's line, or when they do not fit, the running ones and a count of the rest. */
  function lines(): string[] {
    const all = [...rows];
    const fit = terminal.rows && terminal.rows > 4 ? terminal.rows - 2 : Infinity;
    if (all.length <= fit) return all.map(([server, r]) => line(server, r));
    const running = all.filter(([, r]) => r.p.status === 'running').slice(0, fit - 1);
    const queued = all.filter(([, r]) => r.p.status === 'queued').length;
    const done = all.length - queued - all.filter(([, r]) => r.p.status === 'running').length;
    return [...running.map(([server, r]) => line(server, r)), `  ${all.length} servers: ${done} done, ${all.length - queued - done} running, ${queued} queued`];
  }

  function draw(): void {
    const width = terminal.columns && terminal.columns > 10 ? terminal.columns - 1 : Infinity;
    const now = lines();
    let out = drawn ? `\x1b[${drawn}A\x1b[J` : '';
    for (const l of now) out += `\r\x1b[2K${l.slice(0, width)}\n`;
    drawn = now.length;
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
