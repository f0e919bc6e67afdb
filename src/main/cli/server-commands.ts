// `server check` and `server edit`, and what `server add` shares with them: the connection fields
// as options, and the check that says how to fix what failed (the server stays stored).
import type { ServerInput } from '../../shared/api.js';
import type { ServerAuth } from '../../shared/domain.js';
import type { Engine } from '../engine/engine.js';
import { intValue, UsageError, type Parsed } from './args.js';
import { visible } from '../../shared/visible.js';
import { call, type Command, type Io } from './command.js';

/** --host, --port, --user, --key/--passphrase-env/--password-env/--agent, --jump/--no-jump as a server patch. */
export function serverFields(p: Parsed, usage: string): Partial<ServerInput> {
  const key = p.values.get('key');
  const passwordEnv = p.values.get('password-env');
  const passphraseEnv = p.values.get('passphrase-env');
  // Exactly one way to log in; secrets are named by variable, never given (nor stored) themselves.
  const logins = [key !== undefined && '--key', passwordEnv !== undefined && '--password-env', p.flags.has('agent') && '--agent'].filter((x): x is string => Boolean(x));
  if (logins.length > 1) throw new UsageError(`${logins.join(' and ')} exclude each other`, usage);
  if (passphraseEnv && !key) throw new UsageError('--passphrase-env is the passphrase of --key FILE: give --key too', usage);
  for (const [option, name] of [['password-env', passwordEnv], ['passphrase-env', passphraseEnv]] as const) {
    if (name !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new UsageError(`--${option} takes the NAME of an environment variable holding the secret, not the secret itself`, usage);
    }
  }
  if (p.values.has('jump') && p.flags.has('no-jump')) throw new UsageError('--jump and --no-jump exclude each other', usage);
  const auth: ServerAuth | undefined = key
    ? { kind: 'key', keyFile: key, ...(passphraseEnv ? { passphraseEnv } : {}) }
    : passwordEnv
      ? { kind: 'password', passwordEnv }
      : p.flags.has('agent') || !p.flags.has('local')
        ? { kind: 'agent' }
        : undefined;
  return {
    ...(p.values.has('host') ? { host: p.values.get('host')! } : {}),
    ...(p.values.has('port') ? { port: intValue(p, 'port', usage, { min: 1, max: 65535 })! } : {}),
    ...(p.values.has('user') ? { user: p.values.get('user')! } : {}),
    ...(auth && !p.flags.has('local') ? { auth } : {}),
    ...(p.values.has('jump') ? { jump: p.values.get('jump')! } : {}),
    ...(p.flags.has('no-jump') ? { jump: null } : {}),
  };
}

/** Connects to a stored server (host key, login, sudo, shell); a failure says how to fix it. */
export async function checkCommand(engine: Engine, name: string, io: Io): Promise<number> {
  try {
    const ok = await call(engine, 'servers/check', { name });
    io.out(`${name}: connection ok (${ok.host}${ok.hostKey ? `, host key ${ok.hostKey}` : ''}, shell ${visible(ok.shell)})`);
    return 0;
  } catch (err) {
    io.err(`driftwatch: ${visible((err as Error).message)}`);
    return 1;
  }
}

const AUTH_OPTIONS = { host: 'value', port: 'value', user: 'value', key: 'value', 'password-env': 'value', 'passphrase-env': 'value', agent: 'flag', jump: 'value', 'no-jump': 'flag' } as const;

export const SERVER_COMMANDS: Record<string, Command> = {
  'server check': {
    usage: 'driftwatch server check NAME',
    options: {},
    positionals: [1, 1],
    run(engine, p, io) {
      return checkCommand(engine, p.positionals[0]!, io);
    },
  },
  'server edit': {
    usage:
      'driftwatch server edit NAME [--host H] [--port N] [--user U] [--key FILE [--passphrase-env VAR] | --password-env VAR | --agent] [--jump SERVER | --no-jump] [--sudo | --no-sudo] [--tag T]... [--no-tags]',
    options: { ...AUTH_OPTIONS, sudo: 'flag', 'no-sudo': 'flag', tag: 'list', 'no-tags': 'flag' },
    positionals: [1, 1],
    async run(engine, p, io) {
      if (p.flags.has('sudo') && p.flags.has('no-sudo')) throw new UsageError('--sudo and --no-sudo exclude each other', this.usage);
      if (p.lists.has('tag') && p.flags.has('no-tags')) throw new UsageError('--tag and --no-tags exclude each other', this.usage);
      const name = p.positionals[0]!;
      const fields = serverFields(p, this.usage);
      // An edit changes what it names: the login is kept unless one is given.
      if (!p.values.has('key') && !p.values.has('password-env') && !p.flags.has('agent')) delete fields.auth;
      const patch: Partial<ServerInput> = {
        ...fields,
        ...(p.flags.has('sudo') ? { sudo: true } : {}),
        ...(p.flags.has('no-sudo') ? { sudo: false } : {}),
        ...(p.lists.has('tag') ? { tags: p.lists.get('tag')! } : {}),
        ...(p.flags.has('no-tags') ? { tags: [] } : {}),
      };
      if (!Object.keys(patch).length) throw new UsageError('say what to change', this.usage);
      const before = await call(engine, 'servers/get', { name });
      const s = await call(engine, 'servers/update', { name, patch });
      io.out(`changed server ${s.name}: ${s.local ? 'this machine' : `${s.user}@${s.host}:${s.port}`} (${s.auth.kind} auth)${s.jump ? ` via ${s.jump}` : ''}${s.sudo ? ', sudo' : ''}${s.tags.length ? `, tags ${s.tags.join(', ')}` : ''}`);
      for (const w of s.warnings) io.err(`warning: ${visible(w)}`);
      if (before.hostKey && !s.hostKey) io.out(`the address changed, so its host key was unpinned: verify and trust it again (driftwatch server trust ${s.name})`);
      return 0;
    },
  },
};
