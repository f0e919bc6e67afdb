// The stream parser under fuzzing (fixed seed, bounded count): random and mutated streams in random
// chunks either parse or fail with ScanStreamError, never another exception. `npm run bench -- --fuzz N`
// runs it longer (bench/fuzz.ts).
import { expect, it } from 'vitest';
import { fuzzRecordParser } from '../../support/record-fuzz.js';

it('parses or refuses with ScanStreamError every random and mutated stream', () => {
  const outcome = fuzzRecordParser(0x5ca_2026, 10_000);
  // Both outcomes occur: the mutations are neither all harmless nor all fatal.
  expect(outcome.parsed).toBeGreaterThan(0);
  expect(outcome.refused).toBeGreaterThan(outcome.parsed);
});
