#!/usr/bin/env node
// Bundles the Electron main process and the preload with esbuild:
//   src/main/electron/main.ts → dist/electron/main.cjs   (package.json "main")
//   src/preload/preload.ts    → dist/electron/preload.cjs (sandboxed: one file, only `electron` required)
// Native and heavy engine modules stay external: they are loaded from node_modules at run time
// (rebuilt for Electron's ABI by `npm run rebuild:electron`).
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist', 'electron');
export const EXTERNALS = ['electron', 'better-sqlite3', 'ssh2', 'cpu-features', 'node-cron', 'nodemailer', 'pdfkit'];

// The engine is ESM and uses import.meta.url; in the CommonJS bundle it becomes this file's URL.
const importMetaShim = path.join(outdir, 'import-meta-url.js');

export async function buildElectron({ minify = false } = {}) {
  fs.mkdirSync(outdir, { recursive: true });
  fs.writeFileSync(importMetaShim, "export const importMetaUrl = require('node:url').pathToFileURL(__filename).href;\n");
  const common = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: true,
    minify,
    external: EXTERNALS,
    logLevel: 'warning',
    absWorkingDir: root,
  };
  await Promise.all([
    build({
      ...common,
      entryPoints: [path.join(root, 'src/main/electron/main.ts')],
      outfile: path.join(outdir, 'main.cjs'),
      inject: [importMetaShim],
      define: { 'import.meta.url': 'importMetaUrl' },
    }),
    build({
      ...common,
      platform: 'browser',
      entryPoints: [path.join(root, 'src/preload/preload.ts')],
      outfile: path.join(outdir, 'preload.cjs'),
    }),
  ]);
  fs.rmSync(importMetaShim, { force: true });
  return { main: path.join(outdir, 'main.cjs'), preload: path.join(outdir, 'preload.cjs') };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildElectron({ minify: process.argv.includes('--minify') }).then(
    (out) => console.log(`Electron bundle: ${path.relative(root, out.main)}, ${path.relative(root, out.preload)}`),
    (err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
