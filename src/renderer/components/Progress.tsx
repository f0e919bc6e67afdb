// One server's live progress, as the engine pushes it for scans and baselines alike: entries read,
// files and bytes hashed, and the time it has been running (ticking while it runs).
import { useEffect, useState } from 'react';
import type { ServerProgress } from '../../shared/api.js';
import { formatElapsed, progressCounts } from '../../shared/human-text.js';
import { ScanBadge } from './ui.js';

/** A pushed progress and when it arrived (the console's clock). */
export type ProgressRow = ServerProgress & { at: number };

const finished = (p: ServerProgress) => p.status !== 'queued' && p.status !== 'running';

function elapsed(p: ProgressRow, now: number): number | null {
  if (p.status === 'queued') return null;
  if (finished(p)) return p.elapsedMs ?? null;
  return (p.elapsedMs ?? 0) + Math.max(0, now - p.at);
}

/** Re-renders every half second while any row runs, so elapsed times tick. */
export function useTicking(rows: readonly ServerProgress[]): number {
  const [now, setNow] = useState(() => Date.now());
  const running = rows.some((r) => r.status === 'running');
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [running]);
  return now;
}

export function ProgressText({ row, now }: { row: ProgressRow; now: number }) {
  const ms = elapsed(row, now);
  const counts = progressCounts(row);
  return (
    <span className="progress-text">
      {counts || (row.status === 'running' ? 'connecting…' : '')}
      {ms !== null ? <span className="muted"> · {formatElapsed(ms)}</span> : null}
    </span>
  );
}

/** A progress row's first two cells: the server, and its status (with a spinner while it runs). */
export function ServerStatusCells({ row }: { row: ServerProgress }) {
  return (
    <>
      <td>
        <strong>{row.server}</strong>
      </td>
      <td>
        {row.status === 'running' ? <span className="spinner small" aria-hidden="true" /> : null} <ScanBadge status={row.status} />
      </td>
    </>
  );
}

/** Per-server progress of a baseline: the same rows the scan screen shows. */
export function ProgressTable({ rows, label }: { rows: ProgressRow[]; label: string }) {
  const now = useTicking(rows);
  return (
    <table className="table compact" aria-label={label}>
      <thead>
        <tr>
          <th>Server</th>
          <th>Status</th>
          <th>Progress</th>
          <th>Details</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.server} data-server={r.server} data-status={r.status}>
            <ServerStatusCells row={r} />
            <td className="small">
              <ProgressText row={r} now={now} />
            </td>
            <td className="small">{r.reason ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
