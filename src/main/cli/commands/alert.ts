// The alert commands: the mail server, alert profiles, and the outbox of alerts waiting to be
// delivered (docs/operations.md).
import type { AlertEventChoice, AlertProfileInput, SmtpInput } from '../../../shared/api.js';
import { visible } from '../../../shared/visible.js';
import { UsageError, type Parsed } from '../args.js';
import { call, json, printList, type Command } from '../command.js';
import { when } from '../format.js';

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

export const ALERT_COMMANDS: Record<string, Command> = {
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
};
