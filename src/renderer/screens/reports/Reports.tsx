// Reports: the events as CSV (with the events filters), baseline coverage and scans as CSV, and the
// PCI DSS 11.5.2 compliance report as PDF for a period and a group — made by the engine, saved by
// the browser (or the desktop app) as a file.
import { useState, type FormEvent } from 'react';
import { Card, ErrorNotice, Field, PageHeader } from '../../components/ui.js';
import { plural } from '../../components/format.js';
import { base64ToBytes, downloadBlob, downloadText, safeFileName } from '../../components/download.js';
import { useAction, useConsole, useResource } from '../../state/context.js';
import { defaultPdfForm, EMPTY_EVENTS_FORM, eventsFilterOf, formatBytes, pdfArgsOf, type EventsReportForm, type PdfReportForm } from './report-form.js';

export function Reports() {
  return (
    <div className="screen reports-screen">
      <PageHeader title="Reports" subtitle="Evidence for auditors and data for spreadsheets: made from this console's store, saved as files on this computer." />
      <div className="report-cards">
        <PdfReportCard />
        <EventsCsvCard />
        <GroupCsvCard
          kind="coverage"
          title="Coverage"
          description="Every target of every baseline: found or missing on its gold master, how many entries, how many unreadable, the baseline’s dates and status (active, expired, superseded)."
          groupHint="The baselines of that group's policies."
          allLabel="All baselines"
        />
        <GroupCsvCard
          kind="scans"
          title="Scans"
          description="Every scan and baseline record: its status (not compared included), counts, the policies it compared and did not compare, and why."
          groupHint="The scans of that group's servers."
          allLabel="All servers"
        />
      </div>
    </div>
  );
}

function useChoices() {
  const servers = useResource('servers', false);
  const groups = useResource('groups', false);
  const policies = useResource('policies', false);
  return {
    servers: (servers.data ?? []).map((s) => s.name),
    groups: [...(groups.data ?? []).map((g) => g.name), 'Unassigned'],
    policies: (policies.data ?? []).map((p) => p.name),
  };
}

function Done({ text }: { text: string | null }) {
  return text ? (
    <p className="ok-note" role="status">
      {text}
    </p>
  ) : null;
}

function PdfReportCard() {
  const perform = useConsole((s) => s.perform);
  const choices = useChoices();
  const { busy, error, run } = useAction();
  const [form, setForm] = useState<PdfReportForm>(() => defaultPdfForm());
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setDone(null);
    const built = pdfArgsOf(form);
    if ('problem' in built) {
      setProblem(built.problem);
      return;
    }
    setProblem(null);
    const pdf = await run(() => perform('reports/pdf', built.args));
    if (!pdf) return;
    const name = safeFileName(pdf.filename, 'driftwatch-compliance.pdf');
    downloadBlob(name, new Blob([base64ToBytes(pdf.base64)], { type: 'application/pdf' }));
    setDone(`Saved ${name}: ${plural(pdf.pages, 'page')}, ${formatBytes(pdf.bytes)}.`);
  }

  return (
    <Card title="Compliance report (PDF)">
      <p className="muted">
        PCI DSS 11.5.2: for each server, the comparisons with its baseline in the period, the longest stretch without one and whether it was compared at
        least weekly; the critical targets covered; every event with who accepted it; servers not compared in the last 7 days; baseline ages.
      </p>
      <form className="form" aria-label="Compliance report" onSubmit={(e) => void submit(e)}>
        <div className="field-row">
          <Field label="From" htmlFor="pdf-since">
            <input id="pdf-since" type="date" value={form.since} onChange={(e) => setForm({ ...form, since: e.target.value })} />
          </Field>
          <Field label="To" htmlFor="pdf-until">
            <input id="pdf-until" type="date" value={form.until} onChange={(e) => setForm({ ...form, until: e.target.value })} />
          </Field>
          <Field label="Group" htmlFor="pdf-group">
            <select id="pdf-group" value={form.group} onChange={(e) => setForm({ ...form, group: e.target.value })}>
              <option value="">All groups</option>
              {choices.groups.map((g) => (
                <option key={g} value={g}>
                  {g}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <ErrorNotice error={problem ?? error} />
        <div className="form-actions">
          <button type="submit" className="btn primary" disabled={busy}>
            {busy ? 'Making the PDF…' : 'Download PDF report'}
          </button>
        </div>
      </form>
      <Done text={done} />
    </Card>
  );
}

function EventsCsvCard() {
  const perform = useConsole((s) => s.perform);
  const choices = useChoices();
  const { busy, error, run } = useAction();
  const [form, setForm] = useState<EventsReportForm>(EMPTY_EVENTS_FORM);
  const [done, setDone] = useState<string | null>(null);
  const set = (patch: Partial<EventsReportForm>) => setForm({ ...form, ...patch });

  async function submit(event: FormEvent) {
    event.preventDefault();
    setDone(null);
    const csv = await run(() => perform('reports/csv', { kind: 'events', filter: eventsFilterOf(form) }));
    if (!csv) return;
    const name = safeFileName(csv.filename, 'driftwatch-events.csv');
    downloadText(name, csv.csv, 'text/csv;charset=utf-8');
    setDone(`Saved ${name}: ${plural(csv.rows, 'event')}.`);
  }

  const select = (id: string, label: string, value: string, all: string, options: string[], onChange: (v: string) => void) => (
    <Field label={label} htmlFor={id}>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{all}</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </Field>
  );

  return (
    <Card title="Events (CSV)">
      <p className="muted">One row per event, with its changed attributes (baseline → current) and who accepted it, when, for which scope and why.</p>
      <form className="form" aria-label="Events CSV" onSubmit={(e) => void submit(e)}>
        <div className="filter-grid">
          {select('csv-server', 'Server', form.server, 'All servers', choices.servers, (server) => set({ server }))}
          {select('csv-group', 'Group', form.group, 'All groups', choices.groups, (group) => set({ group }))}
          {select('csv-policy', 'Policy', form.policy, 'All policies', choices.policies, (policy) => set({ policy }))}
          <Field label="Status" htmlFor="csv-status">
            <select id="csv-status" value={form.status} onChange={(e) => set({ status: e.target.value as EventsReportForm['status'] })}>
              <option value="all">Any status</option>
              <option value="open">Open</option>
              <option value="accepted">Accepted</option>
              <option value="resolved">Resolved</option>
            </select>
          </Field>
          <Field label="Severity" htmlFor="csv-severity">
            <select id="csv-severity" value={form.severity} onChange={(e) => set({ severity: e.target.value as EventsReportForm['severity'] })}>
              <option value="">Any severity</option>
              <option value="critical">Critical</option>
              <option value="non-critical">Non-critical</option>
            </select>
          </Field>
          <Field label="Path" htmlFor="csv-path" hint="Text in the path, or a glob: */cron.d/*">
            <input id="csv-path" type="search" className="mono" value={form.path ?? ''} onChange={(e) => set({ path: e.target.value })} />
          </Field>
          <Field label="Seen since" htmlFor="csv-since">
            <input id="csv-since" type="date" value={form.since} onChange={(e) => set({ since: e.target.value })} />
          </Field>
          <Field label="First seen until" htmlFor="csv-until">
            <input id="csv-until" type="date" value={form.until} onChange={(e) => set({ until: e.target.value })} />
          </Field>
        </div>
        <ErrorNotice error={error} />
        <div className="form-actions">
          <button type="button" className="btn" onClick={() => setForm(EMPTY_EVENTS_FORM)} disabled={busy}>
            Reset
          </button>
          <button type="submit" className="btn primary" disabled={busy}>
            Download events CSV
          </button>
        </div>
      </form>
      <Done text={done} />
    </Card>
  );
}

/** A CSV of one kind, for every group or one. */
function GroupCsvCard({ kind, title, description, groupHint, allLabel }: { kind: 'coverage' | 'scans'; title: string; description: string; groupHint: string; allLabel: string }) {
  const perform = useConsole((s) => s.perform);
  const choices = useChoices();
  const { busy, error, run } = useAction();
  const [group, setGroup] = useState('');
  const [done, setDone] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setDone(null);
    const csv = await run(() => perform('reports/csv', { kind, ...(group ? { filter: { group: [group] } } : {}) }));
    if (!csv) return;
    const name = safeFileName(csv.filename, `driftwatch-${kind}.csv`);
    downloadText(name, csv.csv, 'text/csv;charset=utf-8');
    setDone(`Saved ${name}: ${plural(csv.rows, 'row')}.`);
  }

  return (
    <Card title={`${title} (CSV)`}>
      <p className="muted">{description}</p>
      <form className="form" aria-label={`${title} CSV`} onSubmit={(e) => void submit(e)}>
        <div className="field-row">
          <Field label="Group" htmlFor={`${kind}-group`} hint={groupHint}>
            <select id={`${kind}-group`} value={group} onChange={(e) => setGroup(e.target.value)}>
              <option value="">{allLabel}</option>
              {choices.groups
                .filter((g) => g !== 'Unassigned')
                .map((g) => (
                  <option key={g} value={g}>
                    {g}
                  </option>
                ))}
            </select>
          </Field>
        </div>
        <ErrorNotice error={error} />
        <div className="form-actions">
          <button type="submit" className="btn primary" disabled={busy}>
            Download {kind} CSV
          </button>
        </div>
      </form>
      <Done text={done} />
    </Card>
  );
}
