#!/usr/bin/env node
// The `driftwatch` command. The engine is TypeScript run through tsx, so `npm ci` is the only build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
