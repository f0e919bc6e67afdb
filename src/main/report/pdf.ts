// The PDF compliance report (pdfkit): A4, the standard Helvetica fonts, tables that break across
// pages with their header repeated, and on every page a footer with the page number and the time
// the report was generated.
import { visible } from '../cli/format.js';
import type { ComplianceData } from './compliance.js';

const MARGIN = 50;
const PDF_EVENTS_MAX = 5000;

/** Text the standard PDF fonts can show (WinAnsi): control characters made visible, the rest replaced. */
export function pdfText(s: string): string {
  return visible(s)
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
}

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : 'never');
const minute = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : 'never');

export async function compliancePdf(data: ComplianceData): Promise<{ pdf: Buffer; pages: number }> {
  // Loaded here, not at start-up: pdfkit alone takes ~300 ms to load.
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN, bottom: MARGIN + 15, left: MARGIN, right: MARGIN },
    bufferPages: true,
    info: {
      Title: `Driftwatch compliance report${data.group ? ` - ${data.group}` : ''}`,
      Author: 'Driftwatch',
      Subject: 'File integrity monitoring: PCI DSS 11.5.2',
      CreationDate: new Date(data.generatedAt),
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });
  const width = doc.page.width - 2 * MARGIN;
  const bottom = () => doc.page.height - doc.page.margins.bottom;

  const heading = (text: string) => {
    if (doc.y + 60 > bottom()) doc.addPage();
    doc.moveDown(0.8).font('Helvetica-Bold').fontSize(13).fillColor('#000').text(pdfText(text), MARGIN, doc.y, { width });
    doc.moveDown(0.3).font('Helvetica').fontSize(9);
  };
  const para = (text: string) => {
    doc.font('Helvetica').fontSize(9).fillColor('#000').text(pdfText(text), MARGIN, doc.y, { width });
    doc.moveDown(0.3);
  };

  const table = (columns: Column[], rows: string[][]) => {
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
    rows.forEach((r, i) => drawRow(r.map(pdfText), false, i % 2 === 1));
    doc.moveDown(0.5);
  };

  // Title and summary.
  doc.font('Helvetica-Bold').fontSize(18).text('Driftwatch compliance report', MARGIN, MARGIN, { width });
  doc.moveDown(0.3).font('Helvetica').fontSize(10);
  para(`Group: ${data.group ?? 'all groups'}`);
  para(`Period: ${minute(data.since)} to ${minute(data.until)}`);
  para(`Generated: ${minute(data.generatedAt)} (${data.generatedAt})`);
  const weekly = data.servers.filter((s) => s.weekly).length;
  const byStatus = (st: string) => data.events.filter((e) => e.status === st).length;
  const expired = data.baselines.filter((b) => b.expired).length;
  heading('Summary');
  para(`Servers: ${data.servers.length}; compared at least weekly over the period: ${weekly} of ${data.servers.length}.`);
  para(`Servers not compared in the last 7 days of the period: ${data.stale.length}.`);
  para(`Critical targets covered: ${data.critical.length}.`);
  para(`Events in the period: ${data.events.length} (${byStatus('open')} open, ${byStatus('accepted')} accepted, ${byStatus('resolved')} resolved; ${data.events.filter((e) => e.critical).length} critical).`);
  para(`Baselines: ${data.baselines.length} (${expired} expired).`);

  heading('PCI DSS 11.5.2 - change-detection comparisons');
  para(
    'PCI DSS 11.5.2 asks for a change-detection mechanism that compares critical files at least weekly. A server passes when it has at least one completed comparison in the period and no stretch of more than 7 days without one (measured from the start of the period to its end).',
  );
  if (!data.servers.length) para('No servers in scope.');
  else {
    table(
      [
        { title: 'Server', width: 0.14 },
        { title: 'Group', width: 0.11 },
        { title: 'Compared', width: 0.1 },
        { title: 'Last compared', width: 0.16 },
        { title: 'Longest gap (days)', width: 0.1 },
        { title: 'Weekly', width: 0.08 },
        { title: 'Comparison dates', width: 0.31 },
      ],
      data.servers.map((s) => {
        const dates = [...new Set(s.comparisons.map((c) => c.slice(0, 10)))];
        const shown = dates.slice(-40);
        return [
          s.name,
          s.group,
          String(s.comparisons.length),
          minute(s.lastCompared),
          String(s.maxGapDays),
          s.weekly ? 'yes' : 'NO',
          `${dates.length > shown.length ? `(${dates.length - shown.length} earlier dates) ` : ''}${shown.join(', ') || 'none'}`,
        ];
      }),
    );
  }

  heading('Critical files covered');
  if (!data.critical.length) para('No critical targets in the policies of this scope.');
  else
    table(
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
    table(
      [
        { title: 'ID', width: 0.06 },
        { title: 'Server', width: 0.12 },
        { title: 'Path', width: 0.25 },
        { title: 'Change', width: 0.1 },
        { title: 'Critical', width: 0.07 },
        { title: 'Status', width: 0.09 },
        { title: 'First seen', width: 0.11 },
        { title: 'Accepted by / at / note', width: 0.2 },
      ],
      shown.map((e) => [
        String(e.id),
        e.server,
        e.path,
        e.change,
        e.critical ? 'yes' : 'no',
        e.status,
        day(e.firstSeen),
        e.accepted ? `${e.accepted.by} ${day(e.accepted.at)}${e.accepted.note ? `: ${e.accepted.note}` : ''}` : e.resolvedAt ? `resolved ${day(e.resolvedAt)}` : '',
      ]),
    );
    if (shown.length < data.events.length) para(`... and ${data.events.length - shown.length} more events (export them with driftwatch report --format csv).`);
  }

  heading('Servers not compared in the last 7 days');
  if (!data.stale.length) para('None: every server in scope was compared in the 7 days before the end of the period.');
  else
    table(
      [
        { title: 'Server', width: 0.35 },
        { title: 'Group', width: 0.3 },
        { title: 'Last completed comparison', width: 0.35 },
      ],
      data.stale.map((s) => [s.name, s.group, minute(s.lastCompared)]),
    );

  heading('Baselines: age and expiry');
  if (!data.baselines.length) para('No baselines for the policies in scope.');
  else
    table(
      [
        { title: 'ID', width: 0.07 },
        { title: 'Policy', width: 0.2 },
        { title: 'Server', width: 0.17 },
        { title: 'Created', width: 0.14 },
        { title: 'Age (days)', width: 0.1 },
        { title: 'Expires', width: 0.14 },
        { title: 'Status', width: 0.18 },
      ],
      data.baselines.map((b) => [
        String(b.id),
        b.policy,
        b.server,
        day(b.createdAt),
        String(b.ageDays),
        b.expiresAt ? day(b.expiresAt) : 'never',
        b.expired ? 'EXPIRED' : b.daysLeft === null ? 'active' : b.daysLeft <= 14 ? `expires in ${b.daysLeft} days` : 'active',
      ]),
    );

  // Footer on every page: page N of M and the generation time.
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const keep = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc
      .font('Helvetica')
      .fontSize(8)
      .fillColor('#555')
      .text(`Page ${i + 1} of ${range.count}  -  generated ${minute(data.generatedAt)}  -  Driftwatch`, MARGIN, doc.page.height - MARGIN + 10, { width, align: 'center', lineBreak: false });
    doc.page.margins.bottom = keep;
  }
  doc.end();
  await done;
  return { pdf: Buffer.concat(chunks), pages: range.count };
}
