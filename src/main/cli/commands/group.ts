// The group commands: add, list, assign and unassign policies and alert profiles, remove.
import { UsageError } from '../args.js';
import { call, printList, type Command } from '../command.js';
import { confirmedRemoval } from '../confirm.js';

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

export const GROUP_COMMANDS: Record<string, Command> = {
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
};
