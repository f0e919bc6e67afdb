import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Tests that spawn bin/driftwatch.js run the compiled CLI: compiled from the current sources first.
    globalSetup: ['test/support/compiled-engine.ts'],
    include: ['test/unit/**/*.test.ts', 'test/unit/**/*.test.tsx', 'test/integration/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Integration tests start real sshd hosts and scan real trees: two cores, two files at a time.
    maxWorkers: 2,
  },
});
