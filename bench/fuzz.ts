// The stream parser's fuzz test, run longer than in CI: `npm run bench` runs it last (--fuzz-cases N,
// default 500,000; --fuzz-seed S, default a new one, printed so a failure can be replayed; --no-fuzz),
// or alone: `npx tsx bench/fuzz.ts [CASES] [SEED]`. A failure prints the stream that caused it.
import { fileURLToPath } from 'node:url';
import { fuzzRecordParser } from '../test/support/record-fuzz.js';

export function benchFuzz(cases: number, seed: number): string {
  const t0 = process.hrtime.bigint();
  const outcome = fuzzRecordParser(seed, cases);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return `record parser fuzz, seed ${seed}: ${cases} streams in ${seconds.toFixed(1)} s, ${outcome.parsed} parsed, ${outcome.refused} refused with ScanStreamError, no other failure`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const cases = Number(process.argv[2] ?? 500_000);
  const seed = Number(process.argv[3] ?? Date.now() % 2 ** 31);
  process.stdout.write(`${benchFuzz(cases, seed)}\n`);
}
