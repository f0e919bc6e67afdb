// What every CLI command is made of: its spec, how it runs, and the two ways it writes.
import type { ArgsOf, HandlerName, ResultOf, ServerProgress } from '../../shared/api.js';
import type { Engine } from '../engine/engine.js';
import { checkArgs } from '../api/dispatch.js';
import type { CommandSpec, Parsed } from './args.js';
import { plain, table, type Paint } from './format.js';
import { progressView, type Terminal } from './progress-view.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Asks the person at the terminal and returns the answer; absent when no one is there (not a TTY). */
  ask?(question: string): Promise<string>;
  /** Colour for standard output (plain when absent: tests, pipes). */
  paint?: Paint;
  /** Standard error when it is a terminal: live progress is drawn there, and only there. */
  terminal?: Terminal;
}


/** Live progress of a scan or baseline on the terminal, unless --json or there is none. */
export function liveProgress(engine: Engine, io: Io, p: Parsed, push: 'scan/progress' | 'baseline/progress'): () => void {
  if (!io.terminal || p.flags.has('json')) return () => undefined;
  const view = progressView(io.terminal);
  const off = engine.onPush((name, payload) => {
    if (name === push) view.update(payload as ServerProgress);
  });
  return () => {
    off();
    view.stop();
  };
}

export const paintOf = (io: Io): Paint => io.paint ?? plain;

export interface Command extends CommandSpec {
  run(engine: Engine, p: Parsed, io: Io): Promise<number> | number;
}

/** Calls a handler of the engine's table, exactly as the UI does. */
export const call = <K extends HandlerName>(engine: Engine, name: K, args: ArgsOf<K>): Promise<ResultOf<K>> =>
  Promise.resolve().then(() => engine.handlers[name](checkArgs(name, args) as never) as ResultOf<K>);

export const json = (io: Io, value: unknown) => io.out(JSON.stringify(value, null, 2));

/** A list command's output: the items as JSON with --json, else a table of them, or `empty` when there are none. */
export function printList<T>(io: Io, p: Parsed, items: readonly T[], empty: string, headings: string[], row: (item: T) => string[]): void {
  if (p.flags.has('json')) json(io, items);
  else io.out(items.length ? table(items.map(row), headings) : empty);
}
