// The schedule commands: a group's automatic scans, and running them (docs/operations.md).
import type { PushEvents } from '../../../shared/api.js';
import { visible } from '../../../shared/visible.js';
import { UsageError } from '../args.js';
import { call, printList, type Command } from '../command.js';
import { when } from '../format.js';

export const SCHEDULE_COMMANDS: Record<string, Command> = {
  'schedule set': {
    usage: 'driftwatch schedule set GROUP (--every 1h|2h|4h|6h|12h|1d|1w | --cron EXPR) [--on-start]',
    options: { every: 'value', cron: 'value', 'on-start': 'flag' },
    positionals: [1, 1],
    async run(engine, p, io) {
      if (p.values.has('every') === p.values.has('cron')) throw new UsageError('give --every or --cron', this.usage);
      const s = await call(engine, 'schedules/set', {
        group: p.positionals[0]!,
        ...(p.values.has('every') ? { every: p.values.get('every')! } : { cron: p.values.get('cron')! }),
        onStart: p.flags.has('on-start'),
      });
      io.out(`${s.group}: scanned ${s.description}; next run ${when(s.nextRun)}`);
      if (!s.hasPolicy) io.err(`warning: group ${s.group} has no policy assigned: its scheduled runs scan nothing until it has one`);
      io.out('schedules run while `driftwatch run-schedules` (or the desktop app) is running');
      return 0;
    },
  },
  'schedule list': {
    usage: 'driftwatch schedule list [--json]',
    options: { json: 'flag' },
    positionals: [0, 0],
    async run(engine, p, io) {
      const list = await call(engine, 'schedules/list', undefined);
      printList(io, p, list, 'No groups yet.', ['GROUP', 'SCHEDULE', 'NOTE', 'NEXT RUN', 'LAST RUN', 'LAST STATUS', 'MESSAGE'], (s) => [
        s.group, s.cron ? s.description : 'off', s.hasPolicy ? '' : 'no policy', when(s.nextRun), when(s.lastRun), s.lastStatus ?? '-', visible(s.lastMessage ?? ''),
      ]);
      return 0;
    },
  },
  'schedule off': {
    usage: 'driftwatch schedule off GROUP',
    options: {},
    positionals: [1, 1],
    async run(engine, p, io) {
      await call(engine, 'schedules/off', { group: p.positionals[0]! });
      io.out(`${p.positionals[0]}: automatic scans off`);
      return 0;
    },
  },
  'run-schedules': {
    usage: 'driftwatch run-schedules [--once]',
    options: { once: 'flag' },
    positionals: [0, 0],
    async run(engine, p, io) {
      const log = (line: string) => io.out(`${new Date().toISOString()} ${visible(line)}`);
      // Imported here: the scheduler brings the store's modules, which the CLI loads only when a command runs.
      const { createScheduler, startScheduler } = await import('../../schedule/scheduler.js');
      if (p.flags.has('once')) {
        // One pass: due runs (caught up once), scan-on-start runs, pending alerts; then exit.
        const scheduler = createScheduler(engine, { log });
        const runs = await scheduler.tick({ startup: true });
        await engine.alerts.settled();
        const report = await engine.alerts.deliverPending();
        log(`ran ${runs.length} scheduled scan(s); alerts: ${report.sent} sent, ${report.pending} pending`);
        for (const f of report.failed) io.err(`alert delivery failed: ${f.channel} to ${f.destination}: ${visible(f.error)} (will be retried)`);
        return runs.some((r) => r.status === 'failed' || r.status === 'partial') ? 2 : 0;
      }
      const stopDelivery = engine.onPush((name, payload) => {
        if (name !== 'alerts/delivery') return;
        const d = payload as PushEvents['alerts/delivery'];
        if (!d.ok) io.err(`${new Date().toISOString()} alert delivery failed: ${d.channel} to ${d.destination}: ${visible(d.error ?? '')} (will be retried)`);
      });
      const scheduler = startScheduler(engine, { log });
      log(`scheduler ${scheduler.owner} started`);
      await scheduler.ready;
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGTERM', stop);
          process.off('SIGINT', stop);
          resolve();
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
      });
      log('stopping: waiting for runs in progress');
      await scheduler.stop();
      stopDelivery();
      log('stopped');
      return 0;
    },
  },
};
