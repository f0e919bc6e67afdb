// The server commands: add, list, show, pre-flight, scan settings, host-key trust, import from an
// OpenSSH config, remove, move, check and edit. The connection fields are options shared by `add`
// and `edit`; a check says how to fix what failed (the server stays stored).
import type { ResultOf, ServerInput } from '../../../shared/api.js';
import type { ServerAuth, ServerScanSettings } from '../../../shared/domain.js';
import { visible } from '../../../shared/visible.js';
import type { Engine } from '../../engine/engine.js';
import { intValue, UsageError, type Parsed } from '../args.js';
import { call, json, paintOf, printList, type Command, type Io } from '../command.js';
import { askYes, confirmedRemoval } from '../confirm.js';
import { table, when } from '../format.js';
import { preflightText, scanSettingsText } from '../scanner-format.js';

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
  'server add': {
    usage:
      'driftwatch server add NAME (--local | --host H [--port N] [--user U] [--key FILE [--passphrase-env VAR] | --password-env VAR] [--jump SERVER] [--sudo] [--accept-new]) [--group G] [--tag T]... [--os linux|windows] [--shell SH] [--check]',
    options: {
      local: 'flag', host: 'value', port: 'value', user: 'value', key: 'value', 'password-env': 'value', 'passphrase-env': 'value', group: 'value', tag: 'list',
      os: 'value', shell: 'value', jump: 'value', sudo: 'flag', 'accept-new': 'flag', check: 'flag',
    },
    positionals: [1, 1],
    async run(engine, p, io) {
      const local = p.flags.has('local');
      if (local && p.values.has('host')) throw new UsageError('--local and --host exclude each other', this.usage);
      if (!local && !p.values.has('host')) throw new UsageError('give --host H, or --local for this machine', this.usage);
      const s = await call(engine, 'servers/add', {
        name: p.positionals[0]!,
        local,
        ...serverFields(p, this.usage),
        group: p.values.get('group') ?? null,
        tags: p.lists.get('tag') ?? [],
        ...(p.values.has('os') ? { os: p.values.get('os') as 'linux' | 'windows' } : {}),
        ...(p.values.has('shell') ? { shell: p.values.get('shell')! } : {}),
        sudo: p.flags.has('sudo'),
      });
      io.out(`added server ${s.name} (${s.local ? 'this machine' : `${s.user}@${s.host}:${s.port}`}) in ${s.group ?? 'Unassigned'}`);
      for (const w of s.warnings) io.err(`warning: ${visible(w)}`);
      // Stored: what follows connects, and a failure leaves the server as it is, saying how to fix it.
      if (!s.local && p.flags.has('accept-new')) {
        // Trust on first use, on explicit request: the key is shown so it can be checked out of band.
        try {
          const probed = await call(engine, 'servers/probeHostKey', { name: s.name });
          const trusted = await call(engine, 'servers/trust', { name: s.name, fingerprint: probed.fingerprint, how: 'accepted as new (server add --accept-new)' });
          io.out(`pinned host key ${trusted.hostKey} (accepted as new: check it against the server's own \`ssh-keygen -lf\`)`);
        } catch (err) {
          io.err(`driftwatch: ${s.name} is stored, but its host key could not be read: ${(err as Error).message}. Once it is reachable: driftwatch server trust ${s.name}`);
          return 1;
        }
      } else if (!s.local) io.out(`host key not trusted yet: run driftwatch server trust ${s.name} before scanning it`);
      if (p.flags.has('check')) return checkCommand(engine, s.name, io);
      if (!s.local) io.out(`check the connection with: driftwatch server check ${s.name}`);
      return 0;
    },
  },
  'server list': {
    usage: 'driftwatch server list [--json]',
    options: { json: 'flag' },
    positionals: [0, 0],
    async run(engine, p, io) {
      const servers = await call(engine, 'servers/list', undefined);
      printList(io, p, servers, 'No servers yet. Add one: driftwatch server add NAME --local (this machine) or --host H', ['NAME', 'ADDRESS', 'GROUP', 'LAST SCAN', 'OPEN (CRIT/OTHER)'], (s) => [
        s.name, s.local ? 'local' : `${s.user}@${s.host}:${s.port}`, s.group ?? 'Unassigned', s.lastScan ? `${s.lastScan.status === 'failed' ? paintOf(io)('failed', 'failed') : s.lastScan.status} ${when(s.lastScan.at)}` : 'never scanned', `${s.openEvents.critical}/${s.openEvents.nonCritical}`,
      ]);
      return 0;
    },
  },
  'server show': {
    usage: 'driftwatch server show NAME [--json]',
    options: { json: 'flag' },
    positionals: [1, 1],
    async run(engine, p, io) {
      const s = await call(engine, 'servers/get', { name: p.positionals[0]! });
      const scans = await call(engine, 'scans/list', { server: s.name, limit: 10 });
      if (p.flags.has('json')) json(io, { ...s, scans });
      else {
        io.out(`${s.name}: ${s.local ? 'this machine (local)' : `${s.user}@${s.host}:${s.port} (${s.auth.kind} auth)`}, ${s.os}, group ${s.group ?? 'Unassigned'}`);
        if (s.tags.length) io.out(`tags: ${s.tags.join(', ')}`);
        if (!s.local) io.out(`host key: ${s.hostKey ?? 'not pinned yet'}`);
        for (const t of s.trustHistory ?? []) io.out(`  trust change ${t.at} by ${t.by}: ${t.old ?? '(none)'} -> ${t.new ?? '(none)'} (${visible(t.how)})`);
        io.out(`open events: ${s.openEvents.critical} critical, ${s.openEvents.nonCritical} other`);
        io.out(scanSettingsText(s.scanSettings));
        io.out(preflightText(s.preflight));
        io.out(scans.length ? table(scans.map((x) => [String(x.id), x.kind, x.mode ?? '', x.status === 'failed' ? paintOf(io)(x.status, 'failed') : x.status, when(x.startedAt), visible(x.reason ?? '')]), ['SCAN', 'KIND', 'MODE', 'STATUS', 'STARTED', 'REASON']) : 'never scanned');
      }
      return 0;
    },
  },
  'server preflight': {
    usage: 'driftwatch server preflight NAME... [--json]',
    options: { json: 'flag' },
    positionals: [1, Infinity],
    async run(engine, p, io) {
      const names = [...new Set(p.positionals)];
      // Every name is checked before any host is reached.
      for (const name of names) await call(engine, 'servers/get', { name });
      const done: ({ server: string } & ResultOf<'servers/preflight'>)[] = [];
      let failed = 0;
      for (const name of names) {
        try {
          const pre = await call(engine, 'servers/preflight', { name });
          done.push({ server: name, ...pre });
          if (!p.flags.has('json')) io.out(`${names.length > 1 ? `${name}: ` : ''}${preflightText(pre)}`);
        } catch (err) {
          if (names.length === 1) throw err;
          failed++;
          io.err(`driftwatch: ${name}: ${visible((err as Error).message)}`);
        }
      }
      // One server: its pre-flight; several: an array of them, each with its server's name.
      if (p.flags.has('json')) json(io, names.length === 1 ? done.map(({ server: _s, ...pre }) => pre)[0] : done);
      return failed ? 1 : 0;
    },
  },
  'server settings': {
    usage: 'driftwatch server settings NAME [--jobs N] [--nice | --no-nice] [--full-every N] [--full-every-days D] [--max-entries N] [--json]',
    options: { jobs: 'value', nice: 'flag', 'no-nice': 'flag', 'full-every': 'value', 'full-every-days': 'value', 'max-entries': 'value', json: 'flag' },
    positionals: [1, 1],
    async run(engine, p, io) {
      if (p.flags.has('nice') && p.flags.has('no-nice')) throw new UsageError('--nice and --no-nice exclude each other', this.usage);
      const patch: Partial<ServerScanSettings> = {};
      const jobs = intValue(p, 'jobs', this.usage, { max: 256 });
      if (jobs !== undefined) patch.jobs = jobs;
      const every = intValue(p, 'full-every', this.usage, { max: 100_000 });
      if (every !== undefined) patch.fullEvery = every;
      if (p.values.has('full-every-days')) {
        const d = Number(p.values.get('full-every-days'));
        if (!Number.isFinite(d)) throw new UsageError('--full-every-days takes a number of days', this.usage);
        patch.fullEveryDays = d;
      }
      const maxEntries = intValue(p, 'max-entries', this.usage);
      if (maxEntries !== undefined) patch.maxEntries = maxEntries;
      if (p.flags.has('nice')) patch.nice = true;
      if (p.flags.has('no-nice')) patch.nice = false;
      const settings = await call(engine, 'servers/scanSettings', { name: p.positionals[0]!, ...(Object.keys(patch).length ? { patch } : {}) });
      if (p.flags.has('json')) json(io, settings);
      else io.out(scanSettingsText(settings));
      return 0;
    },
  },
  'server trust': {
    usage: 'driftwatch server trust NAME [--fingerprint SHA256:... | --from-known-hosts [FILE]] [--replace]',
    options: { fingerprint: 'value', 'from-known-hosts': 'flag', 'known-hosts-file': 'value', replace: 'flag' },
    positionals: [1, 2],
    async run(engine, p, io) {
      // `--from-known-hosts` may be followed by a file name; it then arrives as a second positional.
      const fromKnownHosts = p.flags.has('from-known-hosts');
      if (p.positionals.length > 1 && !fromKnownHosts) throw new UsageError(`unexpected argument '${p.positionals[1]}'`, this.usage);
      const name = p.positionals[0]!;
      const replace = p.flags.has('replace');
      const before = (await call(engine, 'servers/get', { name })).hostKey;
      let fingerprint = p.values.get('fingerprint');
      let how: string | undefined;
      if (!fromKnownHosts && fingerprint === undefined) {
        // Nothing named: show the key and let a person compare it and say yes. Never silently.
        if (!io.ask) {
          throw new UsageError(
            `stdin is not a terminal, so nobody can confirm the key: name it with --fingerprint SHA256:... (compare it with ssh-keygen -lf on the server) or --from-known-hosts [FILE]`,
            this.usage,
          );
        }
        const probed = await call(engine, 'servers/probeHostKey', { name });
        io.out(`${name} presents ${visible(probed.keyType ?? 'a')} key ${probed.fingerprint}`);
        if (before === probed.fingerprint) {
          io.out(`this key is pinned already: nothing to change`);
          return 0;
        }
        if (before) {
          io.out(`pinned now: ${before}\npresented:  ${probed.fingerprint}`);
          if (!replace) {
            io.err(`driftwatch: a different key is pinned for ${name}; nothing was changed. If the new key is legitimate, run again with --replace`);
            return 1;
          }
        }
        if (!(await askYes(io, `Compare it with \`ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub\` run on ${name} itself. Trust ${probed.fingerprint}?`))) {
          io.err('nothing was pinned');
          return 1;
        }
        fingerprint = probed.fingerprint;
        how = 'presented key confirmed on a terminal';
      }
      const s = await call(engine, 'servers/trust', {
        name,
        ...(fingerprint !== undefined ? { fingerprint } : {}),
        ...(fromKnownHosts ? { knownHostsFile: p.positionals[1] ?? '' } : {}),
        ...(replace ? { replace } : {}),
        ...(how ? { how } : {}),
      });
      if (before && before !== s.hostKey) io.out(`replaced the host key of ${s.name}: old ${before}, new ${s.hostKey}`);
      else io.out(`pinned host key of ${s.name}: ${s.hostKey}`);
      return 0;
    },
  },
  'server import-ssh-config': {
    usage: 'driftwatch server import-ssh-config [FILE] [--host PATTERN]... [--group G]',
    options: { host: 'list', group: 'value' },
    positionals: [0, 1],
    async run(engine, p, io) {
      const results = await call(engine, 'servers/importSshConfig', {
        ...(p.positionals[0] ? { file: p.positionals[0] } : {}),
        ...(p.lists.has('host') ? { hosts: p.lists.get('host')! } : {}),
        group: p.values.get('group') ?? null,
      });
      for (const r of results) (r.status === 'skipped' ? io.err : io.out)(`${r.status}${r.name ? ` ${r.name}` : ''}: ${visible(r.detail)}`);
      if (!results.some((r) => r.status === 'added')) io.out('no new hosts imported');
      else io.out('trust each new server before scanning: driftwatch server trust NAME [--fingerprint SHA256:...]');
      return 0;
    },
  },
  'server remove': {
    usage: 'driftwatch server remove NAME [--yes]',
    options: { yes: 'flag' },
    positionals: [1, 1],
    run(engine, p, io) {
      return confirmedRemoval(io, p, this.usage, (preview) => call(engine, 'servers/remove', { name: p.positionals[0]!, preview }));
    },
  },
  'server move': {
    usage: 'driftwatch server move NAME... --group G',
    options: { group: 'value' },
    positionals: [1, Infinity],
    async run(engine, p, io) {
      const group = p.values.get('group');
      if (!group) throw new UsageError('--group is required (Unassigned for none)', this.usage);
      await call(engine, 'servers/move', { names: p.positionals, group });
      io.out(`moved ${p.positionals.join(', ')} to ${group}`);
      return 0;
    },
  },
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
