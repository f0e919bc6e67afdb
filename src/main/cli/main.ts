// The `driftwatch` command: finds the command the words name in the table of every command (each
// domain's commands are in commands/), parses its options and runs it on the engine, whose handler
// table it calls as the UI does; help and version need no engine.
import { diskFullMessage } from '../store/disk-full.js';
import { resolveHome } from '../store/home.js';
import type { Engine } from '../engine/engine.js';
import { visible } from '../../shared/visible.js';
import { parseArgs, UsageError } from './args.js';
import type { Command, Io } from './command.js';
import { terminalAsk } from './confirm.js';
import { paintFor } from './format.js';
import { groupHelp, helpRequest, helpText, mainHelp, SERVE_USAGE, versionText } from './help.js';
import { ALERT_COMMANDS } from './commands/alert.js';
import { BASELINE_COMMANDS } from './commands/baseline.js';
import { EVENT_COMMANDS } from './commands/events.js';
import { GROUP_COMMANDS } from './commands/group.js';
import { POLICY_COMMANDS } from './commands/policy.js';
import { REPORT_COMMANDS } from './commands/report.js';
import { SCAN_COMMANDS } from './commands/scan.js';
import { SCHEDULE_COMMANDS } from './commands/schedule.js';
import { SERVER_COMMANDS } from './commands/server.js';
import { STORE_COMMANDS } from './commands/store.js';
import { TEMPLATE_COMMANDS } from './commands/templates.js';

/** Every command, in the order the main help lists them. */
const COMMANDS: Record<string, Command> = {
  ...SERVER_COMMANDS,
  ...GROUP_COMMANDS,
  ...POLICY_COMMANDS,
  ...BASELINE_COMMANDS,
  ...SCAN_COMMANDS,
  ...EVENT_COMMANDS,
  ...SCHEDULE_COMMANDS,
  ...ALERT_COMMANDS,
  ...REPORT_COMMANDS,
  ...TEMPLATE_COMMANDS,
  ...STORE_COMMANDS,
};

function findCommand(argv: string[]): { command: Command; rest: string[] } | null {
  for (const words of [3, 2, 1]) {
    const key = argv.slice(0, words).join(' ');
    if (COMMANDS[key]) return { command: COMMANDS[key]!, rest: argv.slice(words) };
  }
  return null;
}

/** `driftwatch help WORDS...`: the whole list, one command, or the commands of a group. Exit 0, or 2 for no such command. */
function help(words: string[], io: Io): number {
  const text = helpText(words, COMMANDS);
  if (text === null) {
    io.err(`driftwatch: unknown command '${words.join(' ')}'`);
    io.err('run driftwatch --help for the list of commands');
    return 2;
  }
  io.out(text);
  return 0;
}

const stdio: Io = {
  out: (t) => process.stdout.write(t + '\n'),
  err: (t) => process.stderr.write(t + '\n'),
  ...(process.stdin.isTTY ? { ask: terminalAsk } : {}),
  paint: paintFor(process.stdout),
  ...(process.stderr.isTTY ? { terminal: { write: (t: string) => process.stderr.write(t), get columns() { return process.stderr.columns; }, get rows() { return process.stderr.rows; } } } : {}),
};

export async function main(argv: string[], io: Io = stdio): Promise<number> {
  let home: string | undefined;
  const args = [...argv];
  while (args[0]?.startsWith('--home')) {
    const a = args.shift()!;
    home = a.includes('=') ? a.slice(a.indexOf('=') + 1) : args.shift();
    if (!home) {
      io.err('driftwatch: --home needs a folder');
      return 2;
    }
  }
  if (!args.length) {
    io.out(mainHelp(COMMANDS));
    return 2;
  }
  if (args[0] === '--version' || args[0] === '-V' || args[0] === 'version') {
    io.out(versionText());
    return 0;
  }
  const asked = helpRequest(args);
  if (asked) return help(asked, io);
  if (args[0] === 'serve') {
    const { serveCommand, parseServeArgs } = await import('../server/serve-command.js');
    let options: ReturnType<typeof parseServeArgs>;
    try {
      options = parseServeArgs(args.slice(1));
    } catch (err) {
      io.err(`driftwatch: ${(err as Error).message}`);
      io.err(`usage: ${SERVE_USAGE}`);
      return 2;
    }
    try {
      await serveCommand({ home: resolveHome(home), ...options });
    } catch (err) {
      // A store that cannot be opened (a full disk, a home that cannot be made): said, not a stack trace.
      io.err(`driftwatch: ${diskFullMessage(err, resolveHome(home)) ?? (err as Error).message}`);
      return 1;
    }
    return 0;
  }
  const found = findCommand(args);
  if (!found) {
    io.err(`driftwatch: unknown command '${args.slice(0, 2).join(' ')}'`);
    const group = [args.slice(0, 2).join(' '), args[0]!].map((g) => groupHelp(g, COMMANDS)).find(Boolean);
    io.err(group ?? 'run driftwatch --help for the list of commands');
    return 2;
  }
  let engine: Engine | null = null;
  try {
    const parsed = parseArgs(found.rest, found.command);
    // The engine (and the store's driver) is loaded only for a command that runs: help costs nothing.
    const { openEngine } = await import('../engine/engine.js');
    engine = openEngine({ home: resolveHome(home) });
    return await found.command.run(engine, parsed, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`driftwatch: ${visible(err.message)}`);
      io.err(`usage: ${err.usage}`);
      return 2;
    }
    io.err(`driftwatch: ${visible(diskFullMessage(err, resolveHome(home)) ?? (err instanceof Error ? err.message : String(err)))}`);
    // scan's 1 means "open events": a scan that could not even start is a 2 (nothing was scanned).
    return found.command === COMMANDS.scan ? 2 : 1;
  } finally {
    engine?.close();
  }
}
