#!/usr/bin/env node
// The `driftwatch` command: the engine and CLI compiled to dist/main/cli by npm's `prepare` step (npm install,
// npm ci). When the sources changed since, it recompiles them first (scripts/build-engine.js): never runs stale code.
import { importEngine } from '../scripts/build-engine.js';

const { main } = await importEngine('main');
process.exitCode = await main(process.argv.slice(2));
