// The policy commands: add (empty or from a template), targets, list, show, export, import, remove.
import fs from 'node:fs';
import { ApiError } from '../../../shared/api.js';
import type { AttributeName } from '../../../shared/attributes.js';
import type { Target } from '../../../shared/domain.js';
import { visible } from '../../../shared/visible.js';
import { MAX_TARGET_DEPTH } from '../../policy/policies.js';
import { DEFAULT_CONTENT_LIMIT, MAX_CONTENT_LIMIT } from '../../scanner/scan-options.js';
import { intValue, UsageError } from '../args.js';
import { call, json, printList, type Command } from '../command.js';
import { confirmedRemoval } from '../confirm.js';
import { table } from '../format.js';

export const POLICY_COMMANDS: Record<string, Command> = {
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
};
