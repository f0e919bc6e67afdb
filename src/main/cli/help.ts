// Help and version. Every command and group of commands has help: `driftwatch COMMAND... --help` (or -h) and
// `driftwatch help COMMAND...` print the same text and exit 0. Nothing here loads the engine.
import fs from 'node:fs';
import type { Command } from './command.js';

/** One line per command, shown under its usage. A command without one fails the CLI's tests. */
export const SUMMARIES: Record<string, string> = {
  'server add': 'Add a server: this machine (--local), or one reached over SSH whose host key you then pin.',
  'server list': 'List the servers with their group, last scan and open events.',
  'server show': "Show a server: address, authentication, host key, scan settings, pre-flight and last scans.",
  'server preflight': 'Check what a server offers the scanner (tools, attributes it can read) and store it.',
  'server settings': 'Show or change how a server is scanned: parallel hashing jobs, nice, how often a full scan runs.',
  'server trust': "Pin a server's host key: the one it presents now, a given SHA256 fingerprint, or known_hosts.",
  'server import-ssh-config': 'Add the hosts of an OpenSSH config file (default ~/.ssh/config) as servers.',
  'server remove': 'Remove a server; its open events are retired (asks first, or --yes).',
  'server check': 'Connect to a server: host key, login, sudo and shell; says how to fix what fails.',
  'server edit': "Change a server's address, port, user, key, jump host, sudo or tags.",
  'server move': 'Move servers to a group (Unassigned for none).',
  'group add': 'Add a server group, with the policies its servers are scanned with.',
  'group list': 'List the groups and their policies.',
  'group assign': 'Assign policies or alert profiles to a group.',
  'group unassign': 'Remove a policy or an alert profile from a group.',
  'group remove': 'Remove a group; its servers become Unassigned.',
  'policy add': 'Add a policy, empty or from a template (see policy templates).',
  'policy target add': "Add a target (a path, with patterns and flags) to a policy.",
  'policy target remove': 'Remove a target from a policy.',
  'policy list': 'List the policies.',
  'policy show': "Show a policy's targets.",
  'policy export': 'Write a policy as JSON (docs/formats.md).',
  'policy import': 'Read a policy from JSON (a file, or - for stdin).',
  'policy remove': 'Remove a policy.',
  'policy templates': 'List the policy templates policy add --template can start from.',
  baseline: 'Scan gold-master servers and store a baseline of a policy from each.',
  'baseline show': 'Show a baseline: its status (active, expired, superseded), server, dates and targets.',
  'baseline remove': 'Remove a baseline (asks first, or --yes).',
  baselines: 'List the baselines, with their status, expiry and entry counts.',
  scan: 'Scan servers; exit 0 clean, 1 open events, 2 a server failed, 3 something was not compared.',
  events: 'List events (open ones by default), filtered.',
  'event show': "Show an event: the baseline and the current metadata side by side, changes marked.",
  accept: "Accept events: for this server (the default) or into every active baseline of the policy.",
  'schedule set': "Set a group's automatic scans: a fixed interval or a cron expression.",
  'schedule list': 'List the schedules and their next runs.',
  'schedule off': "Turn a group's automatic scans off.",
  'run-schedules': 'Run the schedules in the foreground (a service), or once (--once, for cron or a timer).',
  'smtp set': 'Set the mail server alerts are sent through.',
  'smtp show': 'Show the mail server settings (never the password).',
  'smtp test': 'Send a test message.',
  'alert-profile add': 'Add an alert profile: who is told (email, webhook, JSON lines, syslog) of which events.',
  'alert-profile update': 'Change an alert profile.',
  'alert-profile list': 'List the alert profiles.',
  'alert-profile remove': 'Remove an alert profile.',
  'alert outbox': 'List the alerts waiting to be delivered (or all, or the sent ones).',
  'alert flush': 'Deliver the alerts waiting in the outbox now.',
  report: 'Write a report of events (CSV, JSON or a PCI DSS 11.5.2 PDF).',
  'store check': "Verify the store: SQLite's integrity check and every pack's checksum; exit 1 when damaged.",
  serve: 'Serve the console on 127.0.0.1 and print its URL (with a one-time token).',
};

export const SERVE_USAGE = 'driftwatch serve [--port N] [--open] [--no-schedules]';

const HELP_FLAGS = new Set(['--help', '-h']);

/** The words before the options, when `argv` asks for help (`... --help`, `... -h`, `help ...`); else null. */
export function helpRequest(argv: readonly string[]): string[] | null {
  if (argv[0] === 'help') return argv.slice(1);
  const flag = argv.findIndex((a) => HELP_FLAGS.has(a));
  if (flag === -1) return null;
  const firstOption = argv.findIndex((a) => a.startsWith('-'));
  return argv.slice(0, firstOption);
}

/**
 * The help for the longest command or group the words start with (`server add web1 --help` is the help of
 * `server add`): the whole list for no words, null when they name nothing.
 */
export function helpText(words: readonly string[], commands: Record<string, Command>): string | null {
  if (!words.length) return mainHelp(commands);
  for (let n = Math.min(words.length, 3); n > 0; n--) {
    const name = words.slice(0, n).join(' ');
    // A command that is also a group (`baseline`, `baseline show`): its own help, then its group's.
    if (commands[name]) return [commandHelp(name, commands[name].usage), groupHelp(name, commands)].filter(Boolean).join('\n\n');
    if (name === 'serve') return commandHelp(name, SERVE_USAGE);
    const group = groupHelp(name, commands);
    if (group) return group;
  }
  return null;
}

/** `driftwatch 0.1.0`: the version in package.json, three folders up as from every module (compiled or not). */
export function versionText(): string {
  const pkg = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return `driftwatch ${pkg.version}`;
}

export function commandHelp(name: string, usage: string): string {
  return [`usage: ${usage}`, ...(SUMMARIES[name] ? ['', SUMMARIES[name]] : [])].join('\n');
}

/** The commands of a group (`server`, `policy target`), each with its usage and summary; null if none. */
export function groupHelp(group: string, commands: Record<string, Command>): string | null {
  const members = Object.entries(commands).filter(([name]) => name.startsWith(`${group} `));
  if (!members.length) return null;
  return [
    ...members.flatMap(([name, c]) => [`usage: ${c.usage}`, ...(SUMMARIES[name] ? [`    ${SUMMARIES[name]}`] : [])]),
    '',
    `driftwatch ${group} COMMAND --help: one of them.`,
  ].join('\n');
}

export function mainHelp(commands: Record<string, Command>): string {
  return [
    'driftwatch: agentless file integrity monitoring',
    '',
    'usage: driftwatch [--home DIR] COMMAND ...',
    '       driftwatch help COMMAND...  (or COMMAND... --help): one command or group of commands',
    '       driftwatch --version',
    '',
    ...Object.values(commands).map((c) => `  ${c.usage.replace(/^driftwatch /, '')}`),
    `  ${SERVE_USAGE.replace(/^driftwatch /, '')}`,
    '',
    'The store lives in --home DIR, else $DRIFTWATCH_HOME, else the Driftwatch application-data folder.',
  ].join('\n');
}
