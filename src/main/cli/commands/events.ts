// The event commands: list events with a filter, show one, accept them.
import { visiblePath } from '../../../shared/visible.js';
import { intValue, UsageError } from '../args.js';
import { call, json, paintOf, printList, type Command } from '../command.js';
import { EVENT_HEADER, eventDetails, eventLine } from '../format.js';
import { FILTER_OPTIONS, FILTER_USAGE, filterFromArgs } from '../filter-args.js';

export const EVENT_COMMANDS: Record<string, Command> = {
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
};
