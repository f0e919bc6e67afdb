// The API handlers of reports: CSV (events, coverage) and the PDF compliance report (base64).
import { ApiError, type PdfReport, type ReportFilter } from '../../shared/api.js';
import { describeEventFilter } from '../../shared/event-filter.js';
import { listEvents } from '../events/event-list.js';
import type { HandlerTable } from '../api/dispatch.js';
import { requireNames } from '../inventory/inventory.js';
import type { Db } from '../store/db.js';
import { complianceData } from './compliance.js';
import { coverageCsv, eventsCsv, normalizeFilter, scansCsv, stamp } from './csv.js';
import { compliancePdf, eventsPdf, PDF_EVENTS_MAX } from './pdf.js';

export function reportHandlers(db: Db): Pick<HandlerTable, 'reports/csv' | 'reports/pdf'> {
  return {
    'reports/csv': ({ kind, filter }) => {
      requireNames(db, { servers: filter?.server, groups: filter?.group, policies: filter?.policy });
      if (kind === 'events') return eventsCsv(db, filter ?? {});
      if (kind === 'coverage') return coverageCsv(db, filter ?? {});
      if (kind === 'scans') return scansCsv(db, filter ?? {});
      throw new ApiError('invalid_input', `a CSV report is of kind events, coverage or scans, got ${JSON.stringify(kind)}`);
    },
    'reports/pdf': async (args) => {
      if (args?.kind === 'events') return eventsPdfReport(db, args.filter ?? {});
      if (args?.kind !== undefined && args.kind !== 'compliance') throw new ApiError('invalid_input', `a PDF report is of kind compliance or events, got ${JSON.stringify(args.kind)}`);
      const data = complianceData(db, args ?? {});
      const { pdf, pages } = await compliancePdf(data);
      const stamp = data.generatedAt.replace(/[:.]/g, '-').slice(0, 19);
      return { base64: pdf.toString('base64'), pages, bytes: pdf.length, filename: `driftwatch-compliance-${data.group ? `${data.group.replace(/[^A-Za-z0-9._-]+/g, '_')}-` : ''}${stamp}.pdf` };
    },
  };
}

/** The events a filter matches as a PDF table (the Events screen's export), up to PDF_EVENTS_MAX rows. */
async function eventsPdfReport(db: Db, raw: ReportFilter): Promise<PdfReport> {
  const filter = normalizeFilter(raw);
  const page = listEvents(db, { ...filter, limit: PDF_EVENTS_MAX });
  const generatedAt = new Date().toISOString();
  const { pdf, pages } = await eventsPdf({ generatedAt, filter: describeEventFilter(filter), total: page.total, events: page.events });
  return { base64: pdf.toString('base64'), pages, bytes: pdf.length, filename: `driftwatch-events-${stamp()}.pdf` };
}
