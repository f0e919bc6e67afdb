#!/usr/bin/env node
// Compiles the engine and the CLI (src/main and src/shared; not the Electron main, which build-electron.js
// bundles) to JavaScript: the CLI (src/main/cli/main.ts) and the console server (src/main/server/serve-command.ts)
// as entry points, bundled with code splitting into dist/main/cli, so a start-up reads a few files and
// every dynamic import() (the engine, the scheduler) stays a separate chunk loaded only when a command needs it.
// npm packages are not bundled: the heavy ones load on first use (src/main/lazy-require.ts).
// dist/main/cli lies as deep below the checkout as the sources below it (src/main/scan, ...): modules find
// remote-scripts/, policy-templates/ and dist/renderer three folders up from their own file, compiled or not.
// Built by npm's `prepare` step (npm install, npm ci) and by the test set-ups; bin/driftwatch.js and
// bin/start.js rebuild it first when the sources changed since (see importEngine).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isStale, sourceSignature } from './source-signature.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIRS = ['src/main', 'src/shared'];
const SKIP = ['src/main/electron'];
const ENTRIES = { main: 'src/main/cli/main.ts', 'serve-command': 'src/main/server/serve-command.ts' };
const outDir = (root) => path.join(root, 'dist', 'main', 'cli');
const stampFile = (root) => path.join(outDir(root), 'built-from.txt');

export async function buildEngine(root = ROOT) {
  const { build } = await import('esbuild');
  const built = sourceSignature(root, SOURCE_DIRS, SKIP);
  const result = await build({
    entryPoints: Object.entries(ENTRIES).map(([out, src]) => ({ out, in: path.join(root, src) })),
    outdir: outDir(root),
    chunkNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
    write: false,
    absWorkingDir: root,
  });
  // Each file is written whole (a temp file, then a rename): a CLI starting meanwhile never reads half a module.
  const written = new Set();
  for (const out of result.outputFiles) {
    fs.mkdirSync(path.dirname(out.path), { recursive: true });
    const tmp = `${out.path}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, out.contents);
    fs.renameSync(tmp, out.path);
    written.add(path.basename(out.path));
  }
  // Chunks of earlier builds are named by other hashes: remove them.
  for (const name of fs.readdirSync(outDir(root))) {
    if (!written.has(name) && /\.js(\.map)?$/.test(name)) fs.rmSync(path.join(outDir(root), name), { force: true });
  }
  fs.writeFileSync(stampFile(root), built);
  return result.outputFiles.length;
}

/** True when dist/main/cli is missing or was built from other sources than those on disk now. */
export const engineIsStale = (root = ROOT) => isStale(stampFile(root), root);

/**
 * Imports an entry of the engine (`main`: the CLI, `serve-command`: the console server) from dist/, rebuilding it first when it is stale, so what runs is
 * always what the sources say. Where it cannot be rebuilt (a read-only checkout, no esbuild) the TypeScript
 * source runs through tsx instead: slower to start, never stale.
 */
export async function importEngine(module, root = ROOT) {
  if (engineIsStale(root)) {
    try {
      await buildEngine(root);
    } catch (err) {
      process.stderr.write(`driftwatch: could not compile the engine (${err instanceof Error ? err.message : err}); running its TypeScript sources\n`);
      const { register } = await import('tsx/esm/api');
      register();
      return import(pathToFileURL(path.join(root, ENTRIES[module])).href);
    }
  }
  return import(pathToFileURL(path.join(outDir(root), `${module}.js`)).href);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildEngine().then(
    (n) => console.log(`engine and CLI: ${n} files compiled to dist/main/cli`),
    (err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
