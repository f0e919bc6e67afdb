// Browser end-to-end tests run against `driftwatch serve` (started by the global setup on a fresh
// temp home) in Debian's Chromium. Electron tests run only where an Electron binary exists; anywhere
// else their project is left out, and said so, so they are never counted as passed.
import { defineConfig, type Project } from '@playwright/test';
import { CHROMIUM, CHROMIUM_ARGS, electronBinary } from './test/e2e/support/env.js';

const electron = electronBinary();
const projects: Project[] = [
  {
    name: 'console',
    testMatch: /.*\.spec\.ts$/,
    testIgnore: /electron\//,
    use: {
      browserName: 'chromium',
      viewport: { width: 1440, height: 900 },
      launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_ARGS },
    },
  },
];
if (electron) {
  projects.push({ name: 'electron', testMatch: /electron\/.*\.spec\.ts$/ });
} else if (!process.env.TEST_WORKER_INDEX) {
  console.log('Electron e2e tests: NOT RUN — no Electron binary here (electron is optional and its binary is not installed); the "electron" project is excluded.');
}

export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results/playwright',
  globalSetup: './test/e2e/global-setup.ts',
  timeout: 180_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  reporter: [['list']],
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    actionTimeout: 30_000,
    navigationTimeout: 30_000,
  },
  projects,
});
