// A server's progress as the engine pushes it (scan/progress, baseline/progress): queued, running
// with what has been read and hashed so far (at most every PROGRESS_EVERY_MS), then its outcome.
import type { ServerProgress } from '../../shared/api.js';
import type { ServerScanResult } from '../../shared/domain.js';
import type { CollectProgress } from './collect.js';

export const PROGRESS_EVERY_MS = 200;

export interface ProgressTracker {
  onProgress(p: CollectProgress): void;
  done(result: ServerScanResult): void;
}

/** Starts tracking one server (pushing 'running'); `send` pushes one update. */
export function trackProgress(server: string, send: (p: ServerProgress) => void, clock: () => number = Date.now): ProgressTracker {
  const started = clock();
  let last = -Infinity;
  let latest: CollectProgress | null = null;
  send({ server, status: 'running' });
  return {
    onProgress(p) {
      latest = p;
      if (!p.entries && !p.hashed) return; // the host's facts so far: nothing to say yet
      const now = clock();
      if (now - last < PROGRESS_EVERY_MS) return;
      last = now;
      send({ server, status: 'running', ...p, elapsedMs: now - started });
    },
    done(result) {
      const entries = result.counts?.entries ?? latest?.entries;
      send({
        server,
        status: result.status,
        ...(result.reason ? { reason: result.reason } : {}),
        ...(entries !== undefined ? { entries } : {}),
        ...(latest ? { hashed: latest.hashed, bytes: latest.bytes } : {}),
        elapsedMs: clock() - started,
      });
    },
  };
}
