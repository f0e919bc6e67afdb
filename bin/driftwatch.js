#!/usr/bin/env node
// The `driftwatch` command: the engine and CLI compiled to dist/ by npm's `prepare` step (npm install, npm ci).
// In a checkout whose sources changed since, it recompiles them first (scripts/build-engine.js).
import { importEngine } from '../scripts/build-engine.js';

const { main } = await importEngine('main');
process.exitCode = await main(process.argv.slice(2));
