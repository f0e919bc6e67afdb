// Commands of automatic scans, alerting, reports and policy templates (docs/operations.md).
// Like every command, they call the engine's handler table.
import fs from 'node:fs';
import type { AlertEventChoice, AlertProfileInput, ArgsOf, PushEvents, SmtpInput } from '../../shared/api.js';
import { UsageError, type Parsed } from './args.js';
import { FILTER_OPTIONS, FILTER_USAGE, filterFromArgs } from './filter-args.js';
import { visible } from '../../shared/visible.js';
import { table, when } from './format.js';
import { call, json, printList, type Command } from './command.js';

function eventChoice(p: Parsed, usage: string): AlertEventChoice | undefined {
  const chosen = (['critical', 'non-critical', 'both'] as const).filter((c) => p.flags.has(c));
  if (chosen.length > 1) throw new UsageError('choose one of --critical, --non-critical, --both', usage);
  return chosen[0];
}

function profileInput(p: Parsed, usage: string): Partial<AlertProfileInput> {
  const events = eventChoice(p, usage);
  if (p.flags.has('default') && p.flags.has('not-default')) throw new UsageError('--default and --not-default exclude each other', usage);
  return {
    ...(p.lists.has('email') ? { emails: p.lists.get('email')!.flatMap((e) => e.split(',')).map((e) => e.trim()).filter(Boolean) } : {}),
    ...(events ? { events } : {}),
    ...(p.values.has('webhook') ? { webhook: p.values.get('webhook') || null } : {}),
    ...(p.values.has('jsonl') ? { jsonl: p.values.get('jsonl') || null } : {}),
    ...(p.values.has('syslog') ? { syslog: p.values.get('syslog') || null } : {}),
    ...(p.flags.has('default') ? { isDefault: true } : p.flags.has('not-default') ? { isDefault: false } : {}),
  };
}

const PROFILE_OPTIONS = {
  email: 'list', critical: 'flag', 'non-critical': 'flag', both: 'flag', webhook: 'value', jsonl: 'value', syslog: 'value', default: 'flag', 'not-default': 'flag',
} as const;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export const OPS_COMMANDS: Record<string, Command> = {
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
      const { createScheduler, startScheduler } = await import('../schedule/scheduler.js');
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
  'smtp set': {
    usage: 'driftwatch smtp set --host H --port N [--tls | --starttls] [--user U (--password-env VAR | --password-stdin)] --from ADDR [--ca FILE] [--tls-insecure]',
    options: { host: 'value', port: 'value', tls: 'flag', starttls: 'flag', user: 'value', 'password-env': 'value', 'password-stdin': 'flag', from: 'value', ca: 'value', 'tls-insecure': 'flag' },
    positionals: [0, 0],
    async run(engine, p, io) {
      if (p.flags.has('tls') && p.flags.has('starttls')) throw new UsageError('--tls and --starttls exclude each other', this.usage);
      if (!p.values.has('host') || !p.values.has('from')) throw new UsageError('--host and --from are required', this.usage);
      if (p.values.has('password-env') && p.flags.has('password-stdin')) throw new UsageError('--password-env and --password-stdin exclude each other', this.usage);
      const port = p.values.get('port');
      if (port !== undefined && !/^\d+$/.test(port)) throw new UsageError(`--port takes a number, got '${port}'`, this.usage);
      const input: SmtpInput = {
        host: p.values.get('host')!,
        ...(port ? { port: Number(port) } : {}),
        security: p.flags.has('tls') ? 'tls' : p.flags.has('starttls') ? 'starttls' : 'none',
        user: p.values.get('user') ?? null,
        passwordEnv: p.values.get('password-env') ?? null,
        ...(p.flags.has('password-stdin') ? { password: await readStdin() } : {}),
        from: p.values.get('from')!,
        caFile: p.values.get('ca') ?? null,
        tlsInsecure: p.flags.has('tls-insecure'),
      };
      const s = await call(engine, 'smtp/set', input);
      const auth = s.user ? `as ${s.user} (password ${s.passwordEnv ? `from $${s.passwordEnv}` : s.passwordStored ? 'stored sealed' : 'none'})` : 'without authentication';
      io.out(`SMTP: ${s.host}:${s.port} (${s.security === 'none' ? 'STARTTLS when offered' : s.security}) ${auth}, from ${s.from}`);
      return 0;
    },
  },
  'smtp show': {
    usage: 'driftwatch smtp show [--json]',
    options: { json: 'flag' },
    positionals: [0, 0],
    async run(engine, p, io) {
      const s = await call(engine, 'smtp/get', undefined);
      if (p.flags.has('json')) json(io, s);
      else io.out(s ? `${s.host}:${s.port} ${s.security}, user ${s.user ?? '-'}, password ${s.passwordEnv ? `from $${s.passwordEnv}` : s.passwordStored ? 'stored sealed' : 'none'}, from ${s.from}` : 'SMTP is not set up.');
      return 0;
    },
  },
  'smtp test': {
    usage: 'driftwatch smtp test --to ADDR',
    options: { to: 'value' },
    positionals: [0, 0],
    async run(engine, p, io) {
      const to = p.values.get('to');
      if (!to) throw new UsageError('--to is required', this.usage);
      const r = await call(engine, 'smtp/test', { to });
      io.out(`sent a test message to ${to}: ${visible(r.response)}`);
      return 0;
    },
  },
  'alert-profile add': {
    usage: 'driftwatch alert-profile add NAME [--email ADDR]... [--critical | --non-critical | --both] [--webhook URL] [--jsonl FILE] [--syslog HOST:PORT] [--default]',
    options: PROFILE_OPTIONS,
    positionals: [1, 1],
    async run(engine, p, io) {
      const a = await call(engine, 'alertProfiles/add', { name: p.positionals[0]!, ...profileInput(p, this.usage) });
      io.out(`added alert profile ${a.name} (${a.events} events${a.isDefault ? ', default for every group without a profile' : ''})`);
      if (!a.emails.length && !a.webhook && !a.jsonl && !a.syslog) io.err('warning: the profile has no recipient: add --email, --webhook, --jsonl or --syslog');
      return 0;
    },
  },
  'alert-profile update': {
    usage: 'driftwatch alert-profile update NAME [--email ADDR]... [--critical | --non-critical | --both] [--webhook URL] [--jsonl FILE] [--syslog HOST:PORT] [--default | --not-default]',
    options: PROFILE_OPTIONS,
    positionals: [1, 1],
    async run(engine, p, io) {
      const a = await call(engine, 'alertProfiles/update', { name: p.positionals[0]!, patch: profileInput(p, this.usage) });
      io.out(`updated alert profile ${a.name}`);
      return 0;
    },
  },
  'alert-profile list': {
    usage: 'driftwatch alert-profile list [--json]',
    options: { json: 'flag' },
    positionals: [0, 0],
    async run(engine, p, io) {
      const list = await call(engine, 'alertProfiles/list', undefined);
      printList(io, p, list, 'No alert profiles yet. Add one: driftwatch alert-profile add NAME --email ADDR', ['PROFILE', 'EVENTS', 'EMAIL', 'OTHER', 'GROUPS'], (a) => [
        a.name + (a.isDefault ? ' (default)' : ''), a.events, a.emails.join(', '), [a.webhook && `webhook ${a.webhook}`, a.jsonl && `jsonl ${a.jsonl}`, a.syslog && `syslog ${a.syslog}`].filter(Boolean).join('; '), a.groups.join(', '),
      ]);
      return 0;
    },
  },
  'alert-profile remove': {
    usage: 'driftwatch alert-profile remove NAME',
    options: {},
    positionals: [1, 1],
    async run(engine, p, io) {
      await call(engine, 'alertProfiles/remove', { name: p.positionals[0]! });
      io.out(`removed alert profile ${p.positionals[0]}`);
      return 0;
    },
  },
  'alert outbox': {
    usage: 'driftwatch alert outbox [--all | --sent] [--json]',
    options: { all: 'flag', sent: 'flag', json: 'flag' },
    positionals: [0, 0],
    async run(engine, p, io) {
      const items = await call(engine, 'alerts/outbox', { status: p.flags.has('all') ? 'all' : p.flags.has('sent') ? 'sent' : 'pending' });
      printList(io, p, items, 'The outbox is empty.', ['ID', 'STATUS', 'KIND', 'SERVER', 'EVENTS', 'PROFILE', 'CHANNEL', 'ATTEMPTS', 'NEXT / SENT', 'LAST ERROR'], (i) => [
        String(i.id), i.status, i.kind, i.server || '-', String(i.events), i.profile, `${i.channel} ${i.destination}`, String(i.attempts), i.status === 'pending' ? when(i.nextAttemptAt) : when(i.sentAt), visible(i.lastError ?? ''),
      ]);
      return 0;
    },
  },
  'alert flush': {
    usage: 'driftwatch alert flush',
    options: {},
    positionals: [0, 0],
    async run(engine, _p, io) {
      const r = await call(engine, 'alerts/flush', { force: true });
      io.out(`alerts: ${r.sent} sent, ${r.pending} pending`);
      for (const f of r.failed) io.err(`alert delivery failed: ${f.channel} to ${f.destination} after ${f.attempts} attempt(s): ${visible(f.error)}`);
      return r.failed.length ? 1 : 0;
    },
  },
  report: {
    usage: `driftwatch report --format pdf|csv [--kind compliance|events|coverage|scans] --out FILE ${FILTER_USAGE}`,
    options: { format: 'value', kind: 'value', out: 'value', ...FILTER_OPTIONS },
    positionals: [0, 0],
    async run(engine, p, io) {
      const format = p.values.get('format');
      const out = p.values.get('out');
      if (format !== 'pdf' && format !== 'csv') throw new UsageError('--format takes pdf or csv', this.usage);
      if (!out) throw new UsageError('--out FILE is required (- for standard output)', this.usage);
      const filter = filterFromArgs(p, this.usage);
      const kind = p.values.get('kind') ?? (format === 'pdf' ? 'compliance' : 'events');
      const kinds = format === 'pdf' ? ['compliance', 'events'] : ['events', 'coverage', 'scans'];
      if (!kinds.includes(kind)) throw new UsageError(`--kind takes ${kinds.slice(0, -1).join(', ')} or ${kinds.at(-1)} with --format ${format}`, this.usage);
      const write = (data: string | Buffer) => (out === '-' ? process.stdout.write(data) : fs.writeFileSync(out, data));
      if (format === 'pdf') {
        let args: ArgsOf<'reports/pdf'>;
        if (kind === 'events') args = { kind: 'events', filter };
        else {
          // The compliance report covers a period and one group (or all): the other filters are not its.
          const other = (['server', 'policy', 'status', 'critical', 'path'] as const).filter((k) => filter[k] !== undefined);
          if (other.length) throw new UsageError(`the compliance report takes --group, --since and --until only (not --${other[0]}); --kind events lists the events a filter matches`, this.usage);
          if ((filter.group?.length ?? 0) > 1) throw new UsageError('the PDF report covers one group (or all groups without --group)', this.usage);
          args = { ...(filter.group ? { group: filter.group[0]! } : {}), ...(filter.since ? { since: filter.since } : {}), ...(filter.until ? { until: filter.until } : {}) };
        }
        const r = await call(engine, 'reports/pdf', args);
        write(Buffer.from(r.base64, 'base64'));
        if (out !== '-') io.out(`wrote the ${kind === 'events' ? 'events' : 'compliance'} report to ${out} (${r.pages} page${r.pages === 1 ? '' : 's'}, ${r.bytes} bytes)`);
        return 0;
      }
      const r = await call(engine, 'reports/csv', { kind: kind as 'events' | 'coverage' | 'scans', filter });
      write(r.csv);
      if (out !== '-') io.out(`wrote ${r.rows} ${kind} row${r.rows === 1 ? '' : 's'} to ${out}`);
      return 0;
    },
  },
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
