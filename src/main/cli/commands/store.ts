// Commands about the store itself (docs/security.md).
import { call, json, type Command } from '../command.js';
import { table } from '../format.js';

export const STORE_COMMANDS: Record<string, Command> = {
  'store check': {
    usage: 'driftwatch store check [--json]',
    options: { json: 'flag' },
    positionals: [0, 0],
    async run(engine, p, io) {
      const r = await call(engine, 'store/check', undefined);
      if (p.flags.has('json')) json(io, r);
      else {
        for (const m of r.sqlite) io.out(`SQLite integrity check: ${m}`);
        if (r.damaged.length) io.out(table(r.damaged.map((d) => [d.set, d.pack, d.problem]), ['DAMAGED SET', 'PACK FROM', 'PROBLEM']));
        const old = r.withoutChecksum ? ` (${r.withoutChecksum} written before checksums, checked by decoding them)` : '';
        io.out(r.ok ? `store intact: SQLite integrity check ok, ${r.packs} packs verified${old}` : `store damaged: ${r.damaged.length} of ${r.packs} packs${r.sqlite.length ? ', and SQLite reports problems' : ''}`);
      }
      return r.ok ? 0 : 1;
    },
  },
};
