// Builds the renderer and the engine when they are stale, then starts `driftwatch serve` on a fresh temp home and
// leaves its URL (with the run's token) for the specs. Returns the teardown.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, SCREENSHOT_DIR, STATE_FILE, type ConsoleState } from './support/env.js';
import { startServe } from './support/serve.js';
import { ensureCompiledEngine } from '../support/compiled-engine.js';

export default async function globalSetup(): Promise<() => Promise<void>> {
  const { buildRenderer, rendererIsStale } = (await import(pathToFileURL(path.join(ROOT, 'scripts', 'build-renderer.js')).href)) as {
    buildRenderer(): Promise<void>;
    rendererIsStale(): boolean;
  };
  if (rendererIsStale()) await buildRenderer();
  await ensureCompiledEngine();
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'driftwatch-e2e-home-'));
  const serve = await startServe(home);
  const state: ConsoleState = { url: serve.url, origin: serve.origin, home, pid: serve.child.pid ?? 0 };
  fs.writeFileSync(STATE_FILE, JSON.stringify(state));
  console.log(`e2e console: ${serve.origin} (home ${home})`);
  return async () => {
    await serve.stop();
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(STATE_FILE, { force: true });
  };
}
