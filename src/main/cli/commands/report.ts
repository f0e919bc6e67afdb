// The report command: PCI DSS 11.5.2 compliance and events reports as PDF, events, coverage and
// scans as CSV (docs/operations.md).
import fs from 'node:fs';
import type { ArgsOf } from '../../../shared/api.js';
import { UsageError } from '../args.js';
import { call, type Command } from '../command.js';
import { FILTER_OPTIONS, FILTER_USAGE, filterFromArgs } from '../filter-args.js';

export const REPORT_COMMANDS: Record<string, Command> = {
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
};
