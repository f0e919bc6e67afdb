// The API handlers of reports: CSV (events, coverage) and the PDF compliance report (base64).
import { ApiError } from '../../shared/api.js';
import type { HandlerTable } from '../api/dispatch.js';
import { requireNames } from '../inventory/inventory.js';
import type { Db } from '../store/db.js';
import { complianceData } from './compliance.js';
import { coverageCsv, eventsCsv } from './csv.js';
import { compliancePdf } from './pdf.js';

export function reportHandlers(db: Db): Pick<HandlerTable, 'reports/csv' | 'reports/pdf'> {
  return {
    'reports/csv': ({ kind, filter }) => {
      requireNames(db, { servers: filter?.server, groups: filter?.group, policies: filter?.policy });
      if (kind === 'events') return eventsCsv(db, filter ?? {});
      if (kind === 'coverage') return coverageCsv(db, filter ?? {});
      throw new ApiError('invalid_input', `a CSV report is of kind events or coverage, got ${JSON.stringify(kind)}`);
    },
    'reports/pdf': async (args) => {
      const data = complianceData(db, args ?? {});
      const { pdf, pages } = await compliancePdf(data);
      const stamp = data.generatedAt.replace(/[:.]/g, '-').slice(0, 19);
      return { base64: pdf.toString('base64'), pages, bytes: pdf.length, filename: `driftwatch-compliance-${data.group ? `${data.group.replace(/[^A-Za-z0-9._-]+/g, '_')}-` : ''}${stamp}.pdf` };
    },
  };
}
