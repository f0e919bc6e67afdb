// The `driftwatch` command. Every command calls the engine's handler table, as the UI does.
import fs from 'node:fs';
import { ApiError, type EventFilter } from '../../shared/api.js';
import type { AttributeName, ServerScanSettings, Target } from '../../shared/domain.js';
import { DEFAULT_CONTENT_LIMIT } from '../scan/scan-options.js';
import { preflightText, scanSettingsText } from './scanner-format.js';
import type { Engine } from '../engine.js';
import { resolveHome } from '../store/home.js';
import { intValue, parseArgs, UsageError } from './args.js';
import { call, json, printList, type Command, type Io } from './command.js';
import { OPS_COMMANDS } from './ops-commands.js';
import { groupHelp, helpRequest, helpText, mainHelp, SERVE_USAGE, versionText } from './help.js';
import { baselineReportText, EVENT_HEADER, eventDetails, eventLine, SCAN_HEADER, scanLine, table, visible } from './format.js';

const COMMANDS: Record<string, Command> = {
  'server add': {
    usage:
      'driftwatch server add NAME (--local | --host H [--port N] [--user U] [--key FILE [--passphrase-env VAR] | --password-env VAR] [--jump SERVER] [--sudo] [--accept-new]) [--group G] [--tag T]... [--os linux|windows] [--shell SH]',
    options: {
      local: 'flag', host: 'value', port: 'value', user: 'value', key: 'value', 'password-env': 'value', 'passphrase-env': 'value', group: 'value', tag: 'list',
      os: 'value', shell: 'value', jump: 'value', sudo: 'flag', 'accept-new': 'flag',
    },
    positionals: [1, 1],
    async run(engine, p, io) {
      const local = p.flags.has('local');
      if (local && p.values.has('host')) throw new UsageError('--local and --host exclude each other', this.usage);
      if (!local && !p.values.has('host')) throw new UsageError('give --host H, or --local for this machine', this.usage);
      const key = p.values.get('key');
      const passwordEnv = p.values.get('password-env');
      const passphraseEnv = p.values.get('passphrase-env');
      // Exactly one way to log in; secrets are named by variable, never given (nor stored) themselves.
      if (key && passwordEnv) throw new UsageError('--key and --password-env exclude each other', this.usage);
      if (passphraseEnv && !key) throw new UsageError('--passphrase-env is the passphrase of --key FILE: give --key too', this.usage);
      for (const [option, name] of [['password-env', passwordEnv], ['passphrase-env', passphraseEnv]] as const) {
        if (name !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
          throw new UsageError(`--${option} takes the NAME of an environment variable holding the secret, not the secret itself`, this.usage);
        }
      }
      const auth = key
        ? { kind: 'key' as const, keyFile: key, ...(passphraseEnv ? { passphraseEnv } : {}) }
        : passwordEnv
          ? { kind: 'password' as const, passwordEnv }
          : { kind: 'agent' as const };
      const s = await call(engine, 'servers/add', {
        name: p.positionals[0]!,
        local,
        ...(p.values.has('host') ? { host: p.values.get('host')! } : {}),
        ...(p.values.has('port') ? { port: intValue(p, 'port', this.usage)! } : {}),
        ...(p.values.has('user') ? { user: p.values.get('user')! } : {}),
        ...(local ? {} : { auth }),
        group: p.values.get('group') ?? null,
        tags: p.lists.get('tag') ?? [],
        ...(p.values.has('os') ? { os: p.values.get('os') as 'linux' | 'windows' } : {}),
        ...(p.values.has('shell') ? { shell: p.values.get('shell')! } : {}),
        ...(p.values.has('jump') ? { jump: p.values.get('jump')! } : {}),
        sudo: p.flags.has('sudo'),
      });
      io.out(`added server ${s.name} (${s.local ? 'this machine' : `${s.user}@${s.host}:${s.port}`}) in ${s.group ?? 'Unassigned'}`);
      if (!s.local && p.flags.has('accept-new')) {
        // Trust on first use, on explicit request: the key is shown so it can be checked out of band.
        const trusted = await call(engine, 'servers/trust', { name: s.name });
        io.out(`pinned host key ${trusted.hostKey} (accepted as new: check it against the server's own \`ssh-keygen -lf\`)`);
      } else if (!s.local) io.out(`host key not trusted yet: run driftwatch server trust ${s.name} before scanning it`);
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
        s.name, s.local ? 'local' : `${s.user}@${s.host}:${s.port}`, s.group ?? 'Unassigned', s.lastScan ? `${s.lastScan.status} ${s.lastScan.at}` : 'never scanned', `${s.openEvents.critical}/${s.openEvents.nonCritical}`,
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
        io.out(`open events: ${s.openEvents.critical} critical, ${s.openEvents.nonCritical} other`);
        io.out(scanSettingsText(s.scanSettings));
        io.out(preflightText(s.preflight));
        io.out(scans.length ? table(scans.map((x) => [String(x.id), x.kind, x.mode ?? '', x.status, x.startedAt, x.reason ?? '']), ['SCAN', 'KIND', 'MODE', 'STATUS', 'STARTED', 'REASON']) : 'never scanned');
      }
      return 0;
    },
  },
  'server preflight': {
    usage: 'driftwatch server preflight NAME [--json]',
    options: { json: 'flag' },
    positionals: [1, 1],
    async run(engine, p, io) {
      const pre = await call(engine, 'servers/preflight', { name: p.positionals[0]! });
      if (p.flags.has('json')) json(io, pre);
      else io.out(preflightText(pre));
      return 0;
    },
  },
  'server settings': {
    usage: 'driftwatch server settings NAME [--jobs N] [--nice | --no-nice] [--full-every N] [--full-every-days D] [--json]',
    options: { jobs: 'value', nice: 'flag', 'no-nice': 'flag', 'full-every': 'value', 'full-every-days': 'value', json: 'flag' },
    positionals: [1, 1],
    async run(engine, p, io) {
      if (p.flags.has('nice') && p.flags.has('no-nice')) throw new UsageError('--nice and --no-nice exclude each other', this.usage);
      const patch: Partial<ServerScanSettings> = {};
      const jobs = intValue(p, 'jobs', this.usage);
      if (jobs !== undefined) patch.jobs = jobs;
      const every = intValue(p, 'full-every', this.usage);
      if (every !== undefined) patch.fullEvery = every;
      if (p.values.has('full-every-days')) {
        const d = Number(p.values.get('full-every-days'));
        if (!Number.isFinite(d)) throw new UsageError('--full-every-days takes a number of days', this.usage);
        patch.fullEveryDays = d;
      }
      if (p.flags.has('nice')) patch.nice = true;
      if (p.flags.has('no-nice')) patch.nice = false;
      const settings = await call(engine, 'servers/scanSettings', { name: p.positionals[0]!, ...(Object.keys(patch).length ? { patch } : {}) });
      if (p.flags.has('json')) json(io, settings);
      else io.out(scanSettingsText(settings));
      return 0;
    },
  },
  'server trust': {
    usage: 'driftwatch server trust NAME [--fingerprint SHA256:...] [--from-known-hosts [FILE]]',
    options: { fingerprint: 'value', 'from-known-hosts': 'flag', 'known-hosts-file': 'value' },
    positionals: [1, 2],
    async run(engine, p, io) {
      // `--from-known-hosts` may be followed by a file name; it then arrives as a second positional.
      const fromKnownHosts = p.flags.has('from-known-hosts');
      if (p.positionals.length > 1 && !fromKnownHosts) throw new UsageError(`unexpected argument '${p.positionals[1]}'`, this.usage);
      const name = p.positionals[0]!;
      if (!fromKnownHosts && !p.values.has('fingerprint')) {
        const probed = await call(engine, 'servers/probeHostKey', { name });
        io.out(`${name} presents ${probed.keyType ?? 'a'} key ${probed.fingerprint}`);
      }
      const s = await call(engine, 'servers/trust', {
        name,
        ...(p.values.has('fingerprint') ? { fingerprint: p.values.get('fingerprint')! } : {}),
        ...(fromKnownHosts ? { knownHostsFile: p.positionals[1] ?? '' } : {}),
      });
      io.out(`pinned host key of ${s.name}: ${s.hostKey}`);
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
      for (const r of results) (r.status === 'skipped' ? io.err : io.out)(`${r.status}${r.name ? ` ${r.name}` : ''}: ${r.detail}`);
      if (!results.some((r) => r.status === 'added')) io.out('no new hosts imported');
      else io.out('trust each new server before scanning: driftwatch server trust NAME [--fingerprint SHA256:...]');
      return 0;
    },
  },
  'server remove': {
    usage: 'driftwatch server remove NAME',
    options: {},
    positionals: [1, 1],
    async run(engine, p, io) {
      await call(engine, 'servers/remove', { name: p.positionals[0]! });
      io.out(`removed server ${p.positionals[0]}`);
      return 0;
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
  'group add': {
    usage: 'driftwatch group add NAME [--policy P]...',
    options: { policy: 'list' },
    positionals: [1, 1],
    async run(engine, p, io) {
      const g = await call(engine, 'groups/add', { name: p.positionals[0]!, policies: p.lists.get('policy') ?? [] });
      io.out(`added group ${g.name}${g.policies.length ? ` with ${g.policies.join(', ')}` : ''}`);
      return 0;
    },
  },
  'group list': {
    usage: 'driftwatch group list [--json]',
    options: { json: 'flag' },
    positionals: [0, 0],
    async run(engine, p, io) {
      const groups = await call(engine, 'groups/list', undefined);
      printList(io, p, groups, 'No groups yet. Add one: driftwatch group add NAME --policy P', ['GROUP', 'POLICIES'], (g) => [g.name, g.policies.join(', ') || '(none)']);
      return 0;
    },
  },
  'group assign': {
    usage: 'driftwatch group assign GROUP (--policy P | --alert-profile NAME)...',
    options: { policy: 'list', 'alert-profile': 'list' },
    positionals: [1, 1],
    async run(engine, p, io) {
      const policies = p.lists.get('policy') ?? [];
      const profiles = p.lists.get('alert-profile') ?? [];
      if (!policies.length && !profiles.length) throw new UsageError('--policy or --alert-profile is required', this.usage);
      for (const policy of policies) await call(engine, 'groups/assign', { name: p.positionals[0]!, policy });
      for (const profile of profiles) await call(engine, 'alertProfiles/assign', { group: p.positionals[0]!, profile });
      io.out(`assigned ${[...policies, ...profiles.map((a) => `alert profile ${a}`)].join(', ')} to ${p.positionals[0]}`);
      return 0;
    },
  },
  'group unassign': {
    usage: 'driftwatch group unassign GROUP (--policy P | --alert-profile NAME)',
    options: { policy: 'value', 'alert-profile': 'value' },
    positionals: [1, 1],
    async run(engine, p, io) {
      const policy = p.values.get('policy');
      const profile = p.values.get('alert-profile');
      if (profile !== undefined && policy === undefined) {
        await call(engine, 'alertProfiles/unassign', { group: p.positionals[0]!, profile });
        io.out(`unassigned alert profile ${profile} from ${p.positionals[0]}`);
        return 0;
      }
      if (!policy) throw new UsageError('--policy is required', this.usage);
      await call(engine, 'groups/unassign', { name: p.positionals[0]!, policy });
      io.out(`unassigned ${policy} from ${p.positionals[0]}`);
      return 0;
    },
  },
  'group remove': {
    usage: 'driftwatch group remove NAME',
    options: {},
    positionals: [1, 1],
    async run(engine, p, io) {
      await call(engine, 'groups/remove', { name: p.positionals[0]! });
      io.out(`removed group ${p.positionals[0]} (its servers are now Unassigned)`);
      return 0;
    },
  },
  'policy add': {
    usage: 'driftwatch policy add NAME ([--os linux|windows] [--description TEXT] | --template T)',
    options: { os: 'value', description: 'value', template: 'value' },
    positionals: [1, 1],
    async run(engine, p, io) {
      if (p.values.has('template')) {
        const t = await call(engine, 'policies/fromTemplate', { template: p.values.get('template')!, name: p.positionals[0]! });
        io.out(`added policy ${t.name} (${t.os}) from template ${p.values.get('template')} with ${t.targets.length} targets`);
        return 0;
      }
      const policy = await call(engine, 'policies/add', {
        name: p.positionals[0]!,
        ...(p.values.has('os') ? { os: p.values.get('os') as 'linux' } : {}),
        ...(p.values.has('description') ? { description: p.values.get('description')! } : {}),
      });
      io.out(`added policy ${policy.name} (${policy.os})`);
      return 0;
    },
  },
  'policy target add': {
    usage:
      'driftwatch policy target add POLICY PATH [--recursive | --depth N] [--include GLOB]... [--exclude GLOB]... [--critical] [--alert] [--compare master|self] [--ignore ATTR,...] [--cross-mounts] [--content [--content-limit BYTES] [--content-secret REGEX]...]',
    options: { recursive: 'flag', depth: 'value', include: 'list', exclude: 'list', critical: 'flag', alert: 'flag', compare: 'value', ignore: 'value', 'cross-mounts': 'flag', content: 'flag', 'content-limit': 'value', 'content-secret': 'list' },
    positionals: [2, 2],
    async run(engine, p, io) {
      if (p.flags.has('recursive') && p.values.has('depth')) throw new UsageError('--recursive and --depth exclude each other', this.usage);
      const compare = p.values.get('compare') ?? 'master';
      if (compare !== 'master' && compare !== 'self') throw new UsageError('--compare takes master or self', this.usage);
      const target: Partial<Target> & { path: string } = {
        path: p.positionals[1]!,
        depth: p.flags.has('recursive') ? null : (intValue(p, 'depth', this.usage) ?? 1),
        include: p.lists.get('include') ?? [],
        exclude: p.lists.get('exclude') ?? [],
        critical: p.flags.has('critical'),
        alert: p.flags.has('alert'),
        compare,
        ignore: (p.values.get('ignore') ?? '').split(',').filter(Boolean) as AttributeName[],
        crossMounts: p.flags.has('cross-mounts'),
      };
      // Content of small text files: never on by default.
      const contentLimit = intValue(p, 'content-limit', this.usage);
      if ((contentLimit !== undefined || p.lists.has('content-secret')) && !p.flags.has('content')) throw new UsageError('--content-limit and --content-secret need --content', this.usage);
      if (p.flags.has('content')) {
        target.content = contentLimit ?? DEFAULT_CONTENT_LIMIT;
        if (p.lists.has('content-secret')) target.contentSecrets = p.lists.get('content-secret')!;
      }
      await call(engine, 'policies/addTarget', { policy: p.positionals[0]!, target });
      io.out(`added target ${target.path} to ${p.positionals[0]}`);
      return 0;
    },
  },
  'policy target remove': {
    usage: 'driftwatch policy target remove POLICY PATH',
    options: {},
    positionals: [2, 2],
    async run(engine, p, io) {
      await call(engine, 'policies/removeTarget', { policy: p.positionals[0]!, path: p.positionals[1]! });
      io.out(`removed target ${p.positionals[1]} from ${p.positionals[0]}`);
      return 0;
    },
  },
  'policy list': {
    usage: 'driftwatch policy list [--json]',
    options: { json: 'flag' },
    positionals: [0, 0],
    async run(engine, p, io) {
      const list = await call(engine, 'policies/list', undefined);
      printList(io, p, list, 'No policies yet. Add one: driftwatch policy add NAME', ['POLICY', 'OS', 'TARGETS', 'DESCRIPTION'], (x) => [x.name, x.os, String(x.targets.length), x.description]);
      return 0;
    },
  },
  'policy show': {
    usage: 'driftwatch policy show NAME [--json]',
    options: { json: 'flag' },
    positionals: [1, 1],
    async run(engine, p, io) {
      const policy = await call(engine, 'policies/get', { name: p.positionals[0]! });
      if (p.flags.has('json')) json(io, policy);
      else {
        io.out(`${policy.name} (${policy.os})${policy.description ? `: ${policy.description}` : ''}`);
        io.out(
          table(
            policy.targets.map((t) => [
              t.path,
              t.depth === null ? 'recursive' : `depth ${t.depth}`,
              t.compare,
              [t.critical && 'critical', t.alert && 'alert', t.crossMounts && 'cross-mounts'].filter(Boolean).join(','),
              [...t.include.map((x) => `+${x}`), ...t.exclude.map((x) => `-${x}`)].join(' '),
              t.ignore.join(','),
            ]),
            ['TARGET', 'DEPTH', 'COMPARE', 'FLAGS', 'PATTERNS', 'IGNORED'],
          ),
        );
      }
      return 0;
    },
  },
  'policy export': {
    usage: 'driftwatch policy export NAME [--out FILE]',
    options: { out: 'value' },
    positionals: [1, 1],
    async run(engine, p, io) {
      const doc = JSON.stringify(await call(engine, 'policies/export', { name: p.positionals[0]! }), null, 2) + '\n';
      const out = p.values.get('out');
      if (out) {
        fs.writeFileSync(out, doc);
        io.out(`exported ${p.positionals[0]} to ${out}`);
      } else io.out(doc.trimEnd());
      return 0;
    },
  },
  'policy import': {
    usage: 'driftwatch policy import FILE [--replace]',
    options: { replace: 'flag' },
    positionals: [1, 1],
    async run(engine, p, io) {
      const file = p.positionals[0]!;
      let document: unknown;
      try {
        document = JSON.parse(fs.readFileSync(file === '-' ? 0 : file, 'utf8'));
      } catch (err) {
        throw new ApiError('invalid_input', `${file}: not a readable JSON file (${(err as Error).message})`);
      }
      const policy = await call(engine, 'policies/import', { document, replace: p.flags.has('replace') });
      io.out(`imported policy ${policy.name} with ${policy.targets.length} targets`);
      return 0;
    },
  },
  'policy remove': {
    usage: 'driftwatch policy remove NAME',
    options: {},
    positionals: [1, 1],
    async run(engine, p, io) {
      await call(engine, 'policies/remove', { name: p.positionals[0]! });
      io.out(`removed policy ${p.positionals[0]}`);
      return 0;
    },
  },
  baseline: {
    usage: 'driftwatch baseline POLICY --server NAME... [--expires YYYY-MM-DD] [--comment TEXT] [--json]',
    options: { server: 'list', expires: 'value', comment: 'value', json: 'flag' },
    positionals: [1, 1],
    async run(engine, p, io) {
      const servers = p.lists.get('server');
      if (!servers?.length) throw new UsageError('name the gold-master server(s) with --server', this.usage);
      const run = await call(engine, 'baselines/create', {
        policy: p.positionals[0]!,
        servers,
        ...(p.values.has('expires') ? { expires: p.values.get('expires')! } : {}),
        ...(p.values.has('comment') ? { comment: p.values.get('comment')! } : {}),
      });
      if (p.flags.has('json')) json(io, run);
      else {
        for (const r of run.reports) io.out(baselineReportText(r));
        for (const f of run.failures) io.err(`baseline of ${f.server} failed: ${f.reason}`);
      }
      return run.failures.length ? 2 : 0;
    },
  },
  baselines: {
    usage: 'driftwatch baselines [--policy P] [--json]',
    options: { policy: 'value', json: 'flag' },
    positionals: [0, 0],
    async run(engine, p, io) {
      const list = await call(engine, 'baselines/list', p.values.has('policy') ? { policy: p.values.get('policy')! } : {});
      printList(io, p, list, 'No baselines yet. Take one: driftwatch baseline POLICY --server GOLD-MASTER', ['ID', 'POLICY', 'SERVER', 'CREATED', 'EXPIRES', 'ENTRIES', 'COMMENT'], (b) => [
        String(b.id), b.policy, b.server, b.createdAt, b.expiresAt ? `${b.expiresAt.slice(0, 10)}${b.expired ? ' (expired)' : ''}` : 'never', String(b.entries), b.comment,
      ]);
      return 0;
    },
  },
  scan: {
    usage: 'driftwatch scan [--all | --group G... | --server NAME...] [--quick | --full] [--concurrency N] [--json]',
    options: { all: 'flag', group: 'list', server: 'list', json: 'flag', concurrency: 'value', quick: 'flag', full: 'flag' },
    positionals: [0, 0],
    async run(engine, p, io) {
      const all = p.flags.has('all') || (!p.lists.has('group') && !p.lists.has('server'));
      if (p.flags.has('quick') && p.flags.has('full')) throw new UsageError('--quick and --full exclude each other', this.usage);
      const mode = p.flags.has('quick') ? ('quick' as const) : p.flags.has('full') ? ('full' as const) : undefined;
      const request = { all, ...(p.lists.has('group') ? { groups: p.lists.get('group')! } : {}), ...(p.lists.has('server') ? { servers: p.lists.get('server')! } : {}), ...(mode ? { mode } : {}) };
      const concurrency = intValue(p, 'concurrency', this.usage);
      const showProgress = !p.flags.has('json') && process.stderr.isTTY;
      const stop = showProgress ? engine.onPush((name, payload) => name === 'scan/progress' && io.err(`  ${(payload as { server: string }).server}: ${(payload as { status: string }).status}`)) : () => undefined;
      // Alerts that could not be delivered stay in the outbox; say so.
      const stopAlerts = engine.onPush((name, payload) => {
        const d = payload as { ok?: boolean; channel?: string; destination?: string; error?: string };
        if (name === 'alerts/delivery' && !d.ok) io.err(`warning: alert not delivered (${d.channel} to ${d.destination}): ${d.error}; it stays in the outbox`);
      });
      let results;
      try {
        results = await engine.scan(request, concurrency ? { concurrency } : {});
      } finally {
        stop();
        stopAlerts();
      }
      const events = results.length ? (await call(engine, 'events/list', { server: results.map((r) => r.name), status: 'open' })).events : [];
      if (p.flags.has('json')) json(io, { servers: results, events });
      else {
        io.out(results.length ? table(results.map(scanLine), SCAN_HEADER) : 'No servers to scan.');
        for (const r of results) for (const w of r.warnings ?? []) io.err(`warning: ${r.name}: ${w}`);
        if (events.length) io.out(`\n${table(events.map(eventLine), EVENT_HEADER)}`);
      }
      if (results.some((r) => r.status === 'failed')) return 2;
      return events.length ? 1 : 0;
    },
  },
  events: {
    usage: 'driftwatch events [--server NAME]... [--group G]... [--policy P]... [--open | --all | --accepted | --resolved] [--critical] [--since TIME] [--until TIME] [--json]',
    options: { server: 'list', group: 'list', policy: 'list', open: 'flag', all: 'flag', accepted: 'flag', resolved: 'flag', critical: 'flag', since: 'value', until: 'value', json: 'flag' },
    positionals: [0, 0],
    async run(engine, p, io) {
      const statuses = (['open', 'all', 'accepted', 'resolved'] as const).filter((s) => p.flags.has(s));
      if (statuses.length > 1) throw new UsageError(`choose one of --open, --all, --accepted, --resolved`, this.usage);
      const filter: EventFilter = { status: statuses[0] ?? 'open' };
      if (p.lists.has('server')) filter.server = p.lists.get('server')!;
      if (p.lists.has('group')) filter.group = p.lists.get('group')!;
      if (p.lists.has('policy')) filter.policy = p.lists.get('policy')!;
      if (p.flags.has('critical')) filter.critical = true;
      for (const k of ['since', 'until'] as const) {
        const v = p.values.get(k);
        if (v !== undefined) {
          const t = Date.parse(v);
          if (Number.isNaN(t)) throw new UsageError(`--${k} takes a date or time (ISO 8601), got '${v}'`, this.usage);
          filter[k] = new Date(t).toISOString();
        }
      }
      const page = await call(engine, 'events/list', filter);
      printList(io, p, page.events, 'No events.', EVENT_HEADER, eventLine);
      return 0;
    },
  },
  'event show': {
    usage: 'driftwatch event show ID [--json]',
    options: { json: 'flag' },
    positionals: [1, 1],
    async run(engine, p, io) {
      const id = Number(p.positionals[0]);
      if (!Number.isInteger(id)) throw new UsageError(`event ID must be a number, got '${p.positionals[0]}'`, this.usage);
      const e = await call(engine, 'events/get', { id });
      if (p.flags.has('json')) json(io, e);
      else io.out(eventDetails(e));
      return 0;
    },
  },
  accept: {
    usage: 'driftwatch accept ID... [--note TEXT] [--for-server | --into-baseline]',
    options: { note: 'value', 'for-server': 'flag', 'into-baseline': 'flag' },
    positionals: [1, Infinity],
    async run(engine, p, io) {
      if (p.flags.has('for-server') && p.flags.has('into-baseline')) throw new UsageError('--for-server and --into-baseline exclude each other', this.usage);
      const ids = p.positionals.map((x) => {
        if (!/^\d+$/.test(x)) throw new UsageError(`event ID must be a number, got '${x}'`, this.usage);
        return Number(x);
      });
      const scope = p.flags.has('into-baseline') ? 'baseline' : 'server';
      const accepted = await call(engine, 'events/accept', { ids, scope, ...(p.values.has('note') ? { note: p.values.get('note')! } : {}) });
      for (const e of accepted) io.out(`accepted event ${e.id} (${visible(e.path)} on ${e.server}) ${scope === 'baseline' ? 'into the baseline' : 'for this server'}`);
      return 0;
    },
  },
  ...OPS_COMMANDS,
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

const stdio: Io = { out: (t) => process.stdout.write(t + '\n'), err: (t) => process.stderr.write(t + '\n') };

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
    await serveCommand({ home: resolveHome(home), ...options });
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
    const { openEngine } = await import('../engine.js');
    engine = openEngine({ home: resolveHome(home) });
    return await found.command.run(engine, parsed, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`driftwatch: ${err.message}`);
      io.err(`usage: ${err.usage}`);
      return 2;
    }
    io.err(`driftwatch: ${err instanceof Error ? err.message : String(err)}`);
    // scan's 1 means "open events": a scan that could not even start is a 2 (nothing was scanned).
    return found.command === COMMANDS.scan ? 2 : 1;
  } finally {
    engine?.close();
  }
}
