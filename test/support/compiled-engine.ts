// vitest's global set-up: compiles the engine and the CLI (dist/main/cli) when the sources changed, once,
// before any test spawns bin/driftwatch.js, so every test that runs the binary runs what the sources say
// and no two test processes compile at once.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

export async function ensureCompiledEngine(): Promise<void> {
  const { buildEngine, engineIsStale } = (await import(pathToFileURL(path.join(REPO_ROOT, 'scripts', 'build-engine.js')).href)) as {
    buildEngine(): Promise<number>;
    engineIsStale(): boolean;
  };
  if (engineIsStale()) await buildEngine();
}

export default ensureCompiledEngine;
