// The `driftwatch` command. Every command calls the engine's handler table, as the UI does.
import fs from 'node:fs';
import { ApiError, type PushEvents, type ResultOf } from '../../shared/api.js';
import type { AttributeName } from '../../shared/attributes.js';
import type { ServerScanSettings, Target } from '../../shared/domain.js';
import { DEFAULT_CONTENT_LIMIT, MAX_CONTENT_LIMIT } from '../scanner/scan-options.js';
import { MAX_TARGET_DEPTH } from '../policy/policies.js';
import { preflightText, scanSettingsText } from './scanner-format.js';
import type { Engine } from '../engine/engine.js';
import { diskFullMessage } from '../store/disk-full.js';
import { resolveHome } from '../store/home.js';
import { intValue, parseArgs, UsageError } from './args.js';
import { call, json, liveProgress, paintOf, printList, type Command, type Io } from './command.js';
import { FILTER_OPTIONS, FILTER_USAGE, filterFromArgs } from './filter-args.js';
import { OPS_COMMANDS } from './ops-commands.js';
import { askYes, confirmed, confirmedRemoval, terminalAsk } from './confirm.js';
import { checkCommand, SERVER_COMMANDS, serverFields } from './server-commands.js';
import { STORE_COMMANDS } from './store-commands.js';
import { groupHelp, helpRequest, helpText, mainHelp, SERVE_USAGE, versionText } from './help.js';
import { baselineReportText, baselineState, EVENT_HEADER, eventDetails, eventLine, paintFor, SCAN_HEADER, scanExitCode, scanLine, table, when } from './format.js';
import { visible, visiblePath } from '../../shared/visible.js';

/** `group assign` and `group unassign`: every policy and alert profile named, to or from one group. */
function groupLinks(how: 'assign' | 'unassign'): Command {
  return {
    usage: `driftwatch group ${how} GROUP [--policy P...] [--alert-profile NAME...]`,
    options: { policy: 'names', 'alert-profile': 'names' },
    positionals: [1, 1],
    async run(engine, p, io) {
      const group = p.positionals[0]!;
      const policies = p.lists.get('policy') ?? [];
      const profiles = p.lists.get('alert-profile') ?? [];
      if (!policies.length && !profiles.length) throw new UsageError('--policy or --alert-profile is required', this.usage);
      for (const policy of policies) await call(engine, how === 'assign' ? 'groups/assign' : 'groups/unassign', { name: group, policy });
      for (const profile of profiles) await call(engine, how === 'assign' ? 'alertProfiles/assign' : 'alertProfiles/unassign', { group, profile });
      io.out(`${how}ed ${[...policies, ...profiles.map((a) => `alert profile ${a}`)].join(', ')} ${how === 'assign' ? 'to' : 'from'} ${group}`);
      return 0;
    },
  };
}

const COMMANDS: Record<string, Command> = {
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
  ...SERVER_COMMANDS,
  'group add': {
    usage: 'driftwatch group add NAME [--policy P...]',
    options: { policy: 'names' },
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
  'group assign': groupLinks('assign'),
  'group unassign': groupLinks('unassign'),
  'group remove': {
    usage: 'driftwatch group remove NAME [--yes]',
    options: { yes: 'flag' },
    positionals: [1, 1],
    run(engine, p, io) {
      return confirmedRemoval(io, p, this.usage, (preview) => call(engine, 'groups/remove', { name: p.positionals[0]!, preview }));
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
        depth: p.flags.has('recursive') ? null : (intValue(p, 'depth', this.usage, { max: MAX_TARGET_DEPTH }) ?? 1),
        include: p.lists.get('include') ?? [],
        exclude: p.lists.get('exclude') ?? [],
        critical: p.flags.has('critical'),
        alert: p.flags.has('alert'),
        compare,
        ignore: (p.values.get('ignore') ?? '').split(',').filter(Boolean) as AttributeName[],
        crossMounts: p.flags.has('cross-mounts'),
      };
      // Content of small text files: never on by default.
      const contentLimit = intValue(p, 'content-limit', this.usage, { min: 1, max: MAX_CONTENT_LIMIT });
      if ((contentLimit !== undefined || p.lists.has('content-secret')) && !p.flags.has('content')) throw new UsageError('--content-limit and --content-secret need --content', this.usage);
      if (p.flags.has('content')) {
        target.content = contentLimit ?? DEFAULT_CONTENT_LIMIT;
        if (p.lists.has('content-secret')) target.contentSecrets = p.lists.get('content-secret')!;
      }
      await call(engine, 'policies/addTarget', { policy: p.positionals[0]!, target });
      io.out(`added target ${visible(target.path)} to ${p.positionals[0]}`);
      return 0;
    },
  },
  'policy target remove': {
    usage: 'driftwatch policy target remove POLICY PATH [--yes]',
    options: { yes: 'flag' },
    positionals: [2, 2],
    run(engine, p, io) {
      return confirmedRemoval(io, p, this.usage, (preview) => call(engine, 'policies/removeTarget', { policy: p.positionals[0]!, path: p.positionals[1]!, preview }));
    },
  },
  'policy list': {
    usage: 'driftwatch policy list [--json]',
    options: { json: 'flag' },
    positionals: [0, 0],
    async run(engine, p, io) {
      const list = await call(engine, 'policies/list', undefined);
      printList(io, p, list, 'No policies yet. Add one: driftwatch policy add NAME', ['POLICY', 'OS', 'TARGETS', 'DESCRIPTION'], (x) => [x.name, x.os, String(x.targets.length), visible(x.description)]);
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
        io.out(`${policy.name} (${policy.os})${policy.description ? `: ${visible(policy.description)}` : ''}`);
        io.out(
          table(
            policy.targets.map((t) => [
              visible(t.path),
              t.depth === null ? 'recursive' : `depth ${t.depth}`,
              t.compare,
              [t.critical && 'critical', t.alert && 'alert', t.crossMounts && 'cross-mounts'].filter(Boolean).join(','),
              visible([...t.include.map((x) => `+${x}`), ...t.exclude.map((x) => `-${x}`)].join(' ')),
              visible(t.ignore.join(',')),
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
    usage: 'driftwatch policy remove NAME [--yes]',
    options: { yes: 'flag' },
    positionals: [1, 1],
    run(engine, p, io) {
      return confirmedRemoval(io, p, this.usage, (preview) => call(engine, 'policies/remove', { name: p.positionals[0]!, preview }));
    },
  },
  baseline: {
    usage: 'driftwatch baseline POLICY --server NAME... [--add] [--expires YYYY-MM-DD] [--comment TEXT] [--json]',
    options: { server: 'names', add: 'flag', expires: 'value', comment: 'value', json: 'flag' },
    positionals: [1, 1],
    async run(engine, p, io) {
      const servers = p.lists.get('server');
      if (!servers?.length) throw new UsageError('name the gold-master server(s) with --server', this.usage);
      const stop = liveProgress(engine, io, p, 'baseline/progress');
      const run = await call(engine, 'baselines/create', {
        policy: p.positionals[0]!,
        servers,
        add: p.flags.has('add'),
        ...(p.values.has('expires') ? { expires: p.values.get('expires')! } : {}),
        ...(p.values.has('comment') ? { comment: p.values.get('comment')! } : {}),
      }).finally(stop);
      if (p.flags.has('json')) json(io, run);
      else {
        for (const r of run.reports) {
          io.out(baselineReportText(r));
          for (const w of r.warnings ?? []) io.err(`warning: ${r.baseline.server}: ${visible(w)}`);
        }
        // What the new baselines replaced: kept (baseline show ID), no longer compared with.
        const made = new Set(run.reports.map((r) => r.baseline.id));
        const list = run.reports.length ? await call(engine, 'baselines/list', { policy: p.positionals[0]! }) : [];
        for (const b of list.filter((x) => x.supersededBy !== null && made.has(x.supersededBy))) io.out(`superseded baseline #${b.id} from ${b.server} (taken ${b.createdAt}) by #${b.supersededBy}`);
        for (const f of run.failures) io.err(`baseline of ${f.server} failed: ${visible(f.reason)}`);
      }
      return run.failures.length ? 2 : 0;
    },
  },
  'baseline show': {
    usage: 'driftwatch baseline show ID [--json]',
    options: { json: 'flag' },
    positionals: [1, 1],
    async run(engine, p, io) {
      const report = await call(engine, 'baselines/get', { id: baselineId(p.positionals[0]!, this.usage) });
      if (p.flags.has('json')) json(io, report);
      else io.out(`${baselineReportText(report)}
status: ${baselineState(report.baseline)}; taken ${report.baseline.createdAt}`);
      return 0;
    },
  },
  'baseline remove': {
    usage: 'driftwatch baseline remove ID [--yes]',
    options: { yes: 'flag' },
    positionals: [1, 1],
    async run(engine, p, io) {
      const { baseline: b } = await call(engine, 'baselines/get', { id: baselineId(p.positionals[0]!, this.usage) });
      const others = (await call(engine, 'baselines/list', { policy: b.policy })).filter((x) => x.id !== b.id && x.status === 'active');
      const last = b.status === 'active' && !others.length ? ` It is the last active baseline of ${b.policy}: its master targets will not be compared until a new one is taken.` : '';
      if (!(await confirmed(io, p, this.usage, `Remove baseline #${b.id} of policy ${b.policy} from ${b.server} (${baselineState(b)}, ${b.entries} entries, taken ${b.createdAt})?${last}`))) {
        io.err('nothing removed');
        return 1;
      }
      await call(engine, 'baselines/remove', { id: b.id });
      io.out(`removed baseline #${b.id} of policy ${b.policy} from ${b.server}`);
      return 0;
    },
  },
  baselines: {
    usage: 'driftwatch baselines [--policy P] [--json]',
    options: { policy: 'value', json: 'flag' },
    positionals: [0, 0],
    async run(engine, p, io) {
      const list = await call(engine, 'baselines/list', p.values.has('policy') ? { policy: p.values.get('policy')! } : {});
      printList(io, p, list, 'No baselines yet. Take one: driftwatch baseline POLICY --server GOLD-MASTER', ['ID', 'POLICY', 'SERVER', 'STATUS', 'CREATED', 'EXPIRES', 'ENTRIES', 'COMMENT'], (b) => [
        String(b.id), b.policy, b.server, baselineState(b), when(b.createdAt), b.expiresAt ? b.expiresAt.slice(0, 10) : 'never', String(b.entries), visible(b.comment),
      ]);
      return 0;
    },
  },
  scan: {
    usage: 'driftwatch scan [--all | [--group G...] [--server NAME...]] [--quick | --full] [--concurrency N] [--json]',
    options: { all: 'flag', group: 'names', server: 'names', json: 'flag', concurrency: 'value', quick: 'flag', full: 'flag' },
    positionals: [0, 0],
    async run(engine, p, io) {
      const all = p.flags.has('all') || (!p.lists.has('group') && !p.lists.has('server'));
      if (p.flags.has('quick') && p.flags.has('full')) throw new UsageError('--quick and --full exclude each other', this.usage);
      const mode = p.flags.has('quick') ? ('quick' as const) : p.flags.has('full') ? ('full' as const) : undefined;
      const request = { all, ...(p.lists.has('group') ? { groups: p.lists.get('group')! } : {}), ...(p.lists.has('server') ? { servers: p.lists.get('server')! } : {}), ...(mode ? { mode } : {}) };
      const concurrency = intValue(p, 'concurrency', this.usage, { min: 1, max: 256 });
      const stop = liveProgress(engine, io, p, 'scan/progress');
      // The scan hands its alerts to the outbox and returns; their first attempt runs in the
      // background, and is waited for after the results are out. One that fails stays in the
      // outbox for the scheduler or `alert flush`: say so.
      const stopAlerts = engine.onPush((name, payload) => {
        const d = payload as PushEvents['alerts/delivery'];
        if (name === 'alerts/delivery' && !d.ok) io.err(`warning: alert not delivered (${d.channel} to ${d.destination}): ${visible(d.error ?? '')}; it stays in the outbox`);
      });
      try {
        const results = await engine.scan(request, concurrency ? { concurrency } : {}).finally(stop);
        const events = results.length ? (await call(engine, 'events/list', { server: results.map((r) => r.name), status: 'open' })).events : [];
        if (p.flags.has('json')) json(io, { servers: results, events });
        else {
          io.out(results.length ? table(results.map((r) => scanLine(r, paintOf(io))), SCAN_HEADER) : 'No servers to scan.');
          for (const r of results) for (const w of r.warnings ?? []) io.err(`warning: ${r.name}: ${visible(w)}`);
          if (events.length) io.out(`\n${table(events.map((e) => eventLine(e, paintOf(io))), EVENT_HEADER)}`);
        }
        await engine.alerts.settled();
        return scanExitCode(results, events.length);
      } finally {
        stopAlerts();
      }
    },
  },
  events: {
    usage: `driftwatch events ${FILTER_USAGE} [--json]`,
    options: { ...FILTER_OPTIONS, json: 'flag' },
    positionals: [0, 0],
    async run(engine, p, io) {
      const page = await call(engine, 'events/list', { status: 'open', ...filterFromArgs(p, this.usage) });
      printList(io, p, page.events, 'No events.', EVENT_HEADER, (e) => eventLine(e, paintOf(io)));
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
      else io.out(eventDetails(e, paintOf(io)));
      return 0;
    },
  },
  accept: {
    usage: 'driftwatch accept ID... | --matching FILTER [--expect N]  [--note TEXT] [--for-server | --into-baseline]  (FILTER: the filter options of events)',
    options: { note: 'value', 'for-server': 'flag', 'into-baseline': 'flag', matching: 'flag', expect: 'value', ...FILTER_OPTIONS },
    positionals: [0, Infinity],
    async run(engine, p, io) {
      if (p.flags.has('for-server') && p.flags.has('into-baseline')) throw new UsageError('--for-server and --into-baseline exclude each other', this.usage);
      const scope = p.flags.has('into-baseline') ? 'baseline' : 'server';
      const where = scope === 'baseline' ? 'into the baseline' : 'for this server';
      const note = p.values.has('note') ? { note: p.values.get('note')! } : {};
      const filter = filterFromArgs(p, this.usage);
      if (p.flags.has('matching')) {
        if (p.positionals.length) throw new UsageError('give event IDs or --matching with a filter, not both', this.usage);
        // Every open event the filter matches, once the count the user expects is confirmed.
        const open = (await call(engine, 'events/list', { ...filter, status: 'open', limit: 0 })).total;
        const expected = intValue(p, 'expect', this.usage);
        if (expected === undefined) {
          io.err(`${open} open event${open === 1 ? '' : 's'} match${open === 1 ? 'es' : ''} this filter (driftwatch events lists them); add --expect ${open} to accept them`);
          return 1;
        }
        const r = await call(engine, 'events/acceptMatching', { filter, expected, scope, ...note });
        io.out(`accepted ${r.accepted} event${r.accepted === 1 ? '' : 's'} ${scope === 'baseline' ? 'into the baseline' : 'for their servers'} (${r.servers.join(', ') || 'no servers'})`);
        return 0;
      }
      if (Object.keys(filter).length || p.values.has('expect')) throw new UsageError('filter options and --expect go with --matching', this.usage);
      if (!p.positionals.length) throw new UsageError('missing arguments: event IDs, or --matching with a filter', this.usage);
      const ids = p.positionals.map((x) => {
        if (!/^\d+$/.test(x)) throw new UsageError(`event ID must be a number, got '${x}'`, this.usage);
        return Number(x);
      });
      const accepted = await call(engine, 'events/accept', { ids, scope, ...note });
      for (const e of accepted) io.out(`accepted event ${e.id} (${visiblePath(e.path, e.pathEscaped)} on ${e.server}) ${where}`);
      return 0;
    },
  },
  ...OPS_COMMANDS,
  ...STORE_COMMANDS,
};

function baselineId(text: string, usage: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`baseline ID must be a number, got '${text}'`, usage);
  return Number(text);
}

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
