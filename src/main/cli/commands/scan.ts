// The scan command: scans servers now, prints what it found, and waits for the alerts' first attempt.
import type { PushEvents } from '../../../shared/api.js';
import { visible } from '../../../shared/visible.js';
import { intValue, UsageError } from '../args.js';
import { call, json, liveProgress, paintOf, type Command } from '../command.js';
import { EVENT_HEADER, eventLine, SCAN_HEADER, scanExitCode, scanLine, table } from '../format.js';

export const SCAN_COMMANDS: Record<string, Command> = {
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
};
