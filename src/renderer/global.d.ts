import type { DriftwatchBridge } from '../shared/api.js';

declare global {
  interface Window {
    /** Set by the Electron preload only. */
    driftwatch?: DriftwatchBridge;
  }
}
