// The renderer: src/renderer → dist/renderer. Relative asset URLs, so the same build loads over the
// loopback server (http://127.0.0.1:PORT/) and inside Electron (app://driftwatch/).
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'src/renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 1024,
  },
  server: { host: '127.0.0.1' },
});
