// Confirmations on a terminal. A command that would pin a key or remove something asks a person
// who types "yes"; when stdin is not a terminal nobody can answer, so it refuses (scripts say
// --yes, or name the key).
import readline from 'node:readline';
import type { RemovalImpact } from '../../shared/api.js';
import { UsageError, type Parsed } from './args.js';
import type { Io } from './command.js';

/** Asks on the terminal; true only for "yes". */
export async function askYes(io: Io, question: string): Promise<boolean> {
  if (!io.ask) return false;
  return (await io.ask(`${question} Type yes to confirm: `)).trim().toLowerCase() === 'yes';
}

/** Reads one answer from the terminal (stdin and stdout are TTYs). */
export function terminalAsk(question: string): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      resolve(answer);
      rl.close();
    });
    rl.once('close', () => resolve(''));
  });
}

/**
 * A destructive command goes ahead only when confirmed: `--yes`, or "yes" typed at the terminal.
 * Without a terminal and without --yes it refuses, so a script never removes anything unasked.
 */
export async function confirmed(io: Io, p: Parsed, usage: string, question: string): Promise<boolean> {
  if (p.flags.has('yes')) return true;
  if (!io.ask) throw new UsageError(`${question} Nothing was changed: stdin is not a terminal, so pass --yes to confirm`, usage);
  return askYes(io, question);
}

/** A removal: says what goes with it, asks (or takes --yes), then removes. */
export async function confirmedRemoval(io: Io, p: Parsed, usage: string, remove: (preview: boolean) => Promise<RemovalImpact>): Promise<number> {
  if (!p.flags.has('yes')) {
    const preview = await remove(true);
    if (!io.ask) throw new UsageError(`${preview.message} Nothing was removed: stdin is not a terminal, so pass --yes to confirm`, usage);
    io.out(preview.message);
    if (!(await askYes(io, `Remove ${preview.what}?`))) {
      io.err('nothing was removed');
      return 1;
    }
  }
  io.out((await remove(false)).message);
  return 0;
}
