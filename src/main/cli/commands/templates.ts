// The policy templates a policy can start from (policy add --template).
import { visible } from '../../../shared/visible.js';
import { call, json, type Command } from '../command.js';
import { table } from '../format.js';

export const TEMPLATE_COMMANDS: Record<string, Command> = {
  'policy templates': {
    usage: 'driftwatch policy templates [--json]',
    options: { json: 'flag' },
    positionals: [0, 0],
    async run(engine, p, io) {
      const list = await call(engine, 'policies/templates', undefined);
      if (p.flags.has('json')) json(io, list);
      else io.out(table(list.map((t) => [t.id, t.os, String(t.targets), visible(t.description)]), ['TEMPLATE', 'OS', 'TARGETS', 'DESCRIPTION']));
      return 0;
    },
  },
};
