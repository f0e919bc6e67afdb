// Heavy dependencies are loaded on first use, so a command that never needs them (`driftwatch --help`,
// `server list`) does not pay for their load time (docs/performance.md, CLI start-up).
// For code that cannot await; code that can uses `await import()` (pdfkit, nodemailer).
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

/** A function returning the module `id`, loaded (once) by its first call. */
export function lazyRequire<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load(id) as T);
}
