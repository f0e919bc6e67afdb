// The PDF compliance report (pdfkit): A4, the standard Helvetica fonts, tables that break across
// pages with their header repeated, and on every page a footer with the page number and the time
// the report was generated.
import { visible, visiblePath } from '../../shared/visible.js';
import type { FimEvent } from '../../shared/domain.js';
import type { ComplianceData } from './compliance.js';
import { nextTurn } from './next-turn.js';

const MARGIN = 50;
export const PDF_EVENTS_MAX = 5000;

/** Text the standard PDF fonts can show (WinAnsi): control characters made visible, the rest replaced. */
export function pdfText(s: string): string {
  return winAnsi(visible(s));
}

/** Text already escaped for people, in the characters the standard PDF fonts have. */
function winAnsi(s: string): string {
  return s
    .replace(/[→⇒]/g, '->')
    .replace(/[–—]/g, '-')
    .replace(/…/g, '...')
    .replace(/[‘’]/g, "'")
    .replace(/[“”]/g, '"')
    .replace(/[^\x20-\x7e\xa0-\xff]/gu, '?');
}

interface Column {
  title: string;
  width: number; // fraction of the text width
  /** The cells are shown already (a path through visiblePath): not escaped again. */
  shown?: boolean;
}

// A long word makes pdfkit break it character by character, page after page, while holding the
// event loop: a table cell longer than this is cut in the middle, and its full value (up to
// APPENDIX_VALUE_MAX characters, for the first APPENDIX_MAX of them) is printed at the end.
// Paragraphs are the report's own sentences and are not cut.
export const CELL_MAX = 240;
const APPENDIX_MAX = 50;
export const APPENDIX_VALUE_MAX = 8192;
const APPENDIX_LINE = 110; // characters of Courier 7 pt in the text width
// Rows drawn between two returns to the event loop, so serve keeps answering while a report is made.
const ROWS_PER_SLICE = 25;

const middle = (s: string, keep: number) => `${s.slice(0, keep)} ... ${s.slice(-keep)}`;

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : 'never');
const minute = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : 'never');

/** An A4 document with headings, paragraphs and tables; finish() adds the footers and returns the bytes. */
async function reportDocument(info: { title: string; subject: string; generatedAt: string }) {
  // Loaded here, not at start-up: pdfkit is slow to load (docs/performance.md, CLI start-up).
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN, bottom: MARGIN + 15, left: MARGIN, right: MARGIN },
    bufferPages: true,
    info: { Title: pdfText(info.title), Author: 'Driftwatch', Subject: info.subject, CreationDate: new Date(info.generatedAt) },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });
  const width = doc.page.width - 2 * MARGIN;
  const bottom = () => doc.page.height - doc.page.margins.bottom;
  const long: string[] = [];
  /** A value cut to CELL_MAX characters, pointing at its full text in the appendix (or the CSV). */
  const bounded = (text: string): string => {
    if (text.length <= CELL_MAX) return text;
    if (long.length >= APPENDIX_MAX) return `${middle(text, 100)} [${text.length} characters: in full in the CSV export]`;
    long.push(text);
    return `${middle(text, 100)} [${text.length} characters: in full as long value ${long.length} at the end]`;
  };

  const heading = (text: string) => {
    if (doc.y + 60 > bottom()) doc.addPage();
    doc.moveDown(0.8).font('Helvetica-Bold').fontSize(13).fillColor('#000').text(pdfText(text), MARGIN, doc.y, { width });
    doc.moveDown(0.3).font('Helvetica').fontSize(9);
  };
  const para = (text: string) => {
    doc.font('Helvetica').fontSize(9).fillColor('#000').text(pdfText(text), MARGIN, doc.y, { width });
    doc.moveDown(0.3);
  };

  const table = async (columns: Column[], rows: string[][]) => {
    const widths = columns.map((c) => c.width * width);
    const pad = 2;
    const rowHeight = (cells: string[], bold: boolean) => {
      doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(8);
      return Math.max(...cells.map((c, i) => doc.heightOfString(c || ' ', { width: widths[i]! - 2 * pad }))) + 2 * pad;
    };
    const drawRow = (cells: string[], bold: boolean, shade: boolean) => {
      const h = rowHeight(cells, bold);
      if (doc.y + h > bottom()) {
        doc.addPage();
        if (!bold) drawRow(columns.map((c) => c.title), true, false);
      }
      const y = doc.y;
      if (shade) doc.rect(MARGIN, y, width, h).fill('#f2f2f2');
      if (bold) doc.rect(MARGIN, y, width, h).fill('#dde3ea');
      doc.fillColor('#000').font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(8);
      let x = MARGIN;
      cells.forEach((c, i) => {
        doc.text(c, x + pad, y + pad, { width: widths[i]! - 2 * pad });
        x += widths[i]!;
      });
      doc.x = MARGIN;
      doc.y = y + h;
    };
    drawRow(columns.map((c) => c.title), true, false);
    for (let i = 0; i < rows.length; i++) {
      if (i % ROWS_PER_SLICE === ROWS_PER_SLICE - 1) await nextTurn();
      drawRow(rows[i]!.map((c, j) => bounded(columns[j]?.shown ? winAnsi(c) : pdfText(c))), false, i % 2 === 1);
    }
    doc.moveDown(0.5);
  };

  /** The values cut in the tables, in full (monospaced, broken into lines here, never by pdfkit). */
  const appendix = async () => {
    if (!long.length) return;
    heading('Long values (shortened above)');
    para(`Values longer than ${CELL_MAX} characters are shortened in the tables and printed here in full, up to ${APPENDIX_VALUE_MAX} characters each; the CSV export has every value whole.`);
    for (const [i, value] of long.entries()) {
      await nextTurn();
      const text = value.length > APPENDIX_VALUE_MAX ? middle(value, APPENDIX_VALUE_MAX / 2) : value;
      const lines: string[] = [];
      for (let at = 0; at < text.length; at += APPENDIX_LINE) lines.push(text.slice(at, at + APPENDIX_LINE));
      doc.font('Helvetica-Bold').fontSize(8).fillColor('#000').text(`Long value ${i + 1} (${value.length} characters${text === value ? '' : '; its middle is left out here'})`, MARGIN, doc.y, { width });
      doc.font('Courier').fontSize(7).text(lines.join('\n'), MARGIN, doc.y, { width });
      doc.moveDown(0.5);
    }
  };

  const title = (text: string) => {
    doc.font('Helvetica-Bold').fontSize(18).text(pdfText(text), MARGIN, MARGIN, { width });
    doc.moveDown(0.3).font('Helvetica').fontSize(10);
  };

  /** Footer on every page (page N of M and the generation time), then the bytes. */
  const finish = async (): Promise<{ pdf: Buffer; pages: number }> => {
    await appendix();
    const range = doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      doc.switchToPage(i);
      const keep = doc.page.margins.bottom;
      doc.page.margins.bottom = 0;
      doc
        .font('Helvetica')
        .fontSize(8)
        .fillColor('#555')
        .text(`Page ${i + 1} of ${range.count}  -  generated ${minute(info.generatedAt)}  -  Driftwatch`, MARGIN, doc.page.height - MARGIN + 10, { width, align: 'center', lineBreak: false });
      doc.page.margins.bottom = keep;
    }
    doc.end();
    await done;
    return { pdf: Buffer.concat(chunks), pages: range.count };
  };
  return { title, heading, para, table, finish };
}

const EVENT_COLUMNS: Column[] = [
  { title: 'ID', width: 0.06 },
  { title: 'Server', width: 0.12 },
  { title: 'Path', width: 0.25, shown: true },
  { title: 'Change', width: 0.1 },
  { title: 'Critical', width: 0.07 },
  { title: 'Status', width: 0.09 },
  { title: 'First seen', width: 0.11 },
  { title: 'Accepted by / at / note', width: 0.2 },
];

function eventRow(e: FimEvent): string[] {
  return [
    String(e.id),
    e.server,
    visiblePath(e.path, e.pathEscaped),
    e.change,
    e.critical ? 'yes' : 'no',
    e.status,
    day(e.firstSeen),
    e.accepted
      ? `${e.accepted.by} ${day(e.accepted.at)}${e.accepted.note ? `: ${e.accepted.note}` : ''}`
      : e.retired
        ? `retired ${day(e.retired.at)}: ${e.retired.reason}`
        : e.resolvedAt
          ? `resolved ${day(e.resolvedAt)}${e.resolution ? `: ${e.resolution}` : ''}`
          : '',
  ];
}

/** The export's table: the policy beside the server, so two servers' sshd_config never look alike. */
const EXPORT_COLUMNS: Column[] = [...EVENT_COLUMNS.slice(0, 2), { title: 'Policy', width: 0.1 }, { ...EVENT_COLUMNS[2]!, width: 0.2 }, ...EVENT_COLUMNS.slice(3, 7), { ...EVENT_COLUMNS[7]!, width: 0.15 }];
const exportRow = (e: FimEvent): string[] => {
  const row = eventRow(e);
  return [...row.slice(0, 2), e.policy || '-', ...row.slice(2)];
};

/** The events a filter matches (the Events screen's export), one table row each, with the filter stated. */
export async function eventsPdf(data: { generatedAt: string; filter: string; total: number; events: FimEvent[] }): Promise<{ pdf: Buffer; pages: number }> {
  const r = await reportDocument({ title: 'Driftwatch events', subject: 'File integrity monitoring: events', generatedAt: data.generatedAt });
  r.title('Driftwatch events');
  r.para(`Filter: ${data.filter}`);
  r.para(`Generated: ${minute(data.generatedAt)} (${data.generatedAt})`);
  r.para(`Events: ${data.total}${data.events.length < data.total ? ` (the first ${data.events.length} are listed; export them all as CSV)` : ''}.`);
  r.heading('Events');
  if (!data.events.length) r.para('No events match this filter.');
  else await r.table(EXPORT_COLUMNS, data.events.map(exportRow));
  return r.finish();
}

const expiresIn = (days: number) => (days === 0 ? 'expires today' : `expires in ${days} day${days === 1 ? '' : 's'}`);

export async function compliancePdf(data: ComplianceData): Promise<{ pdf: Buffer; pages: number }> {
  const { title, heading, para, table, finish } = await reportDocument({
    title: `Driftwatch compliance report${data.group ? ` - ${data.group}` : ''}`,
    subject: 'File integrity monitoring: PCI DSS 11.5.2',
    generatedAt: data.generatedAt,
  });

  // Title and summary.
  title('Driftwatch compliance report');
  para(`Group: ${data.group ?? 'all groups'}`);
  para(`Period: ${minute(data.since)} to ${minute(data.until)}`);
  para(`Generated: ${minute(data.generatedAt)} (${data.generatedAt})`);
  const verdicts = (v: string) => data.servers.filter((s) => s.weekly === v).length;
  const weekly = verdicts('yes');
  const notComparedScans = data.servers.flatMap((s) => s.notCompared.map((n) => ({ server: s.name, ...n })));
  const byStatus = (st: string) => data.events.filter((e) => e.status === st).length;
  const expired = data.baselines.filter((b) => b.expired).length;
  heading('Summary');
  const pending = [verdicts('not due') && `${verdicts('not due')} not due yet (monitored for 7 days or less)`, verdicts('not monitored') && `${verdicts('not monitored')} not monitored in the period`].filter(Boolean);
  para(`Servers: ${data.servers.length}; compared at least weekly over the period: ${weekly} of ${data.servers.length}${pending.length ? ` (${pending.join('; ')})` : ''}.`);
  para(`Scans that did not compare every policy (not_compared, not counted as comparisons): ${notComparedScans.length}.`);
  para(`Servers not compared in the last 7 days of the period: ${data.stale.length}.`);
  para(`Critical targets covered: ${data.critical.length}.`);
  para(
    `Events in the period: ${data.events.length} (${byStatus('open')} open, ${byStatus('accepted')} accepted, ${byStatus('resolved')} resolved, ${byStatus('retired')} retired; ${data.events.filter((e) => e.critical).length} critical).`,
  );
  para(`Baselines: ${data.baselines.length} (${expired} expired, ${data.baselines.filter((b) => b.status === 'superseded').length} superseded).`);

  heading('PCI DSS 11.5.2 - change-detection comparisons');
  para(
    'PCI DSS 11.5.2 asks for a change-detection mechanism that compares critical files at least weekly. A server passes when it has at least one completed comparison and no stretch of more than 7 days without one, counted from when its monitoring began (it was added, joined its group, or its group was given a policy) or the start of the period, whichever is later, to the end of the period. A scan that had nothing to compare some policy with (not_compared) is not a comparison. A server counted for 7 days or less without a comparison yet is "not due".',
  );
  if (!data.servers.length) para('No servers in scope.');
  else {
    await table(
      [
        { title: 'Server', width: 0.13 },
        { title: 'Group', width: 0.1 },
        { title: 'Monitored since', width: 0.12 },
        { title: 'Compared', width: 0.09 },
        { title: 'Last compared', width: 0.13 },
        { title: 'Longest gap (days)', width: 0.09 },
        { title: 'Weekly', width: 0.09 },
        { title: 'Comparison dates', width: 0.25 },
      ],
      data.servers.map((s) => {
        const dates = [...new Set(s.comparisons.map((c) => c.slice(0, 10)))];
        const shown = dates.slice(-40);
        return [
          s.name,
          s.group,
          s.monitoringSince ? day(s.monitoringSince) : 'no policy',
          String(s.comparisons.length),
          minute(s.lastCompared),
          s.countedFrom === null ? '-' : String(s.maxGapDays),
          s.weekly === 'no' ? 'NO' : s.weekly,
          `${dates.length > shown.length ? `(${dates.length - shown.length} earlier dates) ` : ''}${shown.join(', ') || 'none'}`,
        ];
      }),
    );
  }

  heading('Scans that did not compare every policy');
  if (!notComparedScans.length) para('None: every scan in the period compared every policy of its server.');
  else
    await table(
      [
        { title: 'Server', width: 0.16 },
        { title: 'Finished', width: 0.18 },
        { title: 'What was not compared, and why', width: 0.66 },
      ],
      notComparedScans.slice(-PDF_EVENTS_MAX).map((n) => [n.server, minute(n.at), n.reason]),
    );

  heading('Critical files covered');
  if (!data.critical.length) para('No critical targets in the policies of this scope.');
  else
    await table(
      [
        { title: 'Policy', width: 0.14 },
        { title: 'Target', width: 0.36 },
        { title: 'Depth', width: 0.1 },
        { title: 'Compare', width: 0.09 },
        { title: 'Alert', width: 0.06 },
        { title: 'Reference', width: 0.25 },
      ],
      data.critical.map((t) => [t.policy, t.path, t.recursive ? 'recursive' : 'limited', t.compare, t.alert ? 'yes' : 'no', t.reference || '-']),
    );

  heading('Events in the period');
  if (!data.events.length) para('No events in the period.');
  else {
    const shown = data.events.slice(0, PDF_EVENTS_MAX);
    await table(EVENT_COLUMNS, shown.map(eventRow));
    if (shown.length < data.events.length) para(`... and ${data.events.length - shown.length} more events (export them with driftwatch report --format csv).`);
  }

  heading('Servers not compared in the last 7 days');
  if (!data.stale.length) para('None: every server in scope monitored for more than 7 days was compared in the 7 days before the end of the period.');
  else
    await table(
      [
        { title: 'Server', width: 0.35 },
        { title: 'Group', width: 0.3 },
        { title: 'Last completed comparison', width: 0.35 },
      ],
      data.stale.map((s) => [s.name, s.group, minute(s.lastCompared)]),
    );

  heading('Baselines: age, expiry and replacement');
  if (!data.baselines.length) para('No baselines for the policies in scope.');
  else
    await table(
      [
        { title: 'ID', width: 0.06 },
        { title: 'Policy', width: 0.16 },
        { title: 'Server', width: 0.14 },
        { title: 'Created', width: 0.12 },
        { title: 'Age (days)', width: 0.08 },
        { title: 'Expires', width: 0.12 },
        { title: 'Status', width: 0.32 },
      ],
      data.baselines.map((b) => [
        String(b.id),
        b.policy,
        b.server,
        day(b.createdAt),
        String(b.ageDays),
        b.expiresAt ? day(b.expiresAt) : 'never',
        b.status === 'superseded'
          ? `superseded ${day(b.supersededAt)}${b.supersededBy === null ? '' : ` by #${b.supersededBy}`}`
          : b.expired
            ? `EXPIRED ${day(b.expiresAt)}`
            : b.daysLeft !== null && b.daysLeft <= 14
              ? expiresIn(b.daysLeft)
              : 'active',
      ]),
    );

  heading('Host-key trust changes');
  if (!data.trustChanges.length) para('No pinned host key changed in the period.');
  else
    await table(
      [
        { title: 'Server', width: 0.12 },
        { title: 'When', width: 0.14 },
        { title: 'By', width: 0.08 },
        { title: 'Old key', width: 0.22 },
        { title: 'New key', width: 0.22 },
        { title: 'How', width: 0.22 },
      ],
      data.trustChanges.map((t) => [t.server, minute(t.at), t.by, t.old ?? '(none)', t.new ?? '(none)', t.how]),
    );
  return finish();
}
