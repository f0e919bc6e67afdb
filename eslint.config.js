// Lint, and the layer rule: src/shared imports nothing from Node, the DOM or Electron; only
// src/main/electron imports electron; the renderer reaches the engine only through src/shared.
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const nodeModules = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const engineDeps = ['better-sqlite3', 'ssh2', 'node-cron', 'nodemailer', 'pdfkit', 'smtp-server'];
const layer = (message, names, patterns = []) => ({
  'no-restricted-imports': ['error', { paths: names.map((name) => ({ name, message })), patterns: patterns.length ? [{ group: patterns, message }] : [] }],
});

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', '.bench/**', '.scratch*/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/shared/**'],
    rules: layer('src/shared is pure: no Node, DOM, Electron or engine imports.', [...nodeModules, 'electron', 'react', ...engineDeps], [
      '**/main/**', '**/renderer/**', '**/preload/**',
    ]),
  },
  {
    files: ['src/main/**'],
    ignores: ['src/main/electron/**'],
    rules: layer('Only src/main/electron may import electron; the engine never imports the renderer.', ['electron', 'react', 'react-dom'], [
      '**/renderer/**', '**/preload/**', '**/main/electron/**',
    ]),
  },
  {
    files: ['src/renderer/**'],
    rules: layer('The renderer talks to the engine only through src/shared (the API contract).', [...nodeModules, 'electron', ...engineDeps], [
      '**/main/**', '**/preload/**',
    ]),
  },
  {
    files: ['src/preload/**'],
    rules: layer('The preload exposes { call, on } only: electron and src/shared.', [...nodeModules, ...engineDeps], [
      '**/main/**', '**/renderer/**',
    ]),
  },
);
