// The baseline commands: take gold-master baselines, show, remove and list them.
import { visible } from '../../../shared/visible.js';
import { UsageError } from '../args.js';
import { call, json, liveProgress, printList, type Command } from '../command.js';
import { confirmed } from '../confirm.js';
import { baselineReportText, baselineState, when } from '../format.js';

function baselineId(text: string, usage: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`baseline ID must be a number, got '${text}'`, usage);
  return Number(text);
}

export const BASELINE_COMMANDS: Record<string, Command> = {
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
};
