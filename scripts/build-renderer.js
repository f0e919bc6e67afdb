#!/usr/bin/env node
// Builds the console (src/renderer → dist/renderer) with Vite's JavaScript API. `npm start` and the browser
// tests call it when the build is stale: built from other sources, config or dependencies than those on disk
// now (dist/renderer.built-from records what it was built from), so an old build never hides a change.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isStale, sourceSignature } from './source-signature.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCES = ['src/renderer', 'src/shared', 'vite.config.ts', 'package-lock.json'];
const stampFile = (root) => path.join(root, 'dist', 'renderer.built-from');

export const rendererIsStale = (root = ROOT) => isStale(stampFile(root), root);

export async function buildRenderer(root = ROOT) {
  const signature = sourceSignature(root, SOURCES);
  const { build } = await import('vite');
  await build({ root: path.join(root, 'src', 'renderer'), configFile: path.join(root, 'vite.config.ts'), logLevel: 'warn' });
  fs.writeFileSync(stampFile(root), signature);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildRenderer().then(
    () => console.log('console: built to dist/renderer'),
    (err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
