// Picked once at start-up: the preload's bridge inside Electron, HTTP everywhere else.
import type { DriftwatchBridge } from '../../shared/api.js';
import { createHttpBridge } from './http-bridge.js';
import { createIpcBridge } from './ipc-bridge.js';

export type TransportKind = 'ipc' | 'http';

export function pickBridge(win: { driftwatch?: DriftwatchBridge }): { kind: TransportKind; bridge: DriftwatchBridge } {
  if (win.driftwatch && typeof win.driftwatch.call === 'function') return { kind: 'ipc', bridge: createIpcBridge(win.driftwatch) };
  return { kind: 'http', bridge: createHttpBridge({ baseUrl: '' }) };
}
